"""Time nanocat's screen against a plain ASE loop (no symmetry dedup, no cache), in one run, and print the ratios.

Run from the repository root:

    python benchmarks/bench_screen.py                      # Cu13 landscape (GFN1, H/COOH/OCHO/CO)
    python benchmarks/bench_screen.py --part au25          # the dethiolated Au25(SCH3)18- site (GFN1, COOH)
    python benchmarks/bench_screen.py --adsorbates H,CO --workers 2 --json

What each side does (same engine, same placement code, same force criterion):

- nanocat: ``nanocat.atoms.screen`` — symmetry-unique sites only, relaxations in parallel (``--workers``),
  written to an ase.db; far atoms fixed on large clusters; then the same screen again (everything cached).
- baseline: what a script without nanocat does — every site, symmetry-equivalent ones included, one after
  the other, BFGS from ASE on a fresh tblite calculator, nothing cached, every atom free.

For Au25 the baseline relaxes the candidates of ONE ligand vacancy and multiplies by the number of equivalent
vacancies that nanocat's one unique site stands for (12 of the 18 thiolates), which a dedup-free script would
each compute; the printout says so. The shared structure is read by path
from ``../shared/data/structures`` (GPL-3.0), never copied.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("OMP_NUM_THREADS", "1")

from nanocat.atoms import ScreenSettings, build_cluster, read_structure, screen  # noqa: E402
from nanocat.atoms.adsorbates import adsorbate_candidates, gas_molecule  # noqa: E402
from nanocat.atoms.screening import GAS_REFERENCES  # noqa: E402
from nanocat.atoms.sites import SiteFinder, site_structure  # noqa: E402

AU25 = ROOT.parent / "shared" / "data" / "structures" / "NC_Database__sch3_protected__025_18_minus1_cp2k_opt.xyz"


def plain_relax(atoms, fmax: float) -> tuple[float, int]:  # noqa: ANN001 - ase.Atoms
    """One relaxation the plain way: fresh GFN1 calculator, ASE BFGS; returns energy (eV) and steps."""
    from ase.optimize import BFGS
    from tblite.ase import TBLite

    atoms = atoms.copy()
    atoms.calc = TBLite(method="GFN1-xTB", charge=int(atoms.info.get("charge", 0)),
                        multiplicity=int(atoms.info.get("multiplicity", 1)), verbosity=0)
    opt = BFGS(atoms, logfile=None)
    opt.run(fmax=fmax, steps=300)
    return float(atoms.get_potential_energy()), int(opt.nsteps)


def all_equivalent_sites(atoms, kinds: tuple[str, ...]) -> list:  # noqa: ANN001
    """Every site, symmetry-equivalent ones included (what a script without dedup computes)."""
    finder = SiteFinder(kinds=kinds)
    centre = atoms.positions.mean(axis=0)
    out = []
    for site in finder.find(atoms):
        for indices in site.equivalent:
            position = atoms.positions[list(indices)].mean(axis=0)
            normal = position - centre
            out.append(replace(site, indices=tuple(indices), position=tuple(position),
                               normal=tuple(normal / np.linalg.norm(normal))))
    return out


def bench_cu13(adsorbates: tuple[str, ...], workers: int, fmax: float) -> dict:
    """Cu13 landscape: nanocat (dedup + parallel + cache) vs a plain loop over all 62 sites."""
    settings = ScreenSettings(engine="gfn1", adsorbates=adsorbates, n_orientations=1, fmax_eV_A=fmax, workers=workers)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        first = screen(build_cluster("Cu13"), settings, store=Path(tmp) / "bench.db", progress=False)
        t_first = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = screen(build_cluster("Cu13"), settings, store=Path(tmp) / "bench.db", progress=False)
        t_again = time.perf_counter() - t0
    cluster = build_cluster("Cu13")
    t0 = time.perf_counter()
    n_plain = 0
    for gas in GAS_REFERENCES:
        plain_relax(gas_molecule(gas), fmax)
        n_plain += 1
    plain_relax(cluster, fmax)
    n_plain += 1
    for site in all_equivalent_sites(cluster, ("top", "bridge", "hollow")):
        for adsorbate in adsorbates:
            candidates = adsorbate_candidates(cluster, site, adsorbate, n_orientations=1)
            plain_relax(candidates[0], fmax)
            n_plain += 1
    t_plain = time.perf_counter() - t0
    return {"system": "Cu13", "adsorbates": list(adsorbates), "workers": workers, "fmax_eV_A": fmax,
            "nanocat_s": t_first, "nanocat_relaxations": first.computed, "rerun_s": t_again,
            "rerun_computed": again.computed, "baseline_s": t_plain, "baseline_relaxations": n_plain,
            "speedup": t_plain / t_first, "speedup_rerun": t_plain / t_again}


def bench_au25(adsorbates: tuple[str, ...], workers: int, fmax: float) -> dict:
    """One dethiolated Au25(SCH3)18- site: nanocat (dedup, 6 Å free sphere, cache) vs plain loop (all atoms free)."""
    au25 = read_structure(AU25, charge=-1)
    settings = ScreenSettings(engine="gfn1", adsorbates=adsorbates, n_orientations=1, fmax_eV_A=fmax,
                              workers=workers, max_sites=1)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        first = screen(au25, settings, store=Path(tmp) / "bench.db", progress=False)
        t_first = time.perf_counter() - t0
    finder = SiteFinder(kinds=("vacancy",))
    site = finder.find(au25)[0]  # the class nanocat screened (max_sites=1) stands for this many vacancies
    n_vacancies = site.n_equivalent
    t0 = time.perf_counter()
    plain_relax(site_structure(au25, site), fmax)
    n_plain = 1
    for adsorbate in adsorbates:
        for candidate in adsorbate_candidates(au25, site, adsorbate, n_orientations=1):
            plain_relax(candidate, fmax)
            n_plain += 1
    t_one_site = time.perf_counter() - t0
    return {"system": "Au25(SCH3)18-", "adsorbates": list(adsorbates), "workers": workers, "fmax_eV_A": fmax,
            "nanocat_s": t_first, "nanocat_relaxations": first.computed, "baseline_one_site_s": t_one_site,
            "baseline_relaxations_one_site": n_plain, "vacancies_without_dedup": n_vacancies,
            "baseline_s_extrapolated": t_one_site * n_vacancies,
            "speedup_extrapolated": t_one_site * n_vacancies / t_first,
            "speedup_same_site": t_one_site / t_first}


def main() -> None:
    """Parse options, run the chosen parts, print a table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("cu13", "au25", "both"), default="cu13")
    parser.add_argument("--adsorbates", default=None, help="comma-separated (default: H,COOH,OCHO,CO; Au25: COOH)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--fmax", type=float, default=0.1, help="force criterion, eV/Å")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = []
    if args.part in ("cu13", "both"):
        ads = tuple(args.adsorbates.split(",")) if args.adsorbates else ("H", "COOH", "OCHO", "CO")
        results.append(bench_cu13(ads, args.workers, args.fmax))
    if args.part in ("au25", "both"):
        ads = tuple(args.adsorbates.split(",")) if args.adsorbates else ("COOH",)
        results.append(bench_au25(ads, args.workers, args.fmax))
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for r in results:
        print(f"== {r['system']}  adsorbates {','.join(r['adsorbates'])}  GFN1  fmax {r['fmax_eV_A']} eV/Å  "
              f"workers {r['workers']}")
        if "baseline_s" in r:
            print(f"baseline (plain ASE loop, all sites, no cache): {r['baseline_s']:8.1f} s  "
                  f"{r['baseline_relaxations']} relaxations")
            print(f"nanocat (dedup, parallel, ase.db cache):        {r['nanocat_s']:8.1f} s  "
                  f"{r['nanocat_relaxations']} relaxations   ratio {r['speedup']:.1f}x")
            print(f"nanocat rerun (all cached):                     {r['rerun_s']:8.1f} s  "
                  f"{r['rerun_computed']} computed       ratio {r['speedup_rerun']:.0f}x")
        else:
            print(f"baseline, one vacancy (all atoms free):         {r['baseline_one_site_s']:8.1f} s  "
                  f"{r['baseline_relaxations_one_site']} relaxations")
            print(f"baseline, all {r['vacancies_without_dedup']} vacancies (extrapolated x{r['vacancies_without_dedup']}):  "
                  f"{r['baseline_s_extrapolated']:8.1f} s")
            print(f"nanocat, one unique vacancy (6 Å free sphere):  {r['nanocat_s']:8.1f} s  "
                  f"{r['nanocat_relaxations']} relaxations   ratio {r['speedup_extrapolated']:.1f}x "
                  f"(same site: {r['speedup_same_site']:.1f}x)")


if __name__ == "__main__":
    main()
