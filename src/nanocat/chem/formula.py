"""Cluster formulas: ``[Au25(PET)18]-``, ``[Cu32H20(S2P(OiPr)2)12]``, ``[Cu25H22(PPh3)12]Cl`` -> ClusterFormula.

Grammar (after Unicode normalisation: subscripts, superscripts and the minus sign become ASCII):
``prefix? [body] charge? counter-ions?`` or ``body charge?`` where the body is a sequence of metal
symbols with counts, ``H<n>`` hydrides, bare halides/sulfide (``Cl2``) and ``(ligand)<n>`` groups (nested
parentheses allowed). Charges: ``-``, ``2+``, ``+2``, ``-1``, ``1-``, ``^2+``, ``^{2+}``, ``²⁺``, ``⁻``;
without brackets the sign must come first or follow ``^`` (``Au25(SR)18-``), since ``182-`` would be
ambiguous. Counter-ions after (or before) the bracket fix the charge when none is written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nanocat.chem._condensed import element_symbols, hill_formula, matching_paren, read_count
from nanocat.chem.electrons import VALENCE_ELECTRONS, superatom_electrons
from nanocat.chem.ligands import Ligand, LigandLibrary, default_library, normalize_text
from nanocat.errors import DataError, FormulaError, InputError

__all__ = ["COUNTER_ION_CHARGES", "ClusterFormula", "LigandCount", "parse_formula"]

MAX_FORMULA_LENGTH = 500
MAX_NESTING = 8
_NONMETALS = frozenset({"H", "He", "B", "C", "N", "O", "F", "Ne", "Si", "P", "S", "Cl", "Ar", "Ge", "As",
                        "Se", "Br", "Kr", "Sb", "Te", "I", "Xe", "At", "Rn"})
_SUPERSCRIPT = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8",
                "⁹": "9", "⁺": "+", "⁻": "-"}
_CHARGE_BODY = r"(?:[1-9]\d{0,2}[+-]|[+-](?:[1-9]\d{0,2})?|0)"
_CHARGE_AFTER_BRACKET = re.compile(rf"\^\{{{_CHARGE_BODY}\}}|\^{_CHARGE_BODY}|[1-9]\d{{0,2}}[+-]|[+-](?:[1-9]\d{{0,2}})?|0")
_ION_NAME = re.compile(r"[A-Za-z][A-Za-z0-9()]*")
_ION_CHARGE = re.compile(r"\^?\{?(?:[1-9]?[+-])\}?")
_CHARGE_AT_END = re.compile(rf"(?:\^\{{{_CHARGE_BODY}\}}|\^{_CHARGE_BODY}|[+-](?:[1-9]\d{{0,2}})?)$")

#: Charges of common counter-ions (TOA = tetraoctylammonium, TBA = tetrabutylammonium, PPN =
#: bis(triphenylphosphine)iminium, OTf = triflate).
COUNTER_ION_CHARGES: dict[str, int] = {
    "F": -1, "Cl": -1, "Br": -1, "I": -1, "NO3": -1, "BF4": -1, "PF6": -1, "SbF6": -1, "ClO4": -1,
    "OTf": -1, "CF3SO3": -1, "BPh4": -1, "OAc": -1, "CH3COO": -1, "SO4": -2,
    "Li": 1, "Na": 1, "K": 1, "Rb": 1, "Cs": 1, "TOA": 1, "N(C8H17)4": 1, "TBA": 1, "N(C4H9)4": 1,
    "PPh4": 1, "PPN": 1,
}


@dataclass(frozen=True)
class LigandCount:
    """A ligand and how many of it the cluster carries."""

    ligand: Ligand
    count: int


@dataclass(frozen=True)
class ClusterFormula:
    """A parsed cluster formula; derived quantities (electron count, composition, mass) are properties."""

    text: str
    metals: dict[str, int]
    ligands: tuple[LigandCount, ...]
    hydrides: int
    charge: int
    counter_ions: tuple[str, ...] = ()
    charge_source: str = "explicit"  # "explicit" | "counter_ions" | "default" (neutral, none written)

    def __hash__(self) -> int:
        return hash((self.text, self.to_string()))

    @property
    def n_metal_atoms(self) -> int:
        """Number of metal atoms."""
        return sum(self.metals.values())

    @property
    def x_electrons(self) -> int:
        """Electrons withdrawn by X-type ligands and hydrides (N_X of DESIGN.md section 3)."""
        return self.hydrides + sum(lc.ligand.electrons_withdrawn * lc.count for lc in self.ligands)

    @property
    def electron_count(self) -> int:
        """Superatom electron count n = sum(v_M N_M) - N_X - q; FormulaError for a metal without a valence."""
        return superatom_electrons(self.metals, self.x_electrons, self.charge)

    @property
    def composition(self) -> dict[str, int] | None:
        """Elemental composition of the cluster ion (counter-ions excluded); None if a ligand's R is unknown."""
        rest = {"H": self.hydrides} if self.hydrides else {}
        for lc in self.ligands:
            elements = lc.ligand.elements()
            if elements is None:
                return None
            for el, n in elements.items():
                rest[el] = rest.get(el, 0) + n * lc.count
        # metals first (in order of appearance), then the ligand shell in Hill order
        ordered = {el: rest[el] for el in re.findall(r"[A-Z][a-z]?", hill_formula(rest))}
        total = dict(self.metals)
        for el, n in ordered.items():
            total[el] = total.get(el, 0) + n
        return total

    @property
    def molar_mass_g_mol(self) -> float | None:
        """Molar mass of the cluster ion in g/mol from ASE's standard atomic weights (electron mass neglected)."""
        comp = self.composition
        if comp is None:
            return None
        from ase.data import atomic_masses, atomic_numbers

        return float(sum(atomic_masses[atomic_numbers[el]] * n for el, n in comp.items()))

    @property
    def formal_oxidation_states(self) -> dict[str, int] | None:
        """Formal oxidation-state counts, e.g. ``{"Cu(0)": 2, "Cu(I)": 23}`` for [Cu25H22(PPh3)12]+.

        Defined when exactly one metal element has valence 1 (Cu, Ag or Au) and every other metal is a d10
        dopant with valence 0 (Pd, Pt, listed as M(0)): each withdrawn electron and each unit of positive
        charge oxidises one atom to M(I), so M(0) = n (the superatom count) and M(I) = N_M - n. None when the
        split between two valence-1 metals is not fixed by counting, a metal has another valence, or
        n is outside 0..N_M.
        """
        valences = {el: VALENCE_ELECTRONS.get(el) for el in self.metals}
        active = [el for el, v in valences.items() if v == 1]
        if len(active) != 1 or any(v not in (0, 1) for v in valences.values()):
            return None
        el, n = active[0], self.electron_count
        if not 0 <= n <= self.metals[el]:
            return None
        states = {f"{el}(0)": n, f"{el}(I)": self.metals[el] - n}
        states.update({f"{m}(0)": self.metals[m] for m, v in valences.items() if v == 0})
        return states

    def to_string(self) -> str:
        """Canonical formula, e.g. ``[Au25(PET)18]-``: every ligand in parentheses, counts always written."""
        body = "".join(f"{el}{n}" for el, n in self.metals.items())
        body += f"H{self.hydrides}" if self.hydrides else ""
        body += "".join(f"({lc.ligand.name}){lc.count}" for lc in self.ligands)
        q = self.charge
        charge = "" if q == 0 else ("+" if q == 1 else "-" if q == -1 else f"{abs(q)}{'+' if q > 0 else '-'}")
        ions = ""
        for name in dict.fromkeys(self.counter_ions):
            k = self.counter_ions.count(name)
            ions += (str(k) if k > 1 else "") + (name if name in COUNTER_ION_CHARGES else f"[{name}]")
        return f"[{body}]{charge}{ions}"

    def __str__(self) -> str:
        return self.to_string()

    def as_dict(self) -> dict[str, Any]:
        """DESIGN.md section 2 record (formula, charge, metals, ligands, hydrides, electron_count, composition) + extras."""
        try:
            electrons: int | None = self.electron_count
        except FormulaError:
            electrons = None
        return {
            "formula": self.text,
            "charge": self.charge,
            "metals": dict(self.metals),
            "ligands": [{"name": lc.ligand.name, "count": lc.count, "kind": lc.ligand.kind,
                         "anchor": list(lc.ligand.anchor)} for lc in self.ligands],
            "hydrides": self.hydrides,
            "electron_count": electrons,
            "composition": self.composition,
            "canonical": self.to_string(),
            "counter_ions": list(self.counter_ions),
            "molar_mass_g_mol": self.molar_mass_g_mol,
            "formal_oxidation_states": self.formal_oxidation_states if electrons is not None else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], library: LigandLibrary | None = None) -> ClusterFormula:
        """Rebuild from :meth:`as_dict` output by re-parsing its ``formula`` (DataError if the charge disagrees)."""
        if not isinstance(data.get("formula"), str):
            raise DataError("cluster formula record has no 'formula' string")
        parsed = parse_formula(data["formula"], library)
        if "charge" in data and data["charge"] != parsed.charge:
            raise DataError(f"formula {data['formula']!r} has charge {parsed.charge}, the record says {data['charge']}")
        return parsed


