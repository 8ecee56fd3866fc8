"""Ligand library: names, aliases, X/L kind, donor atoms and composition of cluster-protecting ligands.

The built-in entries live in ``ligands.yaml`` next to this module; users add their own with
:meth:`LigandLibrary.register` or :meth:`LigandLibrary.load_yaml` (same schema). A name that is not in the
library but shows a recognisable donor pattern (``PMe2Ph`` a phosphine, ``SC12H25`` a thiolate,
``C≡CPh`` an alkynyl, ``S2CNEt2`` a dithiocarbamate, ``RCO2`` a carboxylate ...) is classified by
:func:`classify_ligand` instead of being rejected.
"""

from __future__ import annotations

import difflib
import logging
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from nanocat.chem._condensed import (
    Token,
    element_symbols,
    hill_formula,
    is_organic,
    parse_composition,
    sum_tokens,
    tokenize,
    unambiguous_chain,
)
from nanocat.errors import DataError, FormulaError, InputError

__all__ = ["Ligand", "LigandLibrary", "LigandKind", "classify_ligand", "default_library", "ligand_key",
           "normalize_text"]

logger = logging.getLogger(__name__)

LigandKind = Literal["X", "L"]

_DASHES = dict.fromkeys(map(ord, "\u2212\u2010\u2011\u2012\u2013\u2014\ufe63\uff0d"), "-")
_BOND_MARKS = dict.fromkeys(map(ord, "\u2261#="), None)  # ≡, # (SMILES) and = carry no composition
_FIELDS = ("name", "kind", "anchor", "denticity", "composition", "aliases", "electrons_withdrawn",
           "description", "generic")


def normalize_text(text: str) -> str:
    """Unicode-normalise a formula or ligand name: NFKC (sub/superscripts to digits), dashes to '-', no spaces."""
    s = unicodedata.normalize("NFKC", text).translate(_DASHES)
    return "".join(s.split())


def ligand_key(name: str) -> str:
    """Lookup key of a ligand name: normalised, bond marks and hyphens dropped, case-folded (Spr == SPr)."""
    return normalize_text(name).translate(_BOND_MARKS).replace("-", "").casefold()


