"""Cluster chemistry: formula parsing, the ligand library and superatom electron counting.

>>> from nanocat.chem import parse_formula
>>> parse_formula("[Au25(PET)18]-").electron_count
8
"""

from nanocat.chem.electrons import VALENCE_ELECTRONS, superatom_electrons
from nanocat.chem.formula import ClusterFormula, LigandCount, parse_formula
from nanocat.chem.ligands import Ligand, LigandLibrary, classify_ligand, default_library

__all__ = [
    "VALENCE_ELECTRONS",
    "ClusterFormula",
    "Ligand",
    "LigandCount",
    "LigandLibrary",
    "classify_ligand",
    "default_library",
    "parse_formula",
    "superatom_electrons",
]
