"""nanocat's exception types: messages a chemist can act on; the CLI prints them as one line, exit 2."""

from __future__ import annotations


class NanocatError(Exception):
    """Base class of every error nanocat raises on purpose (bad input, failed engine, missing data)."""


class InputError(NanocatError, ValueError):
    """Bad user input: the message names the field, the line or the file."""


class FormulaError(InputError):
    """A cluster formula that cannot be parsed or names an unknown ligand."""


class DataError(InputError):
    """A catalyst record or data file that fails validation (file, line and field are named)."""


class EnergyInputError(InputError):
    """An energies file or table that cannot be turned into free energies."""


class StructureError(InputError):
    """A structure file that cannot be read or makes no chemical sense."""


class EngineError(NanocatError, RuntimeError):
    """A quantum-chemical engine failed (after every fallback of its policy)."""


class StoreError(NanocatError, RuntimeError):
    """The results database failed while a run was using it (server gone, locked past the retry limit)."""
