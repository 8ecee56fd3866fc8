"""ASE calculators nanocat ships itself; each imports its heavy library only when it computes."""

from nanocat.atoms.calculators.pyscf import PySCFCalculator

__all__ = ["PySCFCalculator"]
