"""Accuracy of the screening engines against PBE: ΔG of every intermediate, U_L of every product, the call.

Run from the repository root (long: PBE single points take minutes each on 2 cores; a rerun resumes):

    nice -n 10 python benchmarks/bench_accuracy.py --out bench_out/accuracy > accuracy.log 2>&1 &

Method (DFT//GFN1, the refinement the screen offers):

1. Relax with GFN1 through nanocat's own screen (``nanocat.atoms.screen`` with an ase.db store per host): the
   host, the gas references and every intermediate on every unique site in two orientations.
2. Take the relaxed host, the gas references and the best configuration of every intermediate (the screen's
   choice) and compute single points on exactly those geometries with GFN1, GFN2 (300 K; where its SCF
   converges) and PBE/def2-SVP (PySCF, density fitting, Fermi smearing 0.005 Ha). Every single point is
   cached in ``OUT/singlepoints.json`` the moment it finishes.
3. Formation free energies through :func:`nanocat.thermo.formation_energies_from_electronic` with each
   method's correction preset ("xtb" for xTB, "peterson2010" for PBE), then :func:`nanocat.thermo.analyze`
   and the screen's own product call; errors against PBE per intermediate (ΔG) and product (U_L), and
   whether the predicted product and the ranking of the hosts (by best CO2RR U_L) agree.
   The xTB rows are also given with PBE's preset ("same corrections"), which isolates the electronic error.

Hosts: Cu4 (tetrahedron, the built-in) with all ten intermediates, and Cu3M (one Cu of the tetrahedron
replaced by M = Ni, Co, Fe) with H, COOH, OCHO and CO. Multiplicity: the lowest the electron count allows,
as in the screen. Hosts are done one after the other and PBE points in order of importance (gas, Cu4 reduced set,
Cu3Ni, Cu4 rest, Cu3Co, Cu3Fe), so an interrupted run still has the core of the table; ``--no-pbe`` reports
from what is cached. Two processes may share one folder (e.g. ``--hosts Cu4`` and ``--hosts Cu3Ni,Cu3Co,Cu3Fe``):
the relaxation stores are multi-process safe and the single-point file is merged before every write.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

# one place chooses threads, before tblite/pyscf are imported
os.environ.setdefault("OMP_NUM_THREADS", "2")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import numpy as np  # noqa: E402
from ase import Atoms  # noqa: E402

from nanocat.atoms import ScreenSettings, build_cluster, screen  # noqa: E402
from nanocat.atoms.adsorbates import ADSORBATE_SPECIES  # noqa: E402
from nanocat.atoms.engines import EngineSpec, single_point  # noqa: E402
from nanocat.atoms.screening import GAS_REFERENCES, HostResult, best_co2rr, predict  # noqa: E402
from nanocat.atoms.structures import lowest_multiplicity, structure_hash  # noqa: E402
from nanocat.atoms.workflow import ResultStore  # noqa: E402
from nanocat.thermo import analyze, formation_energies_from_electronic  # noqa: E402

log = logging.getLogger("bench_accuracy")

FULL = ("H", "COOH", "OCHO", "CO", "CHO", "COH", "CH2O", "OCH3", "O", "OH")
REDUCED = ("H", "COOH", "OCHO", "CO")
PRODUCTS = ("CO", "HCOOH", "CH4", "CH3OH")
HOSTS = {"Cu4": FULL, "Cu3Ni": REDUCED, "Cu3Co": REDUCED, "Cu3Fe": REDUCED}
PBE_SMEARING_HA = 0.005
METHODS = ("gfn1", "gfn2", "pbe")
PRESET = {"gfn1": "xtb", "gfn2": "xtb", "pbe": "peterson2010"}
#: DESIGN.md section 5: PBE/def2-SVP single point on Cu13, 2 threads (measured in an earlier session).
CU13_PBE_SINGLE_POINT_S = 620.0


def build_host(name: str) -> Atoms:
    """Cu4 (built-in tetrahedron) or Cu3M: the tetrahedron with atom 0 replaced by M."""
    atoms = build_cluster("Cu4")
    if name != "Cu4":
        atoms[0].symbol = name[3:]
    charge = 0
    atoms.info.update(name=name, charge=charge, multiplicity=lowest_multiplicity(atoms, charge))
    return atoms


# -- step 1: GFN1 relaxations through the screen --------------------------------------------------------------

def relax_host(name: str, out: Path) -> tuple[Any, dict[str, Any]]:
    """Screen one host with GFN1 (cached in OUT/relax_NAME.db); the result and the timing of the first run."""
    timing_file = out / f"relax_{name}.timing.json"
    settings = ScreenSettings(engine="gfn1", adsorbates=HOSTS[name], n_orientations=2, workers=1,
                              corrections="xtb", products=PRODUCTS)
    t0 = time.perf_counter()
    result = screen(build_host(name), settings, store=str(out / f"relax_{name}.db"), progress=False, name=name)
    wall = time.perf_counter() - t0
    if result.computed or not timing_file.exists():
        timing_file.write_text(json.dumps({"wall_s": wall, "computed": result.computed}))
    return result, json.loads(timing_file.read_text())


def geometries(name: str, result: Any, out: Path) -> dict[str, tuple[Atoms, str]]:
    """``{"clean": ..., "COOH*": ..., "CO2(g)": ...}`` -> (relaxed geometry, kind) from the screen's store."""
    store = ResultStore(out / f"relax_{name}.db")
    host = result.best_host

    def one(**selection: Any) -> Atoms:
        done = [r for r in store.results(**selection) if r.ok]
        if not done:
            raise RuntimeError(f"{name}: no finished relaxation for {selection}")
        return done[-1].atoms

    geo: dict[str, tuple[Atoms, str]] = {"clean": (one(kind="clean"), "host")}
    for gas in GAS_REFERENCES:
        geo[f"{gas}(g)"] = (one(kind="gas", adsorbate=gas), "gas")
    rows = {(r.site, r.species): r for r in result.rows if r.host == host.name and r.energy_eV is not None}
    for species, site in host.best_species_site.items():
        row = rows[(site, species)]
        geo[species] = (one(kind="adsorbate", site=site, adsorbate=row.adsorbate, orientation=row.orientation),
                        "adsorbate")
    return geo


