"""CatMAP reaction expressions: parsed, balance-checked and rewritten to nanocat's expression grammar.

Grammar, as CatMAP reads it (catmap/model.py ``parse_elementary_rxns``, catmap/data/regular_expressions.py):

- ``IS -> FS``, ``IS <-> FS`` or ``IS <-> TS <-> FS`` (``->`` and ``<->`` are the same to CatMAP's regex:
  every step is reversible); options after ``;`` as ``key=value`` pairs (``beta``, ``prefactor``).
- Species ``[n]NAME_SITE``; ``NAME*`` is ``NAME`` on the default site ``s``; ``*_SITE`` (or ``*``) an empty
  site; site ``g`` is the gas phase; ``2*_s`` two empty sites.
- ``^0.26eV_a`` as the whole transition state: an electrochemical barrier (CatMAP ``generate_echem_TS``).
- Composition from the name (catmap/functions.py ``get_composition``): ``-`` and ``&`` dropped, ``pe`` counts
  as H, ``ele`` as nothing; ``species_definitions[key]['composition']`` overrides it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nanocat.chem.species import parse_composition
from nanocat.errors import InputError

GAS_SITE = "g"
DEFAULT_SITE = "s"
#: Fictitious gases of CatMAP's electrochemistry (catmap/thermodynamics/enthalpy_entropy.py, ``ideal_gas``).
ECHEM_GASES = ("pe_g", "ele_g", "H_g", "OH_g")
_TOKEN = re.compile(r"(\d*)([^_*+<>\s]+|\*)(?:\*?_(\w+)|\*)?")
_ECHEM_TS = re.compile(r"\^([0-9.eE+-]+?)(?:eV)?_(\w+)")


@dataclass(frozen=True)
class CatMAPStep:
    """One elementary step: states as species keys (``CO_s``, ``CO2_g``, ``*_s``), options, source line."""

    index: int
    initial: tuple[str, ...]
    final: tuple[str, ...]
    transition: tuple[str, ...] = ()
    options: Mapping[str, str] = field(default_factory=dict)
    line: int = 0
    #: Barrier (eV) of a ``^Ea_site`` electrochemical transition state, else None.
    echem_barrier_eV: float | None = None

    @property
    def ts_species(self) -> tuple[str, ...]:
        """Transition-state species keys (not sites)."""
        return tuple(k for k in self.transition if not k.startswith("*_"))

    def expression(self) -> str:
        """The step in nanocat's grammar: ``A_s + B_g <-> TS_s <-> C_s; beta=0.5`` (no prefactor option)."""
        states = [self.initial, self.transition, self.final] if self.transition else [self.initial, self.final]
        text = " <-> ".join(" + ".join(state) for state in states)
        opts = {k: v for k, v in self.options.items() if k != "prefactor"}
        return text + ("; " + ", ".join(f"{k}={v}" for k, v in opts.items()) if opts else "")

    def as_dict(self) -> dict[str, Any]:
        """Plain record."""
        return {"index": self.index, "initial": list(self.initial), "transition": list(self.transition),
                "final": list(self.final), "options": dict(self.options), "line": self.line,
                "echem_barrier_eV": self.echem_barrier_eV}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CatMAPStep:
        """Rebuild from :meth:`as_dict` output."""
        return cls(int(data["index"]), tuple(data["initial"]), tuple(data["final"]), tuple(data["transition"]),
                   dict(data["options"]), int(data["line"]), data.get("echem_barrier_eV"))


def species_site(key: str) -> tuple[str, str]:
    """``('CO', 's')`` from ``'CO_s'``; ``('*', 's')`` from ``'*_s'``."""
    name, _, site = key.rpartition("_")
    return name, site


