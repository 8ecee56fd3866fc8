"""Time xTB single points and relaxations on small Cu clusters, and check where GFN2's SCF converges.

Run from the repository root (set OMP_NUM_THREADS to choose tblite's threads; workers use 1):

    OMP_NUM_THREADS=1 python benchmarks/bench_engines.py [--json]

Systems: Cu13 + *COOH (C-bound on top of a surface atom), Cu12M (M = Fe, Co, Ni) with the dopant at the
centre and at a surface site. Multiplicity: the lowest one the electron count allows (1 or 2).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.cluster import Icosahedron

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from nanocat.atoms.engines import EnginePolicy, EngineSpec, single_point  # noqa: E402
from nanocat.atoms.workflow import RelaxJob, relax, run_with_policy  # noqa: E402


def cu13_cooh() -> Atoms:
    """Cu13 icosahedron with *COOH C-bound on top of its highest surface atom."""
    cluster = Icosahedron("Cu", 2)
    top = cluster.positions[np.argmax(cluster.positions[:, 2])]
    c = top + [0.0, 0.0, 1.95]
    return cluster + Atoms("COOH", positions=[c, c + [1.1, 0, 0.65], c + [-1.05, 0, 0.75], c + [-1.05, 0, 1.72]])


def cu12m(dopant: str, where: str) -> Atoms:
    """Cu13 icosahedron with atom 0 (centre) or atom 1 (a surface atom) replaced by ``dopant``."""
    cluster = Icosahedron("Cu", 2)
    cluster[0 if where == "centre" else 1].symbol = dopant
    return cluster


def on_top(cluster: Atoms, adsorbate: str) -> Atoms:
    """A small adsorbate bound on top of the cluster's highest atom (rough start geometry, Å)."""
    top = cluster.positions[np.argmax(cluster.positions[:, 2])]
    a = top + [0.0, 0.0, 1.9]
    shapes = {
        "CO": Atoms("CO", positions=[a, a + [0, 0, 1.15]]),
        "H": Atoms("H", positions=[top + [0, 0, 1.55]]),
        "OH": Atoms("OH", positions=[a, a + [0.9, 0, 0.35]]),
        "COOH": Atoms("COOH", positions=[a, a + [1.1, 0, 0.65], a + [-1.05, 0, 0.75], a + [-1.05, 0, 1.72]]),
    }
    return cluster + shapes[adsorbate]


def lowest_multiplicity(atoms: Atoms, charge: int = 0) -> int:
    """1 for an even electron count, 2 for an odd one."""
    return 1 + (int(atoms.get_atomic_numbers().sum()) - charge) % 2


def timed(func, *args):
    """(result, wall seconds)."""
    start = time.perf_counter()
    out = func(*args)
    return out, time.perf_counter() - start


def throughput(fmax: float, optimizer: str, workers: int) -> list[dict]:
    """Wall time of run_jobs (GFN1) on Cu13 and Cu12Co(surface) with CO, H, OH, COOH on top."""
    import tempfile

    from nanocat.atoms.workflow import run_jobs

    jobs = []
    for name, cluster in (("Cu13", Icosahedron("Cu", 2)), ("Cu12Co", cu12m("Co", "surface"))):
        for ads in ("CO", "H", "OH", "COOH"):
            atoms = on_top(cluster, ads)
            jobs.append(RelaxJob(atoms, name, "top", ads, multiplicity=lowest_multiplicity(atoms),
                                 fmax_eV_A=fmax, optimizer=optimizer))  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        summary, wall = timed(lambda: run_jobs(jobs, "gfn1", store=Path(tmp) / "t.db", workers=workers,
                                               progress=False))  # fmt: skip
    steps = [r.n_steps for r in summary.results]
    return [{"throughput": f"{len(jobs)} GFN1 relaxations", "workers": workers, "optimizer": optimizer,
             "fmax": fmax, "wall_s": round(wall, 1), "s_per_job_wall": round(wall / len(jobs), 2),
             "steps": steps, "failed": summary.failed, "unconverged": sum(not r.converged for r in summary.results)}]


def main() -> None:
    """Print one line (or one JSON document) per measurement."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--fmax", type=float, default=0.05, help="force criterion, eV/Å")
    parser.add_argument("--throughput", action="store_true", help="also time run_jobs on 8 GFN1 relaxations")
    parser.add_argument("--optimizer", default="BFGS", choices=["BFGS", "LBFGS", "FIRE"])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only-throughput", action="store_true")
    args = parser.parse_args()
    if args.only_throughput:
        for row in throughput(args.fmax, args.optimizer, args.workers):
            print("  ".join(f"{k}={v}" for k, v in row.items()))
        return
    rows = []
    specs = [EngineSpec("gfn2"), EngineSpec("gfn2", electronic_temperature_K=1000.0), EngineSpec("gfn1")]
    systems = {"Cu13+COOH": cu13_cooh(), "Cu12Co(surface)": cu12m("Co", "surface")}
    for name, atoms in systems.items():
        mult = lowest_multiplicity(atoms)
        for spec in specs:
            sp, t_sp = timed(single_point, atoms, spec, 0, mult)
            row = {"system": name, "multiplicity": mult, "method": spec.label, "sp_converged": sp.converged,
                   "sp_s": round(t_sp, 2)}  # fmt: skip
            if sp.converged:
                job = RelaxJob(atoms, name, "top", "COOH", kind="adsorbate", multiplicity=mult, fmax_eV_A=args.fmax)
                res, t_rx = timed(relax, job, spec)
                row.update(relax_ok=res.ok, relax_converged=res.converged, steps=res.n_steps,
                           relax_s=round(t_rx, 2), s_per_step=round(t_rx / max(res.n_steps, 1), 3),
                           error=res.error)  # fmt: skip
            rows.append(row)
    policy = EnginePolicy.default()
    for dopant in ("Fe", "Co", "Ni"):
        for where in ("centre", "surface"):
            atoms = cu12m(dopant, where)
            mult = lowest_multiplicity(atoms)
            job = RelaxJob(atoms, f"Cu12{dopant}", where, "", kind="clean", multiplicity=mult, max_steps=0)
            (engine, _), t = timed(run_with_policy, [job], policy, workers=1, progress=False)
            rows.append({"system": f"Cu12{dopant}({where})", "multiplicity": mult,
                         "gfn2_300K_converges": engine == policy.engines[0], "policy_choice": engine.label,
                         "policy_s": round(t, 2)})  # fmt: skip
    if args.throughput:
        rows.extend(throughput(args.fmax, args.optimizer, args.workers))
    threads = os.environ.get("OMP_NUM_THREADS", "unset")
    if args.json:
        print(json.dumps({"omp_num_threads": threads, "rows": rows}, indent=2))
        return
    print(f"OMP_NUM_THREADS={threads}")
    for row in rows:
        print("  ".join(f"{k}={v}" for k, v in row.items()))


if __name__ == "__main__":
    main()