@dataclass(frozen=True)
class Ligand:
    """One ligand type: ``kind`` X withdraws ``electrons_withdrawn`` (default 1) electrons, L none.

    ``anchor`` lists the donor element(s), ``composition`` the bound ligand as explicit elements (``None``
    when R is unspecified; then ``generic`` is true). ``electrons_withdrawn`` and ``generic`` default to the
    values that follow from ``kind`` and ``composition``.
    """

    name: str
    kind: LigandKind
    anchor: tuple[str, ...]
    denticity: int = 1
    composition: str | None = None
    aliases: tuple[str, ...] = ()
    electrons_withdrawn: int | None = None
    description: str = ""
    generic: bool | None = None

    def __post_init__(self) -> None:
        """Normalise list inputs to tuples, fill defaults and validate (InputError names the field)."""
        label = f"ligand {self.name!r}"
        if not isinstance(self.name, str) or not normalize_text(self.name):
            raise InputError(f"ligand name must be a non-empty string, got {self.name!r}")
        anchor = (self.anchor,) if isinstance(self.anchor, str) else tuple(self.anchor)
        object.__setattr__(self, "anchor", anchor)
        aliases = (self.aliases,) if isinstance(self.aliases, str) else tuple(self.aliases)
        if any(not isinstance(a, str) or not ligand_key(a) for a in aliases):
            raise InputError(f"{label}: aliases must be non-empty strings, got {list(aliases)}")
        object.__setattr__(self, "aliases", aliases)
        if self.kind not in ("X", "L"):
            raise InputError(f"{label}: kind must be 'X' (one-electron-withdrawing) or 'L' (neutral donor), "
                             f"got {self.kind!r}")
        if not anchor or any(a not in element_symbols() for a in anchor):
            raise InputError(f"{label}: anchor must list donor element symbols (e.g. ['S']), got {list(anchor)}")
        if not isinstance(self.denticity, int) or self.denticity < max(1, len(anchor)):
            raise InputError(f"{label}: denticity must be an integer >= number of anchors, got {self.denticity!r}")
        withdrawn = self.electrons_withdrawn
        if withdrawn is None:
            withdrawn = 1 if self.kind == "X" else 0
        if not isinstance(withdrawn, int) or (self.kind == "X" and withdrawn < 1) or (
                self.kind == "L" and withdrawn != 0):
            raise InputError(f"{label}: electrons_withdrawn must be >= 1 for kind X and 0 for kind L, "
                             f"got {withdrawn!r}")
        object.__setattr__(self, "electrons_withdrawn", withdrawn)
        if self.composition is not None:
            try:
                elements = parse_composition(self.composition)
            except ValueError as exc:
                raise InputError(f"{label}: cannot read composition {self.composition!r}: {exc}") from None
            if elements is None:
                raise InputError(f"{label}: composition {self.composition!r} contains an unspecified group R; "
                                 "give explicit elements or null")
            missing = [a for a in anchor if a not in elements]
            if missing:
                raise InputError(f"{label}: anchor element(s) {missing} are not in composition {self.composition!r}")
        if self.generic is None:
            object.__setattr__(self, "generic", self.composition is None)

    def elements(self) -> dict[str, int] | None:
        """Elemental composition of one bound ligand, or None when R is unspecified."""
        return None if self.composition is None else parse_composition(self.composition)

    def as_dict(self) -> dict[str, Any]:
        """Plain-dict form (the YAML schema)."""
        return {f: (list(getattr(self, f)) if f in ("anchor", "aliases") else getattr(self, f)) for f in _FIELDS}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Ligand:
        """Build from the YAML/dict schema; unknown keys are an InputError."""
        unknown = sorted(set(data) - set(_FIELDS))
        if unknown:
            raise InputError(f"ligand {data.get('name')!r}: unknown field(s) {unknown}; allowed: {list(_FIELDS)}")
        missing = [f for f in ("name", "kind", "anchor") if f not in data]
        if missing:
            raise InputError(f"ligand {data.get('name')!r}: missing field(s) {missing}")
        return cls(**dict(data))


# --- donor-pattern classification ---------------------------------------------------------------------

def _is(tok: Token, symbol: str, count: int = 1) -> bool:
    return tok.kind == "element" and tok.text == symbol and tok.count == count


def _substituents(tokens: list[Token], multiplicity: int) -> list[list[Token]] | None:
    """Tokens as separate substituents on one donor atom (PMe2Ph, NEt2): their chains, or None."""
    if not tokens or sum(t.count for t in tokens) != multiplicity:
        return None
    chains: list[list[Token]] = []
    for t in tokens:
        if t.kind == "element" and t.text != "H":
            return None
        if t.kind == "group":
            if not is_organic(t.children):
                return None
            chains.append(list(t.children))
    return chains


_Match = tuple[str, str, tuple[str, ...], int, list[list[Token]]]
_CHALCOGENS = (("S", "thiolate"), ("Se", "selenolate"), ("Te", "tellurolate"))


def _match_s2(toks: list[Token]) -> _Match | None:
    """S2P(OR)2, S2CNR2 and S2COR: bidentate S,S X-type ligands."""
    n = len(toks)
    if _is(toks[1], "P"):
        subs = _substituents(toks[2:], 2)
        if subs is not None and all(t.kind == "group" and _is(t.children[0], "O") for t in toks[2:]):
            return "dithiophosphate", "X", ("S", "S"), 2, subs
    if n >= 4 and _is(toks[1], "C") and _is(toks[2], "N"):
        subs = _substituents(toks[3:], 2)
        if subs is not None:
            return "dithiocarbamate", "X", ("S", "S"), 2, subs
    if n >= 4 and _is(toks[1], "C") and _is(toks[2], "O") and is_organic(toks[3:]):
        return "xanthate", "X", ("S", "S"), 2, [toks[3:]]
    return None


