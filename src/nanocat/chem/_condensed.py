"""Condensed chemical formulas of ligands (``SCH2CH2C6H5``, ``P(C6H5)3``, ``S-C6H4-tBu``): tokens and composition.

Private helper of :mod:`nanocat.chem.ligands`. Group abbreviations (Me, Et, iPr, tBu, Ph, Cy, Ad ...) are
expanded; ``R`` and ``Ar`` are unspecified groups (composition unknown). Element symbols come from
``ase.data`` (imported on first use so that ``import nanocat.chem`` stays light).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# One monovalent group each; "R"/"Ar" are unspecified (None). Pr and Ac mean propyl and acetyl here,
# never praseodymium or actinium: no ligand contains those elements.
ABBREVIATIONS: dict[str, dict[str, int] | None] = {
    "Me": {"C": 1, "H": 3}, "Et": {"C": 2, "H": 5},
    "Pr": {"C": 3, "H": 7}, "nPr": {"C": 3, "H": 7}, "iPr": {"C": 3, "H": 7},
    "Bu": {"C": 4, "H": 9}, "nBu": {"C": 4, "H": 9}, "iBu": {"C": 4, "H": 9}, "sBu": {"C": 4, "H": 9},
    "tBu": {"C": 4, "H": 9}, "Hex": {"C": 6, "H": 13}, "Oct": {"C": 8, "H": 17},
    "Ph": {"C": 6, "H": 5}, "Bn": {"C": 7, "H": 7}, "Tol": {"C": 7, "H": 7}, "Cy": {"C": 6, "H": 11},
    "Ad": {"C": 10, "H": 15}, "Adm": {"C": 10, "H": 15}, "Mes": {"C": 9, "H": 11}, "Nap": {"C": 10, "H": 7},
    "Ac": {"C": 2, "H": 3, "O": 1},
    "R": None, "Ar": None,
}
ORGANIC_ELEMENTS = frozenset({"C", "H", "N", "O", "F", "Cl", "Br", "I", "Si", "S"})
MAX_COUNT_DIGITS = 6
_DIGITS = re.compile(r"\d+")


@lru_cache(maxsize=1)
def element_symbols() -> frozenset[str]:
    """All element symbols known to ASE (H ... Og)."""
    from ase.data import chemical_symbols

    return frozenset(chemical_symbols[1:])


@dataclass(frozen=True)
class Token:
    """One element, group abbreviation or parenthesised group, with its count and unit composition."""

    text: str
    kind: str  # "element" | "abbr" | "group"
    count: int
    unit: dict[str, int] | None
    children: tuple[Token, ...] = ()


def read_count(s: str, i: int) -> tuple[int, int]:
    """Read an optional count at s[i:]; return (count, new index). ValueError on 0 or too many digits."""
    m = _DIGITS.match(s, i)
    if m is None:
        return 1, i
    if len(m.group()) > MAX_COUNT_DIGITS:
        raise ValueError(f"count {m.group()[:12]}... has more than {MAX_COUNT_DIGITS} digits")
    count = int(m.group())
    if count == 0:
        raise ValueError(f"count 0 at position {i + 1}")
    return count, m.end()


def matching_paren(s: str, i: int, open_: str = "(", close: str = ")") -> int:
    """Index of the bracket closing the one at s[i]; ValueError if unbalanced."""
    depth = 0
    for j in range(i, len(s)):
        if s[j] == open_:
            depth += 1
        elif s[j] == close:
            depth -= 1
            if depth == 0:
                return j
    raise ValueError(f"unbalanced {open_!r} at position {i + 1}")


def tokenize(s: str) -> list[Token]:
    """Split a condensed formula into tokens (ValueError on anything that is not chemistry)."""
    symbols = element_symbols()
    tokens: list[Token] = []
    i = 0
    while i < len(s):
        if s[i] == "(":
            j = matching_paren(s, i)
            children = tuple(tokenize(s[i + 1:j]))
            if not children:
                raise ValueError(f"empty parentheses at position {i + 1}")
            text, kind, unit, i = s[i + 1:j], "group", sum_tokens(children), j + 1
        else:
            for length in (3, 2, 1):
                piece = s[i:i + length]
                if len(piece) == length and piece in ABBREVIATIONS:
                    text, kind, unit, children = piece, "abbr", ABBREVIATIONS[piece], ()
                    break
                if len(piece) == length and piece in symbols:
                    text, kind, unit, children = piece, "element", {piece: 1}, ()
                    break
            else:
                raise ValueError(f"unexpected {s[i]!r} at position {i + 1}")
            i += len(text)
        count, i = read_count(s, i)
        tokens.append(Token(text, kind, count, unit, children))
    return tokens


def sum_tokens(tokens: list[Token] | tuple[Token, ...]) -> dict[str, int] | None:
    """Total composition of tokens, or None if any is an unspecified group (R)."""
    total: dict[str, int] = {}
    for tok in tokens:
        if tok.unit is None:
            return None
        for el, n in tok.unit.items():
            total[el] = total.get(el, 0) + n * tok.count
    return total


def parse_composition(text: str) -> dict[str, int] | None:
    """Composition of a condensed formula string (None if it contains R/Ar); ValueError if unreadable."""
    tokens = tokenize(text.replace("-", "").replace("\u2261", "").replace("#", ""))
    if not tokens:
        raise ValueError("empty formula")
    return sum_tokens(tokens)


def _has_abbr(tokens: list[Token] | tuple[Token, ...]) -> bool:
    return any(t.kind == "abbr" or (t.kind == "group" and _has_abbr(t.children)) for t in tokens)


def is_organic(tokens: list[Token] | tuple[Token, ...]) -> bool:
    """True for a plausible organic substituent: a group abbreviation/R, or >= 2 atoms with carbon, no metals."""
    if not tokens:
        return False
    if _has_abbr(tokens):
        return True
    comp = sum_tokens(tokens)
    return (comp is not None and comp.get("C", 0) >= 1 and sum(comp.values()) >= 2
            and set(comp) <= ORGANIC_ELEMENTS)


def unambiguous_chain(tokens: list[Token] | tuple[Token, ...]) -> bool:
    """True when one substituent's composition follows from its text.

    An abbreviation inside a chain hides how many of its H atoms are replaced (``SPhMe2`` is
    dimethylphenyl, C8H9, not C6H5 + 2 CH3), so it is only allowed alone or at one chain end, once.
    """
    abbrs = [k for k, t in enumerate(tokens) if t.kind == "abbr"]
    if len(tokens) > 1 and abbrs and (len(abbrs) > 1 or abbrs[0] not in (0, len(tokens) - 1)
                                      or tokens[abbrs[0]].count != 1):
        return False
    return all(unambiguous_chain(t.children) for t in tokens if t.kind == "group")


def hill_formula(composition: dict[str, int]) -> str:
    """Hill-order formula string (C, H, then alphabetical; counts of 1 omitted)."""
    order = sorted(composition, key=lambda el: (0, "") if el == "C" else (1, "") if el == "H" and "C" in
                   composition else (2, el))
    return "".join(f"{el}{composition[el] if composition[el] != 1 else ''}" for el in order)
