"""Potentiostat file readers: each returns a DataFrame with ``time_s``, ``current_A``, ``potential_V_ref``.

Formats: CSV/TSV with units in the column names (``time_s``, ``I/mA``, ``E (V)``), BioLogic EC-Lab ``.mpt``
text export, Gamry ``.DTA`` (EXPLAIN format, CURVE tables), CH Instruments ``.txt`` (i-t curves), and
BioLogic ``.mpr`` binaries through the optional GPL package galvani (``pip install nanocat[biologic]``).
The registry :data:`READERS` is open: ``register_reader(".ext", function)`` adds a format.
Currents keep the instrument's sign (cathodic negative); potentials are against the cell's reference.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from nanocat.errors import InputError

COLUMNS = ("time_s", "current_A", "potential_V_ref")
Reader = Callable[[Path], pd.DataFrame]

_QUANTITY = {"time": "time_s", "t": "time_s", "current": "current_A", "i": "current_A", "<i>": "current_A",
             "im": "current_A", "potential": "potential_V_ref", "e": "potential_V_ref", "ewe": "potential_V_ref",
             "vf": "potential_V_ref", "<ewe>": "potential_V_ref", "voltage": "potential_V_ref",
             "e_we": "potential_V_ref"}
_UNIT = {"time_s": {"s": 1.0, "sec": 1.0, "min": 60.0, "h": 3600.0, "ms": 1e-3},
         "current_A": {"a": 1.0, "ma": 1e-3, "ua": 1e-6, "µa": 1e-6, "μa": 1e-6, "na": 1e-9},
         "potential_V_ref": {"v": 1.0, "mv": 1e-3, "v_ref": 1.0, "vvsref": 1.0, "vvs.ref": 1.0}}
_SPLIT = re.compile(r"^\s*(?P<q>[^/\[(]+?)\s*(?:[/_]\s*(?P<u1>[^/]+?)|\((?P<u2>[^)]*)\)|\[(?P<u3>[^\]]*)\])\s*$")


def _column(name: str, source: str) -> tuple[str, float] | None:
    """Map one column name with its unit to (SI column, factor); None if the column is not one we need."""
    text = name.strip()
    low = text.lower()
    if low in _QUANTITY:
        raise InputError(f"{source}: column {text!r} has no unit (write e.g. 'time_s', 'current_A', "
                         "'potential_V' or 'I/mA')")
    m = _SPLIT.match(text)
    if not m:
        return None
    quantity = m.group("q").strip().lower()
    unit = (m.group("u1") or m.group("u2") or m.group("u3") or "").strip().lower().replace(" ", "")
    if quantity not in _QUANTITY:
        return None
    target = _QUANTITY[quantity]
    if unit not in _UNIT[target]:
        raise InputError(f"{source}: column {text!r}: unknown unit {unit!r} for {target.split('_')[0]} "
                         f"(use one of {', '.join(sorted(_UNIT[target]))})")
    return target, _UNIT[target][unit]


def standardize(frame: pd.DataFrame, source: str, first_data_line: int, *,
                potential_V_ref: float | None = None) -> pd.DataFrame:
    """Rename unit-carrying columns to SI names, scale them, check every value is a number (line named)."""
    picked: dict[str, tuple[str, float]] = {}
    for col in frame.columns:
        mapped = _column(str(col), source)
        if mapped is not None and mapped[0] not in picked:
            picked[mapped[0]] = (str(col), mapped[1])
    if potential_V_ref is not None and "potential_V_ref" not in picked:
        frame = frame.assign(**{"__E": potential_V_ref})
        picked["potential_V_ref"] = ("__E", 1.0)
    missing = [c for c in COLUMNS if c not in picked]
    if missing:
        raise InputError(f"{source}: no {' or '.join(missing)} column (found: {', '.join(map(str, frame.columns))})")
    out = {}
    for target, (col, factor) in picked.items():
        raw = frame[col]
        values = pd.to_numeric(raw.astype(str).str.replace(",", ".", regex=False).str.strip(), errors="coerce")
        bad = np.flatnonzero(~np.isfinite(values.to_numpy(dtype=float)))
        if bad.size:
            raise InputError(f"{source}:{first_data_line + int(bad[0])}: column {col!r}: "
                             f"{raw.iloc[int(bad[0])]!r} is not a number")
        out[target] = values.to_numpy(dtype=float) * factor
    df = pd.DataFrame({c: out[c] for c in COLUMNS})
    if len(df) < 2:
        raise InputError(f"{source}: fewer than two data rows")
    if np.any(np.diff(df["time_s"].to_numpy()) < 0):
        raise InputError(f"{source}: time is not increasing")
    return df


def _read_text(path: Path) -> list[str]:
    """Lines of a text export (UTF-8, or Latin-1 as EC-Lab and Gamry write on Windows)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror})") from None
    if b"\x00" in raw[:4096]:
        raise InputError(f"{path}: a binary file, not a text export (wrong file type?)")
    try:
        return raw.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return raw.decode("latin-1").splitlines()


def read_delimited(path: Path) -> pd.DataFrame:
    """CSV or TSV with a header row of names with units (``time_s,current_A,potential_V``)."""
    lines = _read_text(path)
    body = [ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    if not body:
        raise InputError(f"{path}: the file is empty")
    header_line = next(i for i, ln in enumerate(lines, start=1) if ln.strip() and not ln.lstrip().startswith("#"))
    sep = "\t" if "\t" in body[0] else ("," if "," in body[0] else ";")
    try:
        frame = pd.read_csv(io.StringIO("\n".join(body)), sep=sep, dtype=str, skipinitialspace=True)
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"{path}: not a {('TSV' if sep == chr(9) else 'CSV')} table: {exc}") from None
    return standardize(frame, str(path), header_line + 1)


