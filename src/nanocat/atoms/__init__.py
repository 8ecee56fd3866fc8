"""Atomistic layer: built-in clusters and structure files, analysis, sites, adsorbates, engines, screening."""

from nanocat.atoms.adsorbates import ADSORBATES, adsorbate_candidates, gas_molecule
from nanocat.atoms.analysis import StructureAnalysis, analyze_structure
from nanocat.atoms.engines import (
    Engine,
    EnginePolicy,
    EngineSpec,
    get_calculator,
    get_engine,
    register_engine,
    single_point,
)
from nanocat.atoms.refine import Refinement, refine_screen
from nanocat.atoms.screening import ScreenPlan, ScreenResult, Screener, ScreenSettings, screen
from nanocat.atoms.sites import Site, SiteFinder, site_structure
from nanocat.atoms.structures import BUILTIN_CLUSTERS, build_cluster, read_structure, structure_hash
from nanocat.atoms.workflow import RelaxJob, ResultStore, RunSummary, run_jobs

__all__ = [
    "ADSORBATES", "BUILTIN_CLUSTERS", "Engine", "EnginePolicy", "EngineSpec", "Refinement", "RelaxJob", "ResultStore",
    "RunSummary",
    "ScreenPlan", "ScreenResult", "ScreenSettings", "Screener", "Site", "SiteFinder", "StructureAnalysis",
    "adsorbate_candidates", "analyze_structure", "build_cluster", "gas_molecule", "get_calculator", "get_engine",
    "read_structure", "refine_screen", "register_engine", "run_jobs", "screen", "single_point", "site_structure",
    "structure_hash",
]
