"""nanocat.kinetics: mean-field microkinetics from free energies to TOF, FE, partial currents and Tafel slopes."""

from nanocat.kinetics.catmap import CatMAPSetup, read_mkm
from nanocat.kinetics.model import SITE_DENSITY_CU111_PER_CM2, MicrokineticModel
from nanocat.kinetics.results import KineticsMap, KineticsResult

__all__ = ["SITE_DENSITY_CU111_PER_CM2", "CatMAPSetup", "KineticsMap", "KineticsResult", "MicrokineticModel",
           "read_mkm"]