def _match(toks: list[Token], bonded: bool) -> _Match | None:
    """(class, kind, anchor, denticity, substituent chains) of the first donor pattern that fits."""
    n = len(toks)
    first, rest, last, head = toks[0], toks[1:], toks[-1], toks[:-1]
    if n >= 3 and _is(first, "S", 2):
        return _match_s2(toks)
    for symbol, klass in _CHALCOGENS:
        if _is(first, symbol) and is_organic(rest):
            return klass, "X", (symbol,), 1, [rest]
    for symbol, klass in (("P", "phosphine"), ("As", "arsine"), ("N", "amine")):
        subs = _substituents(rest, 3) if _is(first, symbol) else None
        if subs is not None:
            return klass, "L", (symbol,), 1, subs
    # ASCII "CCR" is an alkynyl only when the group after C-C is not bare hydrogen ("CCH3" is ambiguous)
    if n >= 3 and _is(toks[0], "C") and _is(toks[1], "C") and is_organic(toks[2:]) and (
            bonded or not _is(toks[2], "H", toks[2].count)):
        return "alkynyl", "X", ("C",), 1, [toks[2:]]
    if n >= 3 and _is(toks[-2], "C") and _is(last, "O", 2) and is_organic(toks[:-2]):
        return "carboxylate", "X", ("O",), 2, [toks[:-2]]
    if n >= 4 and _is(toks[-3], "C") and _is(toks[-2], "O") and _is(last, "O") and is_organic(toks[:-3]):
        return "carboxylate", "X", ("O",), 2, [toks[:-3]]
    if n >= 3 and _is(first, "O", 2) and _is(toks[1], "C") and is_organic(toks[2:]):
        return "carboxylate", "X", ("O",), 2, [toks[2:]]
    if _is(first, "O") and is_organic(rest):
        return "alkoxide", "X", ("O",), 1, [rest]
    for symbol, klass in _CHALCOGENS:
        if _is(last, symbol) and is_organic(head):
            return klass, "X", (symbol,), 1, [head]
    if n >= 3 and _is(toks[-2], "C") and _is(last, "C") and is_organic(toks[:-2]) and (
            bonded or toks[-3].kind != "element"):
        return "alkynyl", "X", ("C",), 1, [toks[:-2]]
    if _is(last, "O") and is_organic(head) and not _is(head[-1], "C", head[-1].count):
        return "alkoxide", "X", ("O",), 1, [head]
    return None


def classify_ligand(text: str) -> Ligand | None:
    """Classify a ligand that is not in the library by its donor pattern; None when not unambiguous.

    Its composition is derived from the text where that is unambiguous (explicit atoms, or one group
    abbreviation at a chain end such as ``S-C6H4-tBu``); otherwise it is None (generic).
    """
    display = normalize_text(text)
    bonded = any(ch in display for ch in "\u2261#")
    core = display.translate(_BOND_MARKS).replace("-", "")
    try:
        toks = tokenize(core)
    except ValueError:
        return None
    found = _match(toks, bonded) if toks else None
    if found is None:
        return None
    klass, kind, anchor, denticity, chains = found
    composition = sum_tokens(toks) if all(unambiguous_chain(c) for c in chains) else None
    return Ligand(name=display, kind=kind, anchor=anchor, denticity=denticity,  # type: ignore[arg-type]
                  composition=hill_formula(composition) if composition else None,
                  description=f"{klass} (recognised from its donor pattern)")


# --- library ------------------------------------------------------------------------------------------