def _fail(text: str, why: str) -> FormulaError:
    return FormulaError(f"cannot parse formula {text!r}: {why}")


def _normalize(text: str) -> str:
    """Superscript runs become '^...' (so '182⁻' stays unambiguous), then NFKC and ASCII dashes."""
    out: list[str] = []
    for ch in text:
        sup = _SUPERSCRIPT.get(ch)
        if sup is None:
            out.append(ch)
        elif out and out[-1].startswith("^"):
            out[-1] += sup
        else:
            out.append("^" + sup)
    return normalize_text("".join(out))


def _parse_body(body: str, library: LigandLibrary, text: str) -> tuple[dict[str, int], list[LigandCount], int]:
    """Metals, ligands (merged by name, in order) and hydride count of the cluster body."""
    symbols = element_symbols()
    metals: dict[str, int] = {}
    ligands: dict[str, LigandCount] = {}
    hydrides = 0
    i = 0
    while i < len(body):
        if body[i] in "({":  # braces group a ligand too, as in {S2P(OiPr)2}
            j = matching_paren(body, i, body[i], ")" if body[i] == "(" else "}")
            name = body[i + 1:j]
            if not name:
                raise _fail(text, "empty parentheses")
            try:
                ligand = library.get(name)
            except FormulaError as exc:
                raise FormulaError(f"formula {text!r}: {exc}") from None
            except InputError as exc:
                raise _fail(text, str(exc)) from None
            count, i = read_count(body, j + 1)
        elif body[i].isupper():
            symbol = body[i:i + 2] if body[i:i + 2] in symbols else body[i]
            if symbol not in symbols:
                raise _fail(text, f"{body[i:i + 2]!r} at position {i + 1} of the cluster body is not an element")
            count, i = read_count(body, i + len(symbol))
            if symbol not in _NONMETALS:
                metals[symbol] = metals.get(symbol, 0) + count
                continue
            found = None if symbol == "H" else library.lookup(symbol)
            if symbol != "H" and found is None:
                raise _fail(text, f"bare {symbol!r} outside parentheses; write ligands in parentheses, e.g. (SR)")
            ligand = found if found is not None else library.get("H")
        else:
            raise _fail(text, f"unexpected {body[i]!r} at position {i + 1} of the cluster body")
        if ligand.kind == "X" and ligand.anchor == ("H",):
            hydrides += count
        elif ligand.name in ligands:
            ligands[ligand.name] = LigandCount(ligand, ligands[ligand.name].count + count)
        else:
            ligands[ligand.name] = LigandCount(ligand, count)
    if not metals:
        raise _fail(text, "no metal atoms (write e.g. [Au25(SR)18]-)")
    return metals, list(ligands.values()), hydrides


