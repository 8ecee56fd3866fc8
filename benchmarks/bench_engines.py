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
from nanocat.atoms.workflow import RelaxJob, relax  # noqa: E402


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


def lowest_multiplicity(atoms: Atoms, charge: int = 0) -> int:
    """1 for an even electron count, 2 for an odd one."""
    return 1 + (int(atoms.get_atomic_numbers().sum()) - charge) % 2


def timed(func, *args):
    """(result, wall seconds)."""
    start = time.perf_counter()
    out = func(*args)
    return out, time.perf_counter() - start


def main() -> None:
    """Print one line (or one JSON document) per measurement."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--fmax", type=float, default=0.05, help="force criterion, eV/Å")
    args = parser.parse_args()
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
            attempts, t = timed(policy.attempts, atoms, 0, mult)
            rows.append({"system": f"Cu12{dopant}({where})", "multiplicity": mult,
                         "gfn2_300K_converges": attempts[0].converged, "policy_choice": attempts[-1].method_label,
                         "policy_s": round(t, 2)})  # fmt: skip
    threads = os.environ.get("OMP_NUM_THREADS", "unset")
    if args.json:
        print(json.dumps({"omp_num_threads": threads, "rows": rows}, indent=2))
        return
    print(f"OMP_NUM_THREADS={threads}")
    for row in rows:
        print("  ".join(f"{k}={v}" for k, v in row.items()))


if __name__ == "__main__":
    main()