class LigandLibrary:
    """A set of ligands looked up by name or alias (case-, hyphen- and Unicode-tolerant)."""

    def __init__(self, ligands: Iterable[Ligand] = ()) -> None:
        """Start with the given ligands (none by default; see :func:`default_library`)."""
        self._ligands: dict[str, Ligand] = {}
        self._by_key: dict[str, str] = {}
        for ligand in ligands:
            self.register(ligand)

    def register(self, ligand: Ligand, *, replace: bool = False) -> Ligand:
        """Add a ligand; a name/alias clash with another ligand is an InputError unless ``replace``."""
        if not isinstance(ligand, Ligand):
            raise InputError(f"register() expects a Ligand, got {type(ligand).__name__}")
        own = ligand_key(ligand.name)
        replaced = self._by_key.get(own)
        if replaced is not None and not replace:
            raise InputError(f"ligand {ligand.name!r} is already in the library (as {replaced!r}); "
                             "pass replace=True to overwrite it")
        keys = {own, *(ligand_key(a) for a in ligand.aliases)}
        clashes = sorted({self._by_key[k] for k in keys if k in self._by_key} - {replaced})
        if clashes:
            raise InputError(f"ligand {ligand.name!r}: an alias clashes with ligand(s) {clashes} already in the library")
        if replaced is not None:
            self._remove(replaced)
        self._ligands[ligand.name] = ligand
        self._by_key.update(dict.fromkeys(keys, ligand.name))
        return ligand

    def _remove(self, name: str) -> None:
        del self._ligands[name]
        self._by_key = {k: v for k, v in self._by_key.items() if v != name}

    def lookup(self, name: str) -> Ligand | None:
        """The library ligand with this name or alias, or None (no donor-pattern classification)."""
        canonical = self._by_key.get(ligand_key(name))
        return None if canonical is None else self._ligands[canonical]

    def get(self, name: str) -> Ligand:
        """The ligand called ``name``: library entry, else donor-pattern class, else FormulaError with close matches."""
        found = self.lookup(name)
        if found is not None:
            return found
        classified = classify_ligand(name)
        if classified is not None:
            logger.debug("ligand %r not in library; classified as %s", name, classified.description)
            return classified
        close = difflib.get_close_matches(ligand_key(name), list(self._by_key), n=6, cutoff=0.5)
        names = list(dict.fromkeys(self._by_key[k] for k in close))
        hint = f"; close matches: {', '.join(names)}" if names else ""
        raise FormulaError(f"unknown ligand {name!r}{hint}. Register it with LigandLibrary.register() or a "
                           "ligands YAML file (see docs/chem.md)")

    def names(self) -> list[str]:
        """Canonical names of all ligands, in registration order."""
        return list(self._ligands)

    def copy(self) -> LigandLibrary:
        """An independent copy (register into it without touching the original)."""
        return LigandLibrary(self._ligands.values())

    def load_yaml(self, path: str | Path) -> list[Ligand]:
        """Register every ligand of a YAML file (``ligands:`` list, schema of Ligand.as_dict); DataError on bad entries."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise DataError(f"cannot read ligand file {path}: {exc.strerror or exc}") from None
        return self._load_text(text, str(path))

    def _load_text(self, text: str, source: str) -> list[Ligand]:
        import yaml

        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise DataError(f"{source}: not valid YAML: {exc}") from None
        entries = doc.get("ligands") if isinstance(doc, dict) else doc
        if not isinstance(entries, list):
            raise DataError(f"{source}: expected a list of ligands under the key 'ligands'")
        added = []
        for i, entry in enumerate(entries, start=1):
            if not isinstance(entry, dict):
                raise DataError(f"{source}: ligand entry {i} is not a mapping")
            try:
                added.append(self.register(Ligand.from_dict(entry)))
            except InputError as exc:
                raise DataError(f"{source}: ligand entry {i} ({entry.get('name')!r}): {exc}") from None
        return added

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.lookup(name) is not None

    def __iter__(self) -> Iterator[Ligand]:
        return iter(list(self._ligands.values()))

    def __len__(self) -> int:
        return len(self._ligands)


@lru_cache(maxsize=1)
def default_library() -> LigandLibrary:
    """The shared built-in library (plus ``<data_dir>/ligands.yaml`` if the user has one).

    It is one object per process: ligands registered into it are seen by every later
    :func:`~nanocat.chem.parse_formula` call. Use ``default_library().copy()`` for an isolated one.
    """
    from importlib.resources import files

    from nanocat.settings import get_settings

    library = LigandLibrary()
    library._load_text(files("nanocat.chem").joinpath("ligands.yaml").read_text(encoding="utf-8"),
                       "nanocat/chem/ligands.yaml")
    user_file = get_settings().data_dir / "ligands.yaml"
    if user_file.is_file():
        logger.info("loading user ligands from %s", user_file)
        library.load_yaml(user_file)
    return library