def _charge_value(token: str) -> int:
    core = token.lstrip("^").strip("{}")
    if core == "0":
        return 0
    sign = -1 if "-" in core else 1
    digits = core.replace("+", "").replace("-", "")
    return sign * (int(digits) if digits else 1)


def _counter_ions(piece: str, text: str) -> list[str]:
    """Names of the counter-ions written in ``piece`` (``Cl``, ``2Cl``, ``Cl2``, ``(SbF6)2``, ``[TOA]``)."""
    ions: list[str] = []
    known = sorted(COUNTER_ION_CHARGES, key=len, reverse=True)
    i = 0
    while i < len(piece):
        if piece[i] in "·.,":
            i += 1
            continue
        mult, i = read_count(piece, i)
        if i < len(piece) and piece[i] in "[(":
            j = matching_paren(piece, i, piece[i], "]" if piece[i] == "[" else ")")
            name = piece[i + 1:j]
            count, i = read_count(piece, j + 1)
        else:
            name = next((k for k in known if piece.startswith(k, i)), None)
            if name is None:
                end = min((e for e in (piece.find(c, i) for c in "·.,[(") if e > i), default=len(piece))
                name, count, i = piece[i:end], 1, end
            else:
                count, i = read_count(piece, i + len(name))
        if not _ION_NAME.fullmatch(name) or name.count("(") != name.count(")"):
            raise _fail(text, f"unreadable counter-ion {name!r}")
        ions += [name] * (mult * count)
        annotation = _ION_CHARGE.match(piece, i)  # "TOA+", "Cl^-": the ion's own charge, already in the table
        i = annotation.end() if annotation else i
    return ions


