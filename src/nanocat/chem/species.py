"""Reaction species parsed once into objects: ``COOH*`` (adsorbed), ``*`` (clean site), ``CO(g)``, ``HCOOH(aq)``."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from ase.data import chemical_symbols

from nanocat.errors import InputError

Phase = Literal["ads", "site", "g", "l", "aq"]
PHASES: tuple[str, ...] = ("g", "l", "aq")
_ELEMENT = re.compile(r"([A-Z][a-z]?)(\d*)")
_NAME = re.compile(r"^(?P<formula>[A-Za-z0-9]+)(?:(?P<star>\*)|\((?P<phase>g|l|aq)\))$")


class SpeciesError(InputError):
    """A species name that cannot be parsed (expected e.g. ``COOH*``, ``*``, ``CO(g)``, ``H2O(l)``)."""


@dataclass(frozen=True)
class Species:
    """One species of the network: its name, elemental composition and phase (``ads`` = bound to one site)."""

    name: str
    composition: tuple[tuple[str, int], ...]
    phase: Phase

    @property
    def adsorbed(self) -> bool:
        """True for adsorbates and the clean site (both occupy one site)."""
        return self.phase in ("ads", "site")

    @property
    def formula(self) -> str:
        """The formula part of the name (``COOH`` for ``COOH*``, ``''`` for the clean site)."""
        return "" if self.phase == "site" else self.name.rsplit("(", 1)[0].rstrip("*")

    def count(self, element: str) -> int:
        """Number of atoms of ``element`` in the species."""
        return dict(self.composition).get(element, 0)

    def elements(self) -> Counter[str]:
        """Elemental composition as a Counter."""
        return Counter(dict(self.composition))


def parse_composition(formula: str) -> Counter[str]:
    """Elemental composition of a plain formula written atom by atom (``CH2OH`` -> C1 H3 O1)."""
    counts: Counter[str] = Counter()
    pos = 0
    for match in _ELEMENT.finditer(formula):
        if match.start() != pos:
            break
        element, number = match.group(1), match.group(2)
        if element not in chemical_symbols[1:]:
            raise SpeciesError(f"unknown element {element!r} in species formula {formula!r}")
        counts[element] += int(number) if number else 1
        pos = match.end()
    if pos != len(formula) or not counts:
        raise SpeciesError(f"cannot read the formula {formula!r}: write it atom by atom, e.g. 'CH2OH'")
    return counts


@lru_cache(maxsize=1024)
def parse_species(name: str) -> Species:
    """Parse a species name: ``X*`` adsorbed, ``*`` clean site, ``X(g)``/``X(l)``/``X(aq)`` molecules."""
    text = name.strip()
    if text == "*":
        return Species("*", (), "site")
    match = _NAME.match(text)
    if match is None:
        raise SpeciesError(
            f"cannot read species {name!r}: write an adsorbate as 'COOH*', the clean site as '*', "
            "and a molecule with its phase as 'CO(g)', 'H2O(l)' or 'HCOOH(aq)'")
    composition = parse_composition(match.group("formula"))
    phase: Phase = "ads" if match.group("star") else match.group("phase")  # type: ignore[assignment]
    return Species(text, tuple(sorted(composition.items())), phase)