def _state(text: str, where: str) -> list[str]:
    """Species keys of one state, stoichiometry expanded (``2*_s`` -> ``*_s``, ``*_s``)."""
    keys: list[str] = []
    for token in text.replace("+", " ").split():
        m = _TOKEN.fullmatch(token)
        if m is None:
            raise InputError(f"{where}: cannot read species {token!r} (write NAME_SITE, e.g. 'CO_s', '*_s', 'CO2_g')")
        count = int(m.group(1)) if m.group(1) else 1
        name, site = m.group(2), m.group(3) or DEFAULT_SITE
        keys += [f"*_{site}" if name == "*" else f"{name}_{site}"] * count
    return keys


def parse_expression(index: int, text: str, where: str) -> CatMAPStep:
    """Parse one CatMAP reaction expression; ``where`` names file and line for errors."""
    if not isinstance(text, str):
        raise InputError(f"{where}: reaction expressions must be strings, got {text!r}")
    eq, _, opt_text = text.partition(";")
    options: dict[str, str] = {}
    for item in "".join(opt_text.split()).split(","):
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InputError(f"{where}: reaction option {item!r} is not key=value")
        options[key] = value
    parts = re.split(r"<?->", eq)
    if len(parts) not in (2, 3) or not all(p.strip() for p in (parts[0], parts[-1])):
        raise InputError(f"{where}: expected 'IS -> FS' or 'IS <-> TS <-> FS', got {eq.strip()!r}")
    barrier = None
    ts: list[str] = []
    if len(parts) == 3:
        m = _ECHEM_TS.fullmatch(parts[1].strip())
        if m is not None:
            barrier = float(m.group(1))
            ts = [f"echemTS-{index}_{m.group(2)}"]
        else:
            ts = _state(parts[1], where)
    return CatMAPStep(index, tuple(_state(parts[0], where)), tuple(_state(parts[-1], where)), tuple(ts),
                      options, 0, barrier)


def composition(key: str, definitions: Mapping[str, Mapping[str, Any]], where: str) -> Counter[str]:
    """Elemental composition of a species key, CatMAP's way (``pe`` = H, ``ele`` = nothing)."""
    given = definitions.get(key, {}).get("composition")
    if given is not None:
        return Counter({str(k): int(v) for k, v in dict(given).items()})
    name, _ = species_site(key)
    if name == "*" or key.startswith("echemTS-"):
        return Counter()
    text = name.replace("-", "").replace("pe", "H").replace("&", "").replace("ele", "")
    if not text:
        return Counter()
    try:
        return parse_composition(text)
    except InputError as exc:
        raise InputError(f"{where}: species {key!r}: {exc}") from None


def site_count(key: str, definitions: Mapping[str, Mapping[str, Any]]) -> Counter[str]:
    """Sites a species occupies: gases none, others ``n_sites`` (default 1) of their site."""
    name, site = species_site(key)
    if site == GAS_SITE:
        return Counter()
    return Counter({site: int(definitions.get(key, {}).get("n_sites", 1))})


def check_balance(step: CatMAPStep, definitions: Mapping[str, Mapping[str, Any]], where: str) -> None:
    """Mass and site balance of IS, TS and FS, as CatMAP's ``ReactionModel.verify``; InputError if broken."""
    states = {"initial state": step.initial, "final state": step.final}
    if step.transition and step.echem_barrier_eV is None:
        states["transition state"] = step.transition
    for what, fn in (("mass", composition), ("site", site_count)):
        totals = {}
        for label, state in states.items():
            total: Counter[str] = Counter()
            for key in state:
                total.update(fn(key, definitions, where) if fn is composition else fn(key, definitions))
            totals[label] = {k: v for k, v in total.items() if v}
        if len({tuple(sorted(t.items())) for t in totals.values()}) > 1:
            detail = "; ".join(f"{label} {dict(sorted(t.items()))}" for label, t in totals.items())
            hint = " (set n_sites in species_definitions for species on more than one site)" if what == "site" else ""
            raise InputError(f"{where}: unbalanced reaction ({what} balance): {detail}{hint}")