def _top_level_brackets(s: str, text: str) -> list[tuple[int, int]]:
    groups, i = [], 0
    while i < len(s):
        if s[i] == "[":
            j = matching_paren(s, i, "[", "]")
            groups.append((i, j))
            i = j + 1
        elif s[i] == "]":
            raise _fail(text, f"unmatched ']' at position {i + 1}")
        else:
            i += 1
    return groups


def _check_nesting(s: str, text: str) -> None:
    depth = 0
    for ch in s:
        depth += ch in "(["
        depth -= ch in ")]"
        if depth > MAX_NESTING:
            raise _fail(text, f"brackets nested more than {MAX_NESTING} deep")


def parse_formula(text: str, library: LigandLibrary | None = None) -> ClusterFormula:
    """Parse a cluster formula such as ``[Au25(PET)18]-`` (FormulaError on anything it cannot read).

    Parameters
    ----------
    text : the formula, in ASCII or with Unicode sub/superscripts.
    library : ligand library to resolve names (default: :func:`default_library`).
    """
    if not isinstance(text, str):
        raise FormulaError(f"a formula must be a string, got {type(text).__name__}")
    if len(text) > MAX_FORMULA_LENGTH:
        raise FormulaError(f"formula longer than {MAX_FORMULA_LENGTH} characters: {text[:40]!r}...")
    library = default_library() if library is None else library
    s = _normalize(text)
    if not s:
        raise FormulaError("empty formula")
    _check_nesting(s, text)
    try:
        return _parse(s, text, library)
    except ValueError as exc:
        if isinstance(exc, FormulaError):
            raise
        raise _fail(text, str(exc)) from None


def _parse(s: str, text: str, library: LigandLibrary) -> ClusterFormula:
    groups = _top_level_brackets(s, text)
    charge: int | None = None
    prefix = suffix = ""
    if not groups:
        m = _CHARGE_AT_END.search(s)
        if m is not None:
            charge, s = _charge_value(m.group()), s[:m.start()]
        body = s
    else:
        parsed: list[tuple[int, int, int]] = []
        first_error: ValueError | None = None
        for start, end in groups:
            if s[start + 1:end] in COUNTER_ION_CHARGES:  # [Na], [TOA]: a counter-ion, not a cluster
                continue
            try:
                parsed.append((sum(_parse_body(s[start + 1:end], library, text)[0].values()), start, end))
            except ValueError as exc:  # FormulaError, or unbalanced brackets inside a counter-ion group
                first_error = first_error or exc
        if not parsed:
            raise first_error or _fail(text, "no cluster in square brackets")
        if len(parsed) > 1:
            raise _fail(text, "more than one cluster in square brackets; give one cluster ion per formula")
        _, start, end = parsed[0]
        body, prefix, suffix = s[start + 1:end], s[:start], s[end + 1:]
        m = _CHARGE_AFTER_BRACKET.match(suffix)
        if m is not None and (m.group() != "0" or m.end() == len(suffix)):
            charge, suffix = _charge_value(m.group()), suffix[m.end():]
    metals, ligands, hydrides = _parse_body(body, library, text)
    ions = _counter_ions(prefix, text) + _counter_ions(suffix, text)
    source = "explicit"
    if ions:
        charges = [COUNTER_ION_CHARGES.get(ion) for ion in ions]
        balance = None if None in charges else -sum(charges)  # type: ignore[arg-type]
        if charge is None:
            if balance is None:
                unknown = sorted({ion for ion, c in zip(ions, charges) if c is None})
                raise _fail(text, f"unknown counter-ion charge for {unknown}; write the cluster charge, "
                            "e.g. [...]+X")
            charge, source = balance, "counter_ions"
        elif balance is not None and balance != charge:
            raise _fail(text, f"cluster charge {charge:+d} is not balanced by counter-ions {ions} "
                        f"(they need {balance:+d})")
    if charge is None:
        charge, source = 0, "default"
    return ClusterFormula(text=text, metals=metals, ligands=tuple(ligands), hydrides=hydrides, charge=charge,
                          counter_ions=tuple(ions), charge_source=source)