def read_mpt(path: Path) -> pd.DataFrame:
    """BioLogic EC-Lab text export: 'EC-Lab ASCII FILE', 'Nb header lines : N', tab-separated table."""
    lines = _read_text(path)
    if not lines or not lines[0].startswith("EC-Lab ASCII FILE"):
        raise InputError(f"{path}:1: not an EC-Lab text export (first line should be 'EC-Lab ASCII FILE')")
    m = re.match(r"Nb header lines\s*:\s*(\d+)", lines[1] if len(lines) > 1 else "")
    if not m:
        raise InputError(f"{path}:2: missing 'Nb header lines : N'")
    n_header = int(m.group(1))
    if n_header > len(lines):
        raise InputError(f"{path}:2: says {n_header} header lines but the file has {len(lines)} lines")
    names = lines[n_header - 1].rstrip("\t").split("\t")
    rows = [ln.rstrip("\t").split("\t") for ln in lines[n_header:] if ln.strip()]
    frame = pd.DataFrame([r[:len(names)] for r in rows], columns=names)
    return standardize(frame, str(path), n_header + 1)


def read_dta(path: Path) -> pd.DataFrame:
    """Gamry EXPLAIN .DTA: 'CURVE<n> TABLE' blocks with a name row (T, Vf, Im, ...) and a unit row."""
    lines = _read_text(path)
    if not lines or lines[0].strip() != "EXPLAIN":
        raise InputError(f"{path}:1: not a Gamry EXPLAIN file (first line should be 'EXPLAIN')")
    frames = []
    i = 0
    while i < len(lines):
        if re.match(r"^CURVE\d*\tTABLE", lines[i]):
            names = lines[i + 1].strip().split("\t")
            start = i + 3  # name row, unit row
            j = start
            while j < len(lines) and lines[j].startswith("\t") and lines[j].strip():
                j += 1
            rows = [ln.strip().split("\t")[:len(names)] for ln in lines[start:j]]
            frame = pd.DataFrame(rows, columns=names).rename(columns={"T": "T/s", "Vf": "Vf/V", "Im": "Im/A"})
            frames.append(standardize(frame, str(path), start + 1))
            i = j
        else:
            i += 1
    if not frames:
        raise InputError(f"{path}: no CURVE TABLE found (is it a chronoamperometry .DTA?)")
    return pd.concat(frames, ignore_index=True)


def read_chi(path: Path) -> pd.DataFrame:
    """CH Instruments text export: header lines, 'Init E (V) = ...', then 'Time/sec, Current/A' rows."""
    lines = _read_text(path)
    header = next((i for i, ln in enumerate(lines) if re.match(r"^\s*Time/sec\s*,", ln, re.I)), None)
    if header is None:
        if lines and "," in lines[0] and any(k in lines[0].lower() for k in ("time", "current")):
            return read_delimited(path)  # a plain CSV saved as .txt
        raise InputError(f"{path}: no 'Time/sec, Current/A' table (not a CH Instruments i-t export?)")
    init_e = None
    for ln in lines[:header]:
        m = re.match(r"^\s*Init E \(V\)\s*=\s*(\S+)", ln)
        if m:
            init_e = float(m.group(1))
    names = [n.strip() for n in lines[header].split(",")]
    rows = [[c.strip() for c in ln.split(",")] for ln in lines[header + 1:] if ln.strip()]
    frame = pd.DataFrame([r[:len(names)] for r in rows], columns=names)
    return standardize(frame, str(path), header + 3 if not lines[header + 1].strip() else header + 2,
                       potential_V_ref=init_e)


def read_mpr(path: Path) -> pd.DataFrame:
    """BioLogic EC-Lab binary .mpr through galvani (GPL, optional: ``pip install nanocat[biologic]``)."""
    try:
        from galvani import BioLogic
    except ImportError:
        raise InputError(f"{path}: reading .mpr files needs the optional package galvani "
                         "(pip install 'nanocat[biologic]'), or export the file as text (.mpt) in EC-Lab") from None
    try:
        mpr = BioLogic.MPRfile(str(path))
    except Exception as exc:  # galvani raises ValueError/NotImplementedError/struct.error on unknown versions
        raise InputError(f"{path}: galvani cannot read this .mpr ({type(exc).__name__}: {exc}); "
                         "export it as text (.mpt) in EC-Lab") from None
    frame = pd.DataFrame(mpr.data)
    return standardize(frame, str(path), 1)


READERS: dict[str, Reader] = {".csv": read_delimited, ".tsv": read_delimited, ".mpt": read_mpt,
                              ".dta": read_dta, ".txt": read_chi, ".mpr": read_mpr}


def register_reader(suffix: str, reader: Reader, *, replace: bool = False) -> None:
    """Add a reader for files ending in ``suffix`` (e.g. ``".ids"``); it returns the three SI columns."""
    key = suffix.lower() if suffix.startswith(".") else f".{suffix.lower()}"
    if key in READERS and not replace:
        raise InputError(f"a reader for {key} files exists; pass replace=True to overwrite it")
    READERS[key] = reader


def read_potentiostat(path: str | Path) -> pd.DataFrame:
    """Read any supported potentiostat file into ``time_s``, ``current_A``, ``potential_V_ref`` (by suffix)."""
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise InputError(f"{path}: unknown potentiostat file type {path.suffix!r} "
                         f"(supported: {', '.join(sorted(READERS))})")
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    return reader(path)
