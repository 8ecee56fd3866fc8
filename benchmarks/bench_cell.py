"""Benchmark: nanocat's H-cell solver vs a straightforward scipy.integrate.solve_bvp of the same equations.

Gupta et al. 2006 configuration (0.5 M KHCO3, δ = 100 µm, gupta2006_paper preset, their FE split). Prints the
time per solve (a fresh model each time: bulk speciation + CO2 limiting current + the solve), the time per
50-point current sweep (0.5 -> 0.9 j_lim), and the largest relative difference of the surface values
(pH, CO2, HCO3⁻, CO3²⁻, OH⁻) between the two methods. Targets (issue 11): <= 0.1 s per solve, < 1 s per
sweep on 2 cores, agreement to 1e-4. Run: ``python benchmarks/bench_cell.py``. Nothing is asserted.
"""

from __future__ import annotations

import math
import time

import numpy as np
from scipy.integrate import solve_bvp

from nanocat.cell import HCell
from nanocat.cell.faradaic import flux_per_current
from nanocat.cell.parameters import GUPTA2006_PAPER, SPECIES
from nanocat.cell.transport import NU, I_CO2, I_OH, rate_constants_SI

FE = {"CH4": 25, "C2H4": 20, "CO": 5, "HCOOH": 10, "H2": 40}
KEYS = ("pH", "CO2_mM", "HCO3_mM", "CO3_mM", "OH_mM")
N_CELLS = 250  # the default of HCell


def bvp_surface(cell: HCell, j: float, guess: tuple[np.ndarray, np.ndarray] | None = None,
                tol: float = 1e-6, max_nodes: int = 200000) -> tuple[dict[str, float], tuple[np.ndarray, np.ndarray]]:
    """Same equations as ODEs in ξ = x/δ: y = c (mol m⁻³), y' = p; p' = -δ² R(y) / D; flux BC at 0, bulk at 1."""
    p = GUPTA2006_PAPER
    kf, kr = rate_constants_SI(p)
    D = np.array([p.D_m2_s[s] for s in SPECIES])
    delta = cell.delta_m
    bulk = cell.domain.bulk
    a = flux_per_current(FE)
    N = np.zeros(len(SPECIES))
    N[I_CO2], N[I_OH] = a["CO2"] * j, a["OH"] * j
    reac = ((0, 3), (1, 3), (0,), (1,), ())
    prod = ((1,), (2,), (1, 4), (2, 4), (4, 3))

    def rates(y: np.ndarray) -> np.ndarray:
        r = np.empty((5, y.shape[1]))
        for k in range(5):
            f = np.full(y.shape[1], kf[k])
            for i in reac[k]:
                f = f * y[i]
            b = np.full(y.shape[1], kr[k])
            for i in prod[k]:
                b = b * y[i]
            r[k] = f - b
        return NU @ r

    def fun(xi: np.ndarray, Y: np.ndarray) -> np.ndarray:
        y, dy = Y[:5], Y[5:]
        return np.vstack([dy, -delta ** 2 * rates(y) / D[:, None]])

    def bc(ya: np.ndarray, yb: np.ndarray) -> np.ndarray:
        return np.concatenate([ya[5:] + N * delta / D, yb[:5] - bulk])

    if guess is None:  # pure-diffusion profiles on the cell's graded grid
        xi = cell.domain.x / delta
        y0 = bulk[:, None] + (N * delta / D)[:, None] * (1.0 - xi[None, :])
        y0 = np.maximum(y0, 1e-3 * bulk[:, None])
        Y0 = np.vstack([y0, np.tile((-N * delta / D)[:, None], (1, len(xi)))])
    else:
        xi, Y0 = guess
    sol = solve_bvp(fun, bc, xi, Y0, tol=tol, max_nodes=max_nodes)
    if not sol.success:
        raise RuntimeError(f"solve_bvp: {sol.message}")
    c0 = sol.y[:5, 0]
    surf = {"pH": 3.0 - math.log10(c0[4]), "CO2_mM": c0[0], "HCO3_mM": c0[1], "CO3_mM": c0[2], "OH_mM": c0[3]}
    return surf, (sol.x, sol.y)


