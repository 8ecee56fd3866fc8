"""Small, importable ASE calculators and factories used to test every engine path (importable by workers)."""

from __future__ import annotations

from typing import Any

from ase.calculators.calculator import Calculator, all_changes
from ase.calculators.emt import EMT


class NoEnergy(Calculator):
    """A broken calculator: it claims energies and forces but computes nothing."""

    implemented_properties = ["energy", "forces"]

    def calculate(self, atoms: Any = None, properties: Any = None, system_changes: Any = all_changes) -> None:
        super().calculate(atoms, properties, system_changes)


class NoOxygenEMT(EMT):
    """EMT that refuses oxygen at run time, the way a method without parameters for an element does."""

    def calculate(self, atoms: Any = None, properties: Any = ("energy",), system_changes: Any = all_changes) -> None:
        if "O" in atoms.get_chemical_symbols():
            raise KeyError("no parameters for O")
        super().calculate(atoms, properties, system_changes)


class SpinEMT(EMT):
    """EMT that takes a charge and a PySCF-style spin (2S): records what it was given in its parameters."""

    default_parameters = {"charge": 0, "spin": 0, "asap_cutoff": False}

    def __init__(self, charge: int = 0, spin: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.parameters["charge"] = charge
        self.parameters["spin"] = spin


def raising_factory(**params: Any) -> Calculator:
    """A factory that always fails, like a calculator whose licence server is down."""
    raise RuntimeError("licence server not reachable")


def emt_factory(**params: Any) -> Calculator:
    """A plain function returning a calculator (no charge keyword)."""
    return EMT(**params)


class SCFFailsOnCuC(EMT):
    """EMT whose 'SCF' fails on every system holding both Cu and C (CO*, COOH* on a Cu cluster), like a DFT code."""

    def calculate(self, atoms: Any = None, properties: Any = ("energy",), system_changes: Any = all_changes) -> None:
        symbols = set(atoms.get_chemical_symbols())
        if {"Cu", "C"} <= symbols:
            from ase.calculators.calculator import SCFError

            raise SCFError("SCF not converged in 50 cycles")
        super().calculate(atoms, properties, system_changes)


class SlowEMT(EMT):
    """EMT that takes ``delay_s`` seconds per calculation, so a relaxation lasts long enough to kill its worker."""

    default_parameters = {**EMT.default_parameters, "delay_s": 0.0}

    def calculate(self, atoms: Any = None, properties: Any = ("energy",), system_changes: Any = all_changes) -> None:
        import time

        time.sleep(float(self.parameters.get("delay_s", 0.0)))
        super().calculate(atoms, properties, system_changes)
