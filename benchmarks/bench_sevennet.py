"""SevenNet-0 against GFN1-xTB: H binding on Cu13 and Cu4 bridge sites, and what a single point / relaxation costs.

Needs the mlip extra and the plugin (``pip install 'nanocat[mlip]' ./plugins/nanocat-sevennet``). Run from the
repository root:

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/bench_sevennet.py [--json]

ΔE_H = E(cat+H) − E(cat) − ½E(H2). The cluster and cluster+H (first unique bridge site) are relaxed with GFN1
(fmax 0.05 eV/Å); SevenNet-0 single points are taken on those GFN1 geometries, its H2 at its own relaxed
geometry (GFN1's H2 at GFN1's). For comparison, ΔE_H at SevenNet-0's own relaxed geometries is printed too.
DESIGN.md section 5 (same protocol): Cu13 bridge GFN1 −0.97, SevenNet-0 −0.08, PBE/def2-SVP −0.63 eV;
Cu4 bridge GFN1 −0.49, PBE/def2-SVP −0.47 eV.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from ase import Atoms

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from nanocat.atoms.adsorbates import adsorbate_candidates, gas_molecule  # noqa: E402
from nanocat.atoms.engines import Engine, get_engine, single_point  # noqa: E402
from nanocat.atoms.sites import SiteFinder  # noqa: E402
from nanocat.atoms.structures import build_cluster, lowest_multiplicity  # noqa: E402
from nanocat.atoms.workflow import RelaxJob, relax  # noqa: E402


def relaxed(atoms: Atoms, engine: Engine, name: str, max_steps: int = 300) -> tuple[Atoms, float, int, float]:
    """GFN1/SevenNet relaxation: final geometry, energy (eV), steps and wall seconds."""
    job = RelaxJob(atoms, name, "bench", "none", kind="clean", multiplicity=lowest_multiplicity(atoms),
                   fmax_eV_A=0.05, max_steps=max_steps)
    start = time.perf_counter()
    result = relax(job, engine)
    seconds = time.perf_counter() - start
    if result.energy_eV is None or result.atoms is None:
        raise SystemExit(f"{engine.label} relaxation of {name} failed: {result.error}")
    return result.atoms, float(result.energy_eV), result.n_steps, seconds


def energy(atoms: Atoms, engine: Engine) -> float:
    """Single-point energy (eV) at the lowest multiplicity."""
    result = single_point(atoms, engine, 0, lowest_multiplicity(atoms))
    if result.energy_eV is None:
        raise SystemExit(f"{engine.label} single point on {atoms.get_chemical_formula()} failed: {result.error}")
    return result.energy_eV


def main() -> None:
    """Print ΔE_H per cluster and method, and SevenNet-0 costs on Cu13."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    gfn1, sevennet = get_engine("gfn1"), get_engine("sevennet")
    start = time.perf_counter()
    sevennet.check_system(build_cluster("Cu4"), 0, 1)  # loads torch and the checkpoint once
    load_s = time.perf_counter() - start

    h2_gfn1 = relaxed(gas_molecule("H2"), gfn1, "H2")[1]
    h2_7net = relaxed(gas_molecule("H2"), sevennet, "H2")[1]
    rows = []
    costs: dict[str, float] = {"load_s": load_s}
    for name in ("Cu13", "Cu4"):
        cluster = build_cluster(name)
        site = SiteFinder(kinds=("bridge",)).find(cluster)[0]
        start_h = adsorbate_candidates(cluster, site, "H", 1)[0]
        cat, e_cat, _, gfn1_cat_s = relaxed(cluster, gfn1, name)
        cat_h, e_cat_h, gfn1_steps_h, gfn1_h_s = relaxed(start_h, gfn1, f"{name}H")
        n_h = len(cat_h) - 1
        moved = float(((cat_h.positions[n_h] - cat_h.positions[list(site.indices)]) ** 2).sum(axis=1).min() ** 0.5)
        de_gfn1 = e_cat_h - e_cat - 0.5 * h2_gfn1
        de_7net = energy(cat_h, sevennet) - energy(cat, sevennet) - 0.5 * h2_7net
        own_cat, own_e_cat, _, cat_s = relaxed(cluster, sevennet, name)
        own_h, own_e_h, steps_h, h_s = relaxed(start_h, sevennet, f"{name}H")
        de_own = own_e_h - own_e_cat - 0.5 * h2_7net
        rows.append({"cluster": name, "site": site.label, "dE_H_GFN1_eV": de_gfn1,
                     "dE_H_SevenNet0_at_GFN1_geometry_eV": de_7net, "dE_H_SevenNet0_own_geometry_eV": de_own,
                     "H_to_nearest_site_atom_A": moved})
        if name == "Cu13":
            times = []
            for _ in range(5):
                t0 = time.perf_counter()
                energy(cat_h, sevennet)
                times.append(time.perf_counter() - t0)
            costs.update({"Cu13H_single_point_s_median_of_5": statistics.median(times),
                          "Cu13_relax_s": cat_s, "Cu13H_relax_s": h_s, "Cu13H_relax_steps": steps_h,
                          "GFN1_Cu13_relax_s": gfn1_cat_s, "GFN1_Cu13H_relax_s": gfn1_h_s,
                          "GFN1_Cu13H_relax_steps": gfn1_steps_h})
    document = {"method": sevennet.label, "settings": sevennet.settings(), "rows": rows, "costs": costs}
    if args.json:
        print(json.dumps(document, indent=1))
        return
    print(f"{'cluster':8s} {'site':12s} {'GFN1':>8s} {'7net@GFN1':>10s} {'7net@7net':>10s}  (ΔE_H, eV)")
    for r in rows:
        print(f"{r['cluster']:8s} {r['site']:12s} {r['dE_H_GFN1_eV']:8.3f} "
              f"{r['dE_H_SevenNet0_at_GFN1_geometry_eV']:10.3f} {r['dE_H_SevenNet0_own_geometry_eV']:10.3f}")
    print("costs (s):", json.dumps({k: round(v, 3) for k, v in costs.items()}))


if __name__ == "__main__":
    main()