def main() -> None:
    """Time and compare both methods; print the numbers."""
    n_rep = 5
    t = time.perf_counter()
    for _ in range(n_rep):
        cell = HCell("0.5 M KHCO3", 100, params=GUPTA2006_PAPER, n_cells=N_CELLS)
        ours = cell.solve(5.0, FE)
    t_solve = (time.perf_counter() - t) / n_rep
    j_lim = ours.co2_limiting_current_mA_cm2
    js = np.linspace(0.5, 0.9 * j_lim, 50)
    t = time.perf_counter()
    cell = HCell("0.5 M KHCO3", 100, params=GUPTA2006_PAPER, n_cells=N_CELLS)
    sweep = cell.sweep(js, FE)
    t_sweep = time.perf_counter() - t
    print(f"Gupta 2006: 0.5 M KHCO3, delta = 100 um, j = 5 mA cm-2, FE {FE}; CO2 limit {j_lim:.4f} mA cm-2")
    print(f"nanocat FV/Newton ({N_CELLS} cells): {t_solve * 1e3:8.1f} ms per solve (incl. bulk + limiting current)")
    print(f"nanocat 50-point sweep:        {t_sweep * 1e3:8.1f} ms", flush=True)

    t = time.perf_counter()
    try:  # the straightforward start: pure-diffusion profiles
        bvp_surface(cell, 5.0, max_nodes=20000)
        cold = f"converged in {time.perf_counter() - t:.2f} s"
    except RuntimeError as exc:
        cold = f"failed after {time.perf_counter() - t:.1f} s ({exc})"

    def seeded(j: float) -> tuple[np.ndarray, np.ndarray]:
        """Our converged profile at j as the BVP's mesh and initial guess."""
        c = HCell("0.5 M KHCO3", 100, params=GUPTA2006_PAPER, n_cells=N_CELLS)
        prof = c.solve(j, FE).profiles
        xi = np.asarray(prof["x_um"]) / 100.0
        y = np.array([prof[f"{s}_mM"] for s in SPECIES])
        return xi, np.vstack([y, np.gradient(y, xi, axis=1)])

    guess5 = seeded(5.0)
    t = time.perf_counter()
    ref, _ = bvp_surface(cell, 5.0, guess5)
    t_bvp = time.perf_counter() - t
    t_bvp_sweep, ref_sweep, failed = 0.0, [], 0
    for j in js:  # every point seeded with our profile (continuation from the previous BVP point is less robust)
        guess = seeded(float(j))
        t = time.perf_counter()
        try:
            s, _ = bvp_surface(cell, float(j), guess)
        except RuntimeError:
            s, failed = None, failed + 1
        t_bvp_sweep += time.perf_counter() - t
        ref_sweep.append(s)

    def rel(a: dict[str, float], b: dict[str, float]) -> float:
        return max(abs(a[k] - b[k]) / abs(b[k]) for k in KEYS)

    d_solve = rel(ours.surface, ref)
    d_sweep = max(rel({k: sweep.surface[k][i] for k in KEYS}, ref_sweep[i]) for i in range(len(js))
                  if ref_sweep[i] is not None)
    fine = HCell("0.5 M KHCO3", 100, params=GUPTA2006_PAPER, n_cells=800).solve(5.0, FE)
    print(f"scipy solve_bvp from pure-diffusion profiles: {cold}")
    print(f"scipy solve_bvp seeded with our solution: {t_bvp * 1e3:8.1f} ms per solve, {t_bvp_sweep * 1e3:8.1f} ms "
          f"per sweep (each point seeded with our profile; {failed} of {len(js)} failed)")
    print(f"speed-up: {t_bvp / t_solve:.1f}x per solve, {t_bvp_sweep / t_sweep:.1f}x per sweep")
    print(f"max relative difference of surface values vs solve_bvp: {d_solve:.2e} (j = 5), "
          f"{d_sweep:.2e} (whole sweep, converged BVP points); with 800 cells: {rel(fine.surface, ref):.2e}")
    print("surface at 5 mA cm-2:", {k: round(v, 6) for k, v in ours.surface.items()})


if __name__ == "__main__":
    main()
