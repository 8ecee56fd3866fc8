"""Time nanocat's steady-state solver against a plain scipy.optimize.root per point, in one run, and print ratios.

Run from the repository root:

    python benchmarks/bench_kinetics.py              # 61-point sweep, 17x17 HER map, 1000 random models
    python benchmarks/bench_kinetics.py --random 0 --json

What each side does (same model, same rate constants):

- nanocat: ``MicrokineticModel.sweep`` / ``map2d`` — every point in one batch (damped Newton in log-coverage
  space, analytic Jacobian, continuation/restarts/BDF only where needed), TOF, FE, currents and Tafel slopes
  included in the time.
- baseline: what a script does without nanocat — for each point, ``scipy.optimize.root`` (hybr) on the
  steady-state equations in coverages (one species balance replaced by the site balance), from uniform
  coverages, numerical Jacobian; only the TOF is computed.
- CatMAP: its legacy solver's 0.62 s for the 61-point sweep of a 4-step CO2 -> CO model, measured in our hands
  (issue 7); not rerun here (CatMAP is not installable next to current ASE).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from nanocat.kinetics import MicrokineticModel  # noqa: E402

CATMAP_LEGACY_61_S = 0.62  # issue 7: CatMAP legacy solver, 61-point U sweep of a 4-step CO2 -> CO model
CHAIN = ["CO", "CHO", "CH2O", "CH3O", "CH3OH"]


def co2_to_co() -> MicrokineticModel:
    """The 4-step CO2 -> CO model (adsorption, two PCETs through transition states, desorption)."""
    exprs = ["CO2_g + *_t <-> CO2_t", "CO2_t + pe_g <-> CO2-pe_t <-> COOH_t",
             "COOH_t + pe_g <-> COOH-pe_t <-> CO_t + H2O_g", "CO_t <-> CO_g + *_t"]
    G = {"CO2_g": 0.0, "CO2_t": 0.1, "COOH_t": 0.45, "CO_t": -0.2, "CO_g": 0.2, "H2O_g": 0.0,
         "CO2-pe_t": 0.9, "COOH-pe_t": 0.8}
    return MicrokineticModel.from_expressions(exprs, G, pressures_bar={"CO_g": 0.0})


def her() -> MicrokineticModel:
    """Volmer-Heyrovsky-Tafel HER; the map varies G(H*) and U."""
    return MicrokineticModel.from_expressions(
        ["*_t + pe_g <-> H_t; Ea=0.5", "H_t + pe_g <-> H2_g + *_t; Ea=0.7", "2H_t <-> H2_g + 2*_t; Ea=0.8"],
        {"H_t": 0.0, "H2_g": 0.0})


def baseline(model: MicrokineticModel, lkf: np.ndarray, lkr: np.ndarray) -> tuple[np.ndarray, int, float]:
    """scipy.optimize.root per point in plain coverages; returns TOF (P, products), points converged, max residual."""
    from scipy.optimize import root

    net = model.network
    kf, kr = np.exp(lkf), np.exp(lkr)
    S = (net.Rr - net.Rf).T
    e = int(net.empty[0])
    tofs, ok, worst = [], 0, 0.0
    for p in range(len(kf)):
        def f(theta: np.ndarray, p: int = p) -> np.ndarray:
            th = np.clip(theta, 0.0, None)
            r = kf[p] * np.prod(th ** net.Rf, axis=1) - kr[p] * np.prod(th ** net.Rr, axis=1)
            out = S @ r
            out[e] = (net.n_sites * theta).sum() - 1.0
            return out

        theta0 = np.full(net.n_species, 1.0 / net.n_species)
        sol = root(f, theta0, method="hybr", options={"xtol": 1e-12})
        th = np.clip(sol.x, 0.0, None)
        rf = kf[p] * np.prod(th ** net.Rf, axis=1)
        rr = kr[p] * np.prod(th ** net.Rr, axis=1)
        gross = np.abs(S) @ (rf + rr)
        res = float(np.max(np.abs(S @ (rf - rr))[np.arange(len(th)) != e] / np.maximum(gross, 1e-300)[
            np.arange(len(th)) != e]))
        worst = max(worst, res)
        ok += bool(sol.success and res < 1e-10 and np.all(sol.x > -1e-12))
        tofs.append((rf - rr) @ model._arrays["product_stoich"].T)
    return np.array(tofs), ok, worst


def best_of(fn, repeats: int) -> tuple[float, object]:  # noqa: ANN001
    """Fastest wall time of ``repeats`` calls (s) and the last result."""
    best, out = np.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def bench_sweep(repeats: int) -> dict:
    """61-point U sweep of the 4-step CO2 -> CO model."""
    m = co2_to_co()
    u = np.linspace(-1.5, 0.0, 61)
    t_nc, res = best_of(lambda: m.sweep(u), repeats)
    lkf, lkr = m.log_rate_constants(m.energy_matrix(len(u)), u)
    t_base, (tof_b, ok_b, worst_b) = best_of(lambda: baseline(m, lkf, lkr), max(1, repeats // 10))
    tof_nc = np.array(res.tof_per_s["CO"])
    agree = np.abs(tof_b[:, 0] - tof_nc) <= 1e-6 * np.abs(tof_nc) + 1e-12
    return {"points": 61, "nanocat_s": t_nc, "baseline_s": t_base, "ratio_vs_baseline": t_base / t_nc,
            "ratio_vs_catmap_legacy": CATMAP_LEGACY_61_S / t_nc, "nanocat_converged": sum(res.converged),
            "nanocat_max_residual": res.max_residual, "baseline_converged": ok_b,
            "baseline_max_residual": worst_b, "tof_agree_points": int(agree.sum())}


def bench_map(repeats: int) -> dict:
    """17x17 HER map over G(H*) and U."""
    m = her()
    gh, u = np.linspace(-0.6, 0.6, 17), np.linspace(-0.8, 0.0, 17)
    t_nc, res = best_of(lambda: m.map2d(("H_t", gh), ("U", u)), repeats)
    GG, UU = np.meshgrid(gh, u)
    lkf, lkr = m.log_rate_constants(m.energy_matrix(GG.size, {"H_t": GG.ravel()}), UU.ravel())
    t_base, (_, ok_b, worst_b) = best_of(lambda: baseline(m, lkf, lkr), max(1, repeats // 10))
    return {"points": 289, "nanocat_s": t_nc, "baseline_s": t_base, "ratio_vs_baseline": t_base / t_nc,
            "nanocat_converged": int(res.converged.sum()), "nanocat_max_residual": res.max_residual,
            "baseline_converged": ok_b, "baseline_max_residual": worst_b}


def random_models(n: int, seed: int = 0) -> dict:
    """n random CO-hydrogenation chains (+ HER), energies ±0.8 eV, 5 potentials each in [-1.2, 0.2] V."""
    rng = np.random.default_rng(seed)
    points = converged = 0
    worst = 0.0
    t0 = time.perf_counter()
    for _ in range(n):
        k = int(rng.integers(1, 5))
        exprs = ["CO_g + *_t <-> CO_t"]
        G = {"CO_g": 0.0, "CO_t": rng.uniform(-0.8, 0.8), f"{CHAIN[k]}_g": rng.uniform(-0.8, 0.8)}
        for i in range(k):
            G[f"{CHAIN[i + 1]}_t"] = rng.uniform(-0.8, 0.8)
            ea = f"; Ea={rng.uniform(0, 1.2):.4f}" if rng.random() < 0.5 else ""
            exprs.append(f"{CHAIN[i]}_t + pe_g <-> {CHAIN[i + 1]}_t{ea}; beta={rng.uniform(0.3, 0.7):.3f}")
        exprs.append(f"{CHAIN[k]}_t <-> {CHAIN[k]}_g + *_t")
        if rng.random() < 0.5:
            G.update({"H_t": rng.uniform(-0.8, 0.8), "H2_g": 0.0})
            exprs += [f"*_t + pe_g <-> H_t; Ea={rng.uniform(0, 1):.4f}",
                      f"H_t + pe_g <-> H2_g + *_t; Ea={rng.uniform(0, 1):.4f}"]
        m = MicrokineticModel.from_expressions(exprs, G, pressures_bar={"CO_g": rng.uniform(1e-3, 10),
                                                                       f"{CHAIN[k]}_g": rng.uniform(1e-3, 10)})
        r = m.sweep(np.sort(rng.uniform(-1.2, 0.2, 5)))
        points += len(r.converged)
        converged += sum(r.converged)
        worst = max(worst, r.max_residual)
    return {"models": n, "points": points, "converged": converged, "max_residual": worst,
            "seconds": time.perf_counter() - t0}


def main() -> None:
    """Run the parts and print times and ratios (or one JSON document)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeats", type=int, default=20, help="timing repeats (best of)")
    parser.add_argument("--random", type=int, default=1000, help="random models to solve (0: skip)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    out = {"sweep_61": bench_sweep(args.repeats), "her_map_17x17": bench_map(args.repeats)}
    if args.random:
        out["random_models"] = random_models(args.random)
    if args.json:
        print(json.dumps(out, indent=2))
        return
    s, m = out["sweep_61"], out["her_map_17x17"]
    print(f"61-point sweep, 4-step CO2->CO: nanocat {1e3 * s['nanocat_s']:.2f} ms "
          f"({s['nanocat_converged']}/61 converged, max residual {s['nanocat_max_residual']:.1e}); "
          f"scipy root per point {1e3 * s['baseline_s']:.1f} ms ({s['baseline_converged']}/61 converged) "
          f"-> {s['ratio_vs_baseline']:.0f}x; vs CatMAP legacy 0.62 s -> {s['ratio_vs_catmap_legacy']:.0f}x; "
          f"TOF agrees on {s['tof_agree_points']}/61 points")
    print(f"17x17 HER map: nanocat {1e3 * m['nanocat_s']:.2f} ms ({m['nanocat_converged']}/289 converged, "
          f"max residual {m['nanocat_max_residual']:.1e}); scipy root per point {1e3 * m['baseline_s']:.1f} ms "
          f"({m['baseline_converged']}/289 converged) -> {m['ratio_vs_baseline']:.0f}x")
    if "random_models" in out:
        r = out["random_models"]
        print(f"random models: {r['converged']}/{r['points']} points converged over {r['models']} models, "
              f"max residual {r['max_residual']:.1e}, {r['seconds']:.1f} s")


if __name__ == "__main__":
    main()
