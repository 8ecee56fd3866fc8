"""Reaction expressions in CatMAP's ``rxn_expressions`` grammar, parsed into objects and balance-checked.

``'CO2_g + *_t + pe_g <-> COOH_t'``, with an optional transition state in the middle
(``'H_t + pe_g <-> H-pe_t <-> H2_g + *_t'``) and optional ``; key=value`` suffixes: ``beta=0.5`` (transfer
coefficient), ``Ea=0.6`` (barrier at U0, eV), ``U0=-0.5`` (V on the model's scale), ``bep=0.5,0.8`` (Ea(U0) =
slope * dG(U0) + offset, eV), ``label=Volmer``. A token is ``NAME_SITE``: site ``g`` is a gas or liquid at fixed
pressure/activity, any other site is an adsorption site type; ``*_t`` is an empty site of type t; ``pe_g`` is a
proton-electron pair, ``ele_g`` an electron and ``H_g`` a proton (CatMAP's spellings).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from nanocat.chem.species import SpeciesError, parse_composition
from nanocat.errors import InputError

GAS_SITE = "g"
PSEUDO = ("pe", "ele", "H")  # gas-site names with special meaning: H+ + e-, e-, H+
_TERM = re.compile(r"^(?P<n>\d+)?\s*(?P<token>\S+)$")
_OPTIONS = ("beta", "Ea", "U0", "bep", "label")


@dataclass(frozen=True)
class Token:
    """One species token ``NAME_SITE``: composition (elements), charge (e) and kind."""

    text: str
    name: str
    site: str
    composition: tuple[tuple[str, int], ...]
    charge: int

    @property
    def kind(self) -> str:
        """``empty``, ``adsorbate``, ``gas``, ``pe``, ``ele``, ``proton`` or ``ts`` (a transition state)."""
        if self.name == "*":
            return "empty"
        if self.site == GAS_SITE:
            return {"pe": "pe", "ele": "ele", "H": "proton"}.get(self.name, "gas")
        return "ts" if "-" in self.name else "adsorbate"


def _composition(piece: str) -> Counter[str]:
    """Elements of one name piece (``pe`` is H, ``ele`` nothing)."""
    if piece == "pe":
        return Counter({"H": 1})
    if piece == "ele":
        return Counter()
    return parse_composition(piece)


@lru_cache(maxsize=4096)
def parse_token(text: str) -> Token:
    """Parse ``COOH_t``, ``*_t``, ``CO2_g``, ``pe_g`` or a transition state ``H-pe_t`` (InputError if unreadable)."""
    if "_" not in text:
        raise InputError(f"species {text!r} has no site: write NAME_SITE, e.g. 'CO_t', '*_t' or 'CO2_g'")
    name, site = text.rsplit("_", 1)
    if not name or not site:
        raise InputError(f"species {text!r}: write NAME_SITE, e.g. 'CO_t', '*_t' or 'CO2_g'")
    if name == "*":
        if site == GAS_SITE:
            raise InputError(f"species {text!r}: an empty site cannot be in the gas phase")
        return Token(text, name, site, (), 0)
    pieces = name.split("-") if "-" in name else [name]
    comp: Counter[str] = Counter()
    charge = 0
    try:
        for piece in pieces:
            comp.update(_composition(piece))
            charge -= piece == "ele"
    except SpeciesError as exc:
        raise InputError(f"species {text!r}: {exc}") from None
    if site == GAS_SITE and name == "H":  # CatMAP's proton in 'H_g + ele_g'
        charge = 1
    return Token(text, name, site, tuple(sorted(comp.items())), charge)


@dataclass(frozen=True)
class Expression:
    """One elementary step: left <-> [transition state] <-> right, with its barrier options."""

    text: str
    left: tuple[tuple[str, int], ...]
    right: tuple[tuple[str, int], ...]
    ts: str | None = None
    beta: float | None = None
    Ea_eV: float | None = None
    U0_V: float | None = None
    bep: tuple[float, float] | None = None
    label: str = ""

    @property
    def equation(self) -> str:
        """Canonical text of the step without options (``a + b <-> [ts <->] c``)."""
        def side(terms: tuple) -> str:
            return " + ".join(f"{n if n > 1 else ''}{t}" for t, n in terms)
        mid = f" <-> {self.ts}" if self.ts else ""
        return f"{side(self.left)}{mid} <-> {side(self.right)}"

    def tokens(self) -> list[str]:
        """Every token of the step (transition state included), sorted."""
        names = {t for t, _ in (*self.left, *self.right)}
        return sorted(names | ({self.ts} if self.ts else set()))


def _side(text: str, where: str) -> tuple[tuple[str, int], ...]:
    """``'2*_t + CO2_g'`` -> sorted ((token, count), ...)."""
    counts: Counter[str] = Counter()
    for term in (t.strip() for t in text.split("+")):
        m = _TERM.match(term)
        if not term or m is None:
            raise InputError(f"{where}: cannot read the term {term!r} (write e.g. '2*_t' or 'CO_t')")
        token = parse_token(m.group("token")).text
        counts[token] += int(m.group("n") or 1)
    return tuple(sorted(counts.items()))


def _option(key: str, value: str, where: str) -> float | tuple[float, float] | str:
    """Value of one ``; key=value`` suffix."""
    if key == "label":
        return value
    try:
        if key == "bep":
            slope, offset = (float(v) for v in value.split(","))
            return (slope, offset)
        return float(value)
    except ValueError:
        raise InputError(f"{where}: option {key}={value!r} is not a number"
                         + (" (bep=slope,offset)" if key == "bep" else "")) from None


def parse_expression(text: str, source: str = "<expressions>", index: int | None = None) -> Expression:
    """Parse one expression (InputError naming ``source`` and the expression when unreadable)."""
    where = f"{source}: expression {index if index is not None else ''} {text!r}".replace("  ", " ")
    main, *opts = text.split(";")
    options: dict[str, float | tuple[float, float] | str] = {}
    for opt in (o.strip() for o in opts):
        if not opt:
            continue
        key, sep, value = opt.partition("=")
        key = key.strip()
        if not sep or key not in _OPTIONS:
            raise InputError(f"{where}: unknown option {opt!r} (known: {', '.join(_OPTIONS)})")
        options[key] = _option(key, value.strip(), where)
    parts = [p.strip() for p in re.split(r"<->|->", main)]
    if len(parts) not in (2, 3) or not all(parts):
        raise InputError(f"{where}: write 'A + B <-> C' or 'A + B <-> TS <-> C'")
    try:
        left, right = _side(parts[0], where), _side(parts[-1], where)
        ts = None
        if len(parts) == 3:
            # CatMAP writes the sites a TS frees beside it ('H-H_s + *_s'); empty sites have G = 0 by convention
            ts_side = [(t, n) for t, n in _side(parts[1], where) if not t.startswith("*_")]
            if len(ts_side) != 1 or ts_side[0][1] != 1:
                raise InputError(f"{where}: the transition state must be one species (plus empty sites), "
                                 f"got {parts[1]!r}")
            ts = ts_side[0][0]
    except InputError as exc:
        msg = str(exc)
        raise InputError(msg if msg.startswith(where) else f"{where}: {msg}") from None
    beta = options.get("beta")
    if beta is not None and not 0.0 <= float(beta) <= 1.0:  # type: ignore[arg-type]
        raise InputError(f"{where}: beta={beta} must lie between 0 and 1")
    return Expression(text.strip(), left, right, ts, beta, options.get("Ea"), options.get("U0"),  # type: ignore[arg-type]
                      options.get("bep"), str(options.get("label", "")))  # type: ignore[arg-type]


def check_balance(expr: Expression, n_sites: Mapping[str, int], where: str) -> None:
    """Raise InputError unless elements, charge and sites of each site type balance (transition state too)."""
    def totals(terms: tuple) -> tuple[Counter[str], int, Counter[str]]:
        elements: Counter[str] = Counter()
        charge = 0
        sites: Counter[str] = Counter()
        for text, n in terms:
            tok = parse_token(text)
            for el, k in tok.composition:
                elements[el] += n * k
            charge += n * tok.charge
            if tok.site != GAS_SITE:
                sites[tok.site] += n * (1 if tok.name == "*" else int(n_sites.get(text, 1)))
        return elements, charge, sites

    left = totals(expr.left)
    problems = []
    for label, side in (("right", expr.right), ("transition state", ((expr.ts, 1),) if expr.ts else None)):
        if side is None:
            continue
        other = totals(side)
        if left[0] != other[0]:
            diff = {el: left[0][el] - other[0][el] for el in sorted(set(left[0]) | set(other[0]))
                    if left[0][el] != other[0][el]}
            problems.append(f"elements differ between left and {label} (left minus {label}: {diff})")
        # a transition-state name such as CatMAP's 'H-ele_s' labels the complex being formed (elements are
        # checked), not its net charge: the electron is mid-transfer, so only the end states must balance charge
        if label == "right" and left[1] != other[1]:
            problems.append(f"charge: {left[1]} on the left, {other[1]} on the {label}")
        if label == "right" and +left[2] != +other[2]:
            problems.append(f"sites: {dict(left[2])} on the left, {dict(other[2])} on the right")
    if problems:
        raise InputError(f"{where}: unbalanced expression {expr.text!r}: " + "; ".join(problems))
