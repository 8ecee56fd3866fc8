"""The chemist's own DFT, round trip: export every job of a screen as folders, import the finished outputs.

Export (:func:`export_jobs`): one folder per unique job of a :class:`~nanocat.atoms.screen_jobs.ScreenPlan`
(hosts, gas references, each intermediate on each unique site and orientation), named by :func:`job_ids`,
holding its input structure in any ``ase.io`` format that writes (POSCAR, extxyz, xyz, cif, Gaussian and
NWChem inputs, ...) with the atoms to hold fixed as constraints where the format has them (POSCAR
selective dynamics, extxyz ``move_mask``), and ``job.json`` (the full RelaxJob, its cache key, the engine
spec). ``DIR/jobs.json`` lists every job as ``{"id", "dir", "input", "charge", "multiplicity",
"fixed_atoms", "key", "kind", "system", "site", "adsorbate", "orientation"}`` (paths relative to DIR,
indices 0-based).

Import (:func:`import_results`): for each folder, the first output file (in the order of
:data:`OUTPUT_PATTERNS`) whose last image carries an energy is the relaxed structure. It must hold the same
atoms in the same order as the input (a reordered or different composition is rejected: rows are read by
atom index, e.g. the adsorbate's atoms), and where the file carries a charge or multiplicity, the job's. Each
result is written to the store the moment it is read, so an interrupted import loses nothing and a rerun
skips what is stored. A folder without any output file is *pending*, not rejected. An output whose largest
force on a free atom exceeds the job's ``fmax_eV_A`` (a job still running already has an OUTCAR) is rejected
unless ``accept_unconverged``: once stored, a result is never replaced.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import logging
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms
from ase.calculators.calculator import PropertyNotImplementedError
from ase.calculators.singlepoint import SinglePointCalculator
from ase.constraints import FixAtoms

from nanocat._version import __version__
from nanocat.atoms.engines import Engine, EngineSpec, engine_settings, resolve_engine
from nanocat.atoms.screen_jobs import ScreenPlan
from nanocat.atoms.store import JobResult, ResultStore
from nanocat.atoms.workflow import RelaxJob
from nanocat.errors import InputError, NanocatError
from nanocat.thermo.che import REQUIRED_GASES

log = logging.getLogger(__name__)

#: Name of the job list in an export folder, and of each job's own record.
JOBS_FILE = "jobs.json"
JOB_FILE = "job.json"
#: Output files import looks for, in order of preference (the first one carrying an energy wins).
OUTPUT_PATTERNS: tuple[str, ...] = ("OUTCAR*", "vasprun*.xml", "*.traj", "*.extxyz", "*.out", "*.log", "*.pwo",
                                    "*.xyz")
#: Formats written into a box (plane-wave and crystal codes need a cell): vacuum on each side, Å.
BOXED_FORMATS: frozenset[str] = frozenset({"vasp", "cif", "espresso-in", "castep-cell", "aims", "res"})
BOX_VACUUM_A = 8.0
#: Format names users type for the ase.io format (case-insensitive).
FORMAT_ALIASES: dict[str, str] = {"poscar": "vasp", "gaussian": "gaussian-in",
                                  "espresso": "espresso-in", "qe": "espresso-in", "nwchem": "nwchem-in"}
_INPUT_NAMES: dict[str, str] = {"vasp": "POSCAR", "extxyz": "input.extxyz", "traj": "input.traj"}


def job_id(job: RelaxJob) -> str:
    """Folder name of a job: ``gas-CO2``, ``clean-Cu13``, ``Cu13-s1-top-Cu-COOH-o0`` (safe on any file system)."""
    if job.kind == "gas":
        text = f"gas-{job.adsorbate}"
    elif job.kind == "clean":
        text = f"clean-{job.host or job.system}"
    else:
        text = f"{job.host or job.system}-{job.site}-{job.adsorbate}-o{int(job.orientation)}"
    return re.sub(r"[^A-Za-z0-9._+-]+", "-", text).strip("-.")


def job_ids(jobs: Sequence[RelaxJob], engine: Engine | Any) -> dict[str, tuple[str, RelaxJob]]:
    """Cache key -> (unique folder id, job) for every unique job, in job order (a clashing id gets the key's head)."""
    engine = resolve_engine(engine)
    out: dict[str, tuple[str, RelaxJob]] = {}
    used: set[str] = set()
    for job in jobs:
        key = job.key(engine)
        if key in out:
            continue
        name = job_id(job)
        if name in used:
            name = f"{name}-{key[:8]}"
        used.add(name)
        out[key] = (name, job)
    return out


def pending_entries(jobs: Sequence[RelaxJob], results: Mapping[str, JobResult], engine: Engine) -> list[dict[str, Any]]:
    """``{"id", "dir", "kind", "host", "site", "adsorbate", "orientation", "key"}`` of every job still pending."""
    out = []
    for key, (name, job) in job_ids(jobs, engine).items():
        result = results.get(key)
        if result is not None and result.error_kind == "pending":
            out.append({"id": name, "dir": name, "kind": job.kind, "host": job.host, "site": job.site,
                        "adsorbate": job.adsorbate, "orientation": int(job.orientation), "key": key})
    return out


def analysable(host: Any, base_jobs: Sequence[RelaxJob], results: Mapping[str, JobResult], engine: Engine,
               gas_eV: Mapping[str, float]) -> bool:
    """True when a host's clean energy and the reference gases (CO2, H2, H2O) are there to reference its ΔG."""
    clean = next(j for j in base_jobs if j.kind == "clean" and j.host == host.name)
    result = results.get(clean.key(engine))
    return result is not None and result.error_kind != "pending" and all(g in gas_eV for g in REQUIRED_GASES)


def pending_note(pending: Sequence[Mapping[str, Any]], n_hosts_waiting: int) -> str:
    """The screen's note about jobs awaiting imported results."""
    text = (f"{len(pending)} jobs await results (not failed): run them with your own program and "
            "`nanocat import DIR --db DB` (see `pending`)")
    if n_hosts_waiting:
        text += f"; {n_hosts_waiting} host(s) not analysed until their clean structure and CO2/H2/H2O are in"
    return text


def export_format(name: str) -> str:
    """The ase.io format of ``--export-format`` (``POSCAR`` is ``vasp``); InputError unless ase.io writes it."""
    from ase.io.formats import ioformats

    text = str(name).strip()
    fmt = FORMAT_ALIASES.get(text.lower(), text)
    io = ioformats.get(fmt) or ioformats.get(fmt.lower())
    if io is None or not io.can_write:
        writable = sorted(f for f, x in ioformats.items() if x.can_write)
        raise InputError(f"--export-format {name!r}: ase.io cannot write it; use POSCAR, extxyz, cif, gaussian-in, "
                         f"espresso-in, ... (ase.io writes: {', '.join(writable)})")
    return io.name


def input_name(fmt: str) -> str:
    """The input file name of a job folder for an ase.io format: ``POSCAR``, ``input.extxyz``, ``input.cif``."""
    from ase.io.formats import ioformats

    if fmt in _INPUT_NAMES:
        return _INPUT_NAMES[fmt]
    extensions = ioformats[fmt].extensions
    return f"input.{extensions[0] if extensions else fmt}"


def _input_atoms(job: RelaxJob, fmt: str) -> Atoms:
    """The job's structure as written: fixed atoms as FixAtoms, boxed (pbc) for formats that need a cell."""
    atoms = job.atoms.copy()
    atoms.calc = None
    atoms.set_constraint()
    fixed = job.fixed_indices()
    if fixed:
        atoms.set_constraint(FixAtoms(indices=fixed))
    if fmt in BOXED_FORMATS and atoms.cell.rank < 3:
        atoms.center(vacuum=BOX_VACUUM_A)
        atoms.pbc = True
    atoms.info = {"charge": int(job.charge), "multiplicity": int(job.multiplicity)}
    return atoms


def _write_input(path: Path, atoms: Atoms, fmt: str, job: RelaxJob) -> None:
    """Write one input structure (charge and multiplicity passed to formats that take them)."""
    from ase.io import write

    extra: dict[str, Any] = {}
    if fmt == "gaussian-in":
        extra = {"charge": int(job.charge), "mult": int(job.multiplicity)}
    try:
        write(str(path), atoms, format=fmt, **extra)
    except NanocatError:
        raise
    except Exception as exc:  # noqa: BLE001 - ase.io writers raise anything for what they cannot write
        raise InputError(f"--export-format {fmt}: ase.io could not write {path} ({type(exc).__name__}: {exc}); "
                         "choose another format (extxyz, POSCAR, cif)") from exc


@dataclass(frozen=True)
class ExportSummary:
    """What :func:`export_jobs` wrote: the folder, the format, every job entry, and how many await results."""

    directory: str
    format: str
    jobs: tuple[dict[str, Any], ...]
    awaiting: int

    def as_dict(self) -> dict[str, Any]:
        """``{"export", "format", "jobs", "awaiting", "jobs_file"}``."""
        return {"export": self.directory, "format": self.format, "jobs": len(self.jobs), "awaiting": self.awaiting,
                "jobs_file": str(Path(self.directory) / JOBS_FILE)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ExportSummary:
        """Read back :meth:`as_dict` together with the job list in ``jobs_file``."""
        jobs = json.loads(Path(data["jobs_file"]).read_text())
        return cls(str(data["export"]), str(data["format"]), tuple(jobs), int(data["awaiting"]))


def export_jobs(plan: ScreenPlan, engine: Engine | Any, directory: str | Path, fmt: str = "extxyz",
                store: ResultStore | None = None) -> ExportSummary:
    """Write every unique job of ``plan`` as a folder under ``directory`` plus ``jobs.json`` (see module doc).

    Only the input file and ``job.json`` of each folder are (re)written; anything else there (the user's
    outputs) is left alone, so exporting again is safe. ``awaiting`` counts jobs without a result in ``store``.
    """
    if not plan.complete:
        raise InputError(f"hosts {', '.join(plan.pending)} have no planned adsorbate jobs (they wait for a relaxed "
                         "geometry); plan with ScreenSettings(sites_on='input') to export every job")
    engine = resolve_engine(engine)
    spec = engine.spec()
    if spec is None:
        raise InputError(f"engine {engine.label!r} cannot be written to job.json (not rebuildable); use a named engine")
    fmt = export_format(fmt)
    root = Path(directory)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--export {root}: cannot create the folder ({exc})") from exc
    entries = []
    ids = job_ids(plan.jobs, engine)
    stored = store.get_many(ids) if store is not None else {}
    awaiting = 0
    for key, (name, job) in ids.items():
        folder = root / name
        folder.mkdir(exist_ok=True)
        filename = input_name(fmt)
        _write_input(folder / filename, _input_atoms(job, fmt), fmt, job)
        fixed = job.fixed_indices()
        entry = {"id": name, "dir": name, "input": f"{name}/{filename}", "charge": int(job.charge),
                 "multiplicity": int(job.multiplicity), "fixed_atoms": fixed, "key": key, "kind": job.kind,
                 "system": job.system, "site": job.site, "adsorbate": job.adsorbate,
                 "orientation": int(job.orientation)}
        record = {**entry, "format": fmt, "method_label": engine.label, "engine": spec.as_dict(),
                  "job": job.as_dict(), "nanocat_version": __version__}
        (folder / JOB_FILE).write_text(json.dumps(record, indent=1))
        entries.append(entry)
        done = stored.get(key)
        awaiting += int(done is None or not done.ok)
    (root / JOBS_FILE).write_text(json.dumps(entries, indent=1))
    log.info("exported %d jobs to %s (%s), %d await results", len(entries), root, fmt, awaiting)
    return ExportSummary(str(root), fmt, tuple(entries), awaiting)


@dataclass(frozen=True)
class Rejection:
    """A job folder whose output was not imported, and why."""

    dir: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        """``{"dir", "reason"}``."""
        return {"dir": self.dir, "reason": self.reason}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rejection:
        """Inverse of :meth:`as_dict`."""
        return cls(str(data["dir"]), str(data["reason"]))


@dataclass(frozen=True)
class ImportSummary:
    """What :func:`import_results` did, by job folder (paths relative to the export folder)."""

    imported: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    rejected: tuple[Rejection, ...] = ()
    pending: tuple[str, ...] = ()
    unconverged: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """``{"imported": n, "skipped": n, "rejected": [{"dir", "reason"}], "pending": [dir], ...}``."""
        return {"imported": len(self.imported), "skipped": len(self.skipped),
                "rejected": [r.as_dict() for r in self.rejected], "pending": list(self.pending),
                "unconverged": list(self.unconverged), "imported_dirs": list(self.imported),
                "skipped_dirs": list(self.skipped)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ImportSummary:
        """Inverse of :meth:`as_dict`."""
        return cls(tuple(data.get("imported_dirs", ())), tuple(data.get("skipped_dirs", ())),
                   tuple(Rejection.from_dict(r) for r in data.get("rejected", ())), tuple(data.get("pending", ())),
                   tuple(data.get("unconverged", ())))


class _Rejected(Exception):
    """One folder's output cannot be imported (the reason is the message)."""


def _read_json(path: Path, what: str) -> Any:
    """A JSON file, or InputError naming it."""
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise InputError(f"{path}: no {what} (is this a folder written by `nanocat screen --export`?)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: malformed {what} ({exc})") from exc


def _job_list(root: Path) -> list[dict[str, Any]]:
    """The entries of ``DIR/jobs.json`` (InputError when missing or malformed)."""
    if not root.is_dir():
        raise InputError(f"{root}: no such export folder")
    entries = _read_json(root / JOBS_FILE, JOBS_FILE)
    if not isinstance(entries, list) or not all(isinstance(e, dict) and isinstance(e.get("dir"), str)
                                                for e in entries):
        raise InputError(f"{root / JOBS_FILE}: malformed {JOBS_FILE} (expected a list of objects with a \"dir\")")
    return entries


def output_candidates(folder: Path, input_file: str | None) -> list[Path]:
    """Files of a job folder that may hold its output, in the order of :data:`OUTPUT_PATTERNS`."""
    names = sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    names = [n for n in names if n not in (JOB_FILE, input_file)]
    out: list[Path] = []
    for pattern in OUTPUT_PATTERNS:
        out.extend(folder / n for n in names if fnmatch.fnmatchcase(n, pattern) and folder / n not in out)
    return out


def _read_output(path: Path) -> tuple[Atoms, float, str]:
    """Last image of an output file, its energy (eV) and the ase.io format; _Rejected when it has none."""
    from ase.io import read
    from ase.io.formats import filetype

    try:
        fmt = filetype(str(path))
        atoms = read(str(path), index=-1)
    except Exception as exc:  # noqa: BLE001 - ase.io readers raise anything on malformed or unfinished files
        raise _Rejected(f"{path.name}: unreadable ({type(exc).__name__}: {exc})") from exc
    if isinstance(atoms, list):
        if not atoms:
            raise _Rejected(f"{path.name}: no structure in it")
        atoms = atoms[-1]
    try:
        energy = None if atoms.calc is None else atoms.get_potential_energy()
    except (PropertyNotImplementedError, RuntimeError):
        energy = None
    if energy is None or not np.isfinite(float(energy)):
        raise _Rejected(f"{path.name}: no energy in its last image")
    return atoms, float(energy), str(fmt)


def _check_system(atoms: Atoms, job: RelaxJob, name: str) -> None:
    """_Rejected unless the output is the job's system: same atoms in the same order, same charge and spin."""
    want, got = job.atoms.get_chemical_symbols(), atoms.get_chemical_symbols()
    if Counter(want) != Counter(got):
        raise _Rejected(f"{name}: composition {atoms.get_chemical_formula()} differs from the job's "
                        f"{job.atoms.get_chemical_formula()}")
    if want != got:
        raise _Rejected(f"{name}: same composition but the atoms are in another order than the input; "
                        "write the output in the input's atom order")
    for label, expected in (("charge", job.charge), ("multiplicity", job.multiplicity)):
        value = atoms.info.get(label)
        if value is not None and int(value) != int(expected):
            raise _Rejected(f"{name}: {label} {value} in the output, the job has {label} {expected}")


def _import_folder(root: Path, entry: Mapping[str, Any], store: ResultStore,
                   accept_unconverged: bool) -> tuple[str, JobResult | None]:
    """A folder's status (``skipped``, ``pending``, ``imported``) and the result to store; _Rejected on bad output."""
    folder = root / entry["dir"]
    if not folder.is_dir():
        return "pending", None
    try:
        record = _read_json(folder / JOB_FILE, JOB_FILE)
        job = RelaxJob.from_dict(record["job"])
        engine = EngineSpec.from_dict(record["engine"]).build()
        key = str(record["key"])
    except (NanocatError, KeyError, TypeError, ValueError) as exc:
        raise _Rejected(f"{JOB_FILE}: unusable ({exc})") from exc
    if job.key(engine) != key:
        raise _Rejected(f"{JOB_FILE}: its job does not give its key {key} (edited by hand?); export again")
    cached = store.get(key)
    if cached is not None and cached.ok:
        return "skipped", None
    input_file = Path(str(record.get("input", ""))).name or None
    candidates = output_candidates(folder, input_file)
    if not candidates:
        return "pending", None
    reasons = []
    for path in candidates:
        try:
            atoms, energy, fmt = _read_output(path)
        except _Rejected as exc:
            reasons.append(str(exc))
            continue
        _check_system(atoms, job, path.name)
        result = _result(job, key, engine, atoms, energy, fmt, path, root)
        if not result.converged and not accept_unconverged:
            raise _Rejected(f"{path.name}: largest force on a free atom {result.settings['final_fmax_eV_A']:.3f} "
                            f"eV/Å is above the screen's fmax {job.fmax_eV_A} eV/Å (still running? import when "
                            "finished, or accept it with --accept-unconverged)")
        return "imported", result
    raise _Rejected("; ".join(reasons))


def _result(job: RelaxJob, key: str, engine: Engine, atoms: Atoms, energy: float, fmt: str, path: Path,
            root: Path) -> JobResult:
    """The JobResult of an imported output: energy (eV), final atoms, the method label and the output's provenance."""
    forces = None
    try:
        forces = np.asarray(atoms.get_forces(apply_constraint=False), dtype=float)
    except (PropertyNotImplementedError, RuntimeError, AttributeError):
        pass
    settings = {**engine_settings(engine, job.charge, job.multiplicity), "relax": job.relax_settings(),
                "source": {"file": str(path.relative_to(root)), "md5": hashlib.md5(path.read_bytes()).hexdigest(),
                           "format": fmt}}
    converged = True
    if forces is not None and forces.shape == (len(atoms), 3):
        free = np.ones(len(atoms), dtype=bool)
        free[job.fixed_indices()] = False
        fmax = float(np.linalg.norm(forces[free], axis=1).max()) if free.any() else 0.0
        settings["final_fmax_eV_A"] = fmax
        converged = fmax <= job.fmax_eV_A
    else:
        forces = None
    final = Atoms(atoms.get_chemical_symbols(), positions=atoms.get_positions(), cell=atoms.get_cell(),
                  pbc=atoms.get_pbc())
    final.calc = SinglePointCalculator(final, energy=energy, forces=forces)
    return JobResult(key, job.system, job.site, job.adsorbate, int(job.orientation), job.kind, energy, engine.label,
                     settings=settings, converged=converged, n_steps=0, error=None, atoms=final)


def import_results(directory: str | Path, store: ResultStore | str | Path,
                   accept_unconverged: bool = False) -> ImportSummary:
    """Read the finished outputs of an export folder into ``store`` under the jobs' keys (see module doc).

    Each result is written as it is read (an interrupted import keeps what it wrote; a rerun skips it).
    An output whose forces on free atoms exceed the job's ``fmax_eV_A`` (eV/Å) is rejected, or with
    ``accept_unconverged`` stored with ``converged=False`` and listed in ``unconverged``. Outputs without
    forces are taken as converged (the program's own criterion decided).
    """
    root = Path(directory)
    entries = _job_list(root)
    if isinstance(store, str | Path):
        store = ResultStore(store)
    out: dict[str, list[Any]] = {"imported": [], "skipped": [], "rejected": [], "pending": [], "unconverged": []}
    for entry in entries:
        name = entry["dir"]
        try:
            status, result = _import_folder(root, entry, store, accept_unconverged)
        except _Rejected as exc:
            log.warning("%s: rejected: %s", name, exc)
            out["rejected"].append(Rejection(name, str(exc)))
            continue
        if result is not None:
            store.write(result)
            if not result.converged:
                out["unconverged"].append(name)
        out[status].append(name)
    return ImportSummary(*(tuple(out[k]) for k in ("imported", "skipped", "rejected", "pending", "unconverged")))


__all__ = [
    "BOXED_FORMATS", "JOBS_FILE", "JOB_FILE", "OUTPUT_PATTERNS", "ExportSummary", "ImportSummary", "Rejection",
    "analysable", "export_format", "export_jobs", "import_results", "input_name", "job_id", "job_ids",
    "output_candidates",
    "pending_entries", "pending_note",
]