# -- step 2: cached single points ------------------------------------------------------------------------------

class SinglePoints:
    """Single-point energies (eV) per method and geometry, kept in a JSON file written after every point."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: dict[str, dict[str, Any]] = json.loads(path.read_text()) if path.exists() else {}

    def _refresh(self) -> None:
        """Merge what is on disk (written by another process running other hosts) into memory."""
        if self.path.exists():
            self.data = {**json.loads(self.path.read_text()), **self.data}

    @staticmethod
    def key(method: str, atoms: Atoms) -> str:
        return f"{method}|{atoms.get_chemical_formula()}|{structure_hash(atoms)}"

    def get(self, method: str, atoms: Atoms) -> dict[str, Any] | None:
        return self.data.get(self.key(method, atoms))

    def compute(self, method: str, atoms: Atoms, label: str, threads: int) -> dict[str, Any]:
        """The cached record, or compute, store and return it."""
        self._refresh()  # another process on the same folder may have done it meanwhile
        cached = self.get(method, atoms)
        if cached is not None:
            return cached
        mult = lowest_multiplicity(atoms, 0)
        t0 = time.perf_counter()
        if method == "pbe":
            record = _pbe_point(atoms, mult, threads)
        else:
            res = single_point(atoms, EngineSpec(method), 0, mult)
            record = {"energy_eV": res.energy_eV, "converged": res.converged, "method_label": res.method_label,
                      "error": res.error}
        record.update(seconds=time.perf_counter() - t0, label=label, multiplicity=mult, n_atoms=len(atoms))
        self._refresh()
        self.data[self.key(method, atoms)] = record
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(self.data, indent=1))
        tmp.replace(self.path)
        log.info("%-5s %-14s %s  %.1f s  %s", method, label, "ok " if record["converged"] else "FAILED",
                 record["seconds"], record.get("error") or "")
        return record


def _pbe_point(atoms: Atoms, multiplicity: int, threads: int) -> dict[str, Any]:
    from ase.calculators.calculator import SCFError

    from nanocat.atoms.calculators import PySCFCalculator

    calc = PySCFCalculator(smearing_Ha=PBE_SMEARING_HA, multiplicity=multiplicity, threads=threads)
    work = atoms.copy()
    work.calc = calc
    try:
        energy = float(work.get_potential_energy())
    except SCFError as exc:
        return {"energy_eV": None, "converged": False, "method_label": calc.method_label, "error": str(exc)}
    run = calc.last_run
    return {"energy_eV": energy, "converged": True, "method_label": calc.method_label, "error": None,
            "scf_cycles": run["scf_cycles"], "n_ao": run["n_ao"], "e_tot_Ha": run["e_tot_Ha"],
            "e_free_Ha": run["e_free_Ha"]}


# -- step 3: free energies, errors, calls ---------------------------------------------------------------------

def analyse(energies: dict[str, float | None], preset: str, method: str) -> dict[str, Any] | None:
    """ΔG (eV) per intermediate, U_L (V_RHE) per product and the predicted product, or None without a host."""
    clean = energies.get("clean")
    gas = {k: v for k, v in energies.items() if k.endswith("(g)") and v is not None}
    ads = {k: v for k, v in energies.items() if k.endswith("*") and v is not None}
    if clean is None or any(g not in gas for g in ("CO2(g)", "H2(g)", "H2O(g)")):
        return None
    fe = formation_energies_from_electronic(clean, ads, gas, preset, method)
    an = analyze(fe, 0.0, list(PRODUCTS))
    host = HostResult("host", "", clean, [], 0, an.as_dict(), {})
    product, reason = predict(host)
    ul = {"H2": an.her.limiting_potential_V_RHE}
    for name in PRODUCTS:
        r = an.product(name)
        ul[name] = r.limiting_potential_V_RHE if r.complete else None
    best = best_co2rr(host)
    return {"dG": {s: fe.get(s) for s in ads}, "UL": ul, "product": product, "reason": reason,
            "best_co2rr_UL": None if best is None else best.limiting_potential_V_RHE}


def _errors(values: dict[str, float | None], reference: dict[str, float | None]) -> list[float]:
    return [values[k] - reference[k] for k in reference
            if reference.get(k) is not None and values.get(k) is not None]


def _fmt(x: float | None) -> str:
    return "   —  " if x is None else f"{x:+6.2f}"


def report(hosts: list[str], energies: dict[str, dict[str, dict[str, float | None]]]) -> dict[str, Any]:
    """Print the tables (stdout) and return them as a JSON-ready dict."""
    out: dict[str, Any] = {"hosts": {}, "summary": {}}
    variants = [("gfn1", "xtb"), ("gfn2", "xtb"), ("pbe", "peterson2010"), ("gfn1", "peterson2010"),
                ("gfn2", "peterson2010")]
    for host in hosts:
        out["hosts"][host] = {}
        for method, preset in variants:
            out["hosts"][host][f"{method}/{preset}"] = analyse(energies[host][method], preset, method)
    for method, preset in variants:
        tag = f"{method}/{preset}"
        dg_err, ul_err, same, n_calls = [], [], 0, 0
        for host in hosts:
            ref, mine = out["hosts"][host]["pbe/peterson2010"], out["hosts"][host][tag]
            if ref is None or mine is None:
                continue
            dg_err += _errors(mine["dG"], ref["dG"])
            ul_err += _errors(mine["UL"], ref["UL"])
            n_calls += 1
            same += mine["product"] == ref["product"]
        out["summary"][tag] = {
            "dG_MAE_eV": float(np.mean(np.abs(dg_err))) if dg_err else None,
            "dG_max_abs_error_eV": float(np.max(np.abs(dg_err))) if dg_err else None,
            "UL_MAE_V": float(np.mean(np.abs(ul_err))) if ul_err else None,
            "UL_max_abs_error_V": float(np.max(np.abs(ul_err))) if ul_err else None,
            "n_dG": len(dg_err), "n_UL": len(ul_err), "product_agrees": f"{same}/{n_calls}",
        }
    ranked: dict[str, list[str]] = {}
    for method, preset in variants[:3]:
        tag = f"{method}/{preset}"
        scored = [(h, out["hosts"][h][tag]) for h in hosts]
        if all(a is not None and a["best_co2rr_UL"] is not None for _, a in scored) and scored:
            ranked[tag] = [h for h, a in sorted(scored, key=lambda x: -x[1]["best_co2rr_UL"])]
    out["ranking_by_best_co2rr_UL"] = ranked

    for host in hosts:
        print(f"\n## {host}: formation ΔG (eV, 0 V_RHE) and U_L (V_RHE)")
        tags = [f"{m}/{p}" for m, p in variants[:3]]
        print(f"{'':10s}" + "".join(f"{t:>18s}" for t in tags))
        species = sorted({s for t in tags if out["hosts"][host][t] for s in out["hosts"][host][t]["dG"]})
        for s in species:
            vals = [(out["hosts"][host][t] or {}).get("dG", {}).get(s) for t in tags]
            print(f"{s:10s}" + "".join(f"{_fmt(v):>18s}" for v in vals))
        for p in ("H2", *PRODUCTS):
            vals = [(out["hosts"][host][t] or {}).get("UL", {}).get(p) for t in tags]
            print(f"{'U_L ' + p:10s}" + "".join(f"{_fmt(v):>18s}" for v in vals))
        print(f"{'product':10s}" + "".join(f"{str((out['hosts'][host][t] or {}).get('product')):>18s}"
                                            for t in tags))
    print("\n## Errors against PBE/def2-SVP (peterson2010) over all hosts")
    print(f"{'method/preset':22s} {'ΔG MAE':>8s} {'ΔG max':>8s} {'n':>4s} {'U_L MAE':>8s} {'U_L max':>8s} {'n':>4s}"
          f" {'product':>8s}")
    for tag, s in out["summary"].items():
        if tag == "pbe/peterson2010":
            continue
        print(f"{tag:22s} {_fmt(s['dG_MAE_eV']):>8s} {_fmt(s['dG_max_abs_error_eV']):>8s} {s['n_dG']:4d} "
              f"{_fmt(s['UL_MAE_V']):>8s} {_fmt(s['UL_max_abs_error_V']):>8s} {s['n_UL']:4d} {s['product_agrees']:>8s}")
    print("\n## Hosts ranked by best CO2RR U_L (least negative first)")
    for tag, order in ranked.items():
        print(f"{tag:22s} {' > '.join(order)}")
    return out


def costs(sp: SinglePoints, timings: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Seconds per single point per method on the clusters (with or without adsorbate), per GFN1 relaxation, and the Cu13 estimate."""
    out: dict[str, Any] = {}
    for method in METHODS:
        secs = [r["seconds"] for k, r in sp.data.items() if k.startswith(method + "|")
                and not r["label"].endswith("(g)") and r["converged"]]  # clusters, not gas molecules
        out[f"{method}_single_point_s"] = {"median": float(np.median(secs)) if secs else None, "n": len(secs)}
    relax = [t["wall_s"] / t["computed"] for t in timings.values() if t.get("computed")]
    out["gfn1_relaxation_s"] = float(np.mean(relax)) if relax else None
    n_points = 1 + len(FULL)
    out["cu13_pbe_refinement_estimate_h"] = n_points * CU13_PBE_SINGLE_POINT_S / 3600
    print("\n## Cost on this machine (2 cores shared with other jobs; medians)")
    for k, v in out.items():
        print(f"{k:34s} {v}")
    print(f"Cu13 refinement (host + {len(FULL)} intermediates) at DESIGN.md's {CU13_PBE_SINGLE_POINT_S:.0f} s per "
          f"PBE point: {out['cu13_pbe_refinement_estimate_h']:.1f} h; a PBE relaxation of Cu13+X "
          f"(~50-140 optimiser steps) would cost 10-20 h, which is why the screen relaxes with xTB.")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="bench_out/accuracy", help="output folder (caches live here)")
    parser.add_argument("--hosts", default=",".join(HOSTS), help="comma-separated hosts (Cu4, Cu3Ni, ...)")
    parser.add_argument("--threads", type=int, default=int(os.environ["OMP_NUM_THREADS"]))
    parser.add_argument("--no-pbe", action="store_true", help="report from cached PBE points only")
    parser.add_argument("--json", action="store_true", help="also write OUT/accuracy.json")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    for noisy in ("nanocat", "pyscf"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    hosts = [h.strip() for h in args.hosts.split(",") if h.strip()]
    unknown = [h for h in hosts if h not in HOSTS]
    if unknown:
        parser.error(f"unknown host(s) {unknown}; choose from {', '.join(HOSTS)}")

    geo, timings = {}, {}
    sp = SinglePoints(out / "singlepoints.json")
    # host by host, so the PBE points that matter most run before the later hosts are even relaxed
    for n, host in enumerate(hosts):
        result, timings[host] = relax_host(host, out)
        geo[host] = geometries(host, result, out)
        log.info("%s: GFN1 screen done (%s); %d geometries", host, result.method, len(geo[host]))
        for label, (atoms, _) in geo[host].items():
            for method in ("gfn1", "gfn2"):
                sp.compute(method, atoms, f"{host}:{label}", args.threads)
        if not args.no_pbe:
            for label in _pbe_order(geo[host], first=n == 0):
                sp.compute("pbe", geo[host][label][0], f"{host}:{label}", args.threads)
            if n == min(1, len(hosts) - 1):  # after the first doped host: the rest of the first host's set
                for label in _pbe_order(geo[hosts[0]], first=True, rest=True):
                    sp.compute("pbe", geo[hosts[0]][label][0], f"{hosts[0]}:{label}", args.threads)

    energies = {host: {m: {label: (sp.get(m, atoms) or {}).get("energy_eV") for label, (atoms, _) in g.items()}
                       for m in METHODS} for host, g in geo.items()}
    tables = report(hosts, energies)
    tables["costs"] = costs(sp, timings)
    pending = [f"{h}:{label}" for h, g in geo.items() for label, (a, _) in g.items() if sp.get("pbe", a) is None]
    failed = [r["label"] for k, r in sp.data.items() if not r["converged"]]
    tables["pbe_pending"], tables["failed"] = pending, failed
    if pending:
        print(f"\nPBE points still missing ({len(pending)}): {', '.join(pending)}")
    if failed:
        print(f"SCF failures: {', '.join(failed)}")
    if args.json:
        (out / "accuracy.json").write_text(json.dumps(tables, indent=1))


def _pbe_order(geo: dict[str, tuple[Atoms, str]], first: bool, rest: bool = False) -> list[str]:
    """PBE labels of one host by importance: gas (first host only), host and the reduced set; or the rest."""
    core = ["clean", *(ADSORBATE_SPECIES[a] for a in REDUCED)]
    if rest:
        return [label for label, (_, kind) in geo.items() if kind == "adsorbate" and label not in core]
    gas = [label for label, (_, kind) in geo.items() if kind == "gas"] if first else []
    return gas + [label for label in core if label in geo]


if __name__ == "__main__":
    main()
