"""Steady state of a mean-field network: batched damped Newton in log-coverage space, continuation, BDF fallback.

The unknowns are x = ln θ for every adsorbate and empty site. Each adsorbate's balance is written in log form,
F_s = ln(production_s) - ln(consumption_s), each a log-sum-exp of log-rates (ln k + orders · x), so a coverage
of 1e-40 costs no more Newton steps than one of 0.5 and nothing under- or overflows; the empty site's row of
each site type is replaced by its site balance ln(Σ n_s θ_s) - ln(total). The Jacobian is analytic (softmax
weights times reaction orders). Many points (potentials, descriptor-grid nodes) are solved at once as one
batch: ``numpy.linalg.solve`` on stacked matrices.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

log = logging.getLogger(__name__)

F_TOL = 1e-11          # |ln P - ln C| and |ln Σθ - ln total|: relative balance residual ~1e-11
RESIDUAL_LIMIT = 1e-10  # relative residual every returned point must meet to count as converged
NONMONOTONE = 10.0     # a full Newton step may raise ‖F‖² this much (a coverage sliding to a tiny value)
MAX_STEP = 8.0          # largest change of any ln θ in one Newton step (e^8 ≈ 3000x)
MAX_BDF_STEPS = 5000    # BDF fallback step cap: a point that needs more is reported unconverged, not left hanging


@dataclass(frozen=True)
class Network:
    """Reaction orders and site structure, as arrays, that the solver needs (built by the model).

    ``Rf``/``Rr``: (steps, species) orders of the forward/reverse rate in each coverage; ``site_of``: site-type
    index of each species; ``empty``: index of the empty site of each site type; ``n_sites``: sites each species
    occupies; ``totals``: site totals per type.
    """

    Rf: np.ndarray
    Rr: np.ndarray
    site_of: np.ndarray
    empty: np.ndarray
    n_sites: np.ndarray
    totals: np.ndarray

    def __post_init__(self) -> None:
        """Precompute log-coefficient matrices used by every residual evaluation."""
        net = self.Rr - self.Rf  # (M, N): net production of each species by each forward step
        with np.errstate(divide="ignore"):
            prod = np.hstack([np.clip(net, 0, None).T, np.clip(-net, 0, None).T])  # (N, 2M) over [fwd, rev]
            cons = np.hstack([np.clip(-net, 0, None).T, np.clip(net, 0, None).T])
            object.__setattr__(self, "_ln_prod_cons", np.log(np.vstack([prod, cons])))
            member = self.site_of[None, :] == np.arange(len(self.totals))[:, None]  # (T, N)
            object.__setattr__(self, "_ln_member", np.where(member, np.log(self.n_sites)[None, :], -np.inf))
        object.__setattr__(self, "_R_all", np.vstack([self.Rf, self.Rr]))  # (2M, N)
        object.__setattr__(self, "_ln_totals", np.log(self.totals))
        object.__setattr__(self, "_x_max", np.log(self.totals[self.site_of] / self.n_sites))

    @property
    def n_species(self) -> int:
        """Number of unknown coverages (adsorbates and empty sites)."""
        return int(self.Rf.shape[1])

    def initial_guess(self, n_points: int) -> np.ndarray:
        """ln θ with every site type's total shared equally among its species (P, N)."""
        counts = np.bincount(self.site_of, minlength=len(self.totals))
        theta = self.totals[self.site_of] / counts[self.site_of] / self.n_sites
        return np.tile(np.log(theta), (n_points, 1))

    def other_starts(self) -> list[np.ndarray]:
        """Further Newton starts (ln θ): nearly empty sites, then each adsorbate filling its site type."""
        starts = []
        for dominant in [*self.empty, *(i for i in range(self.n_species) if i not in set(self.empty))]:
            theta = np.full(self.n_species, 1e-6)
            theta[dominant] = 1.0
            starts.append(self.project(np.log(theta)[None, :])[0])
        return starts

    def residual(self, x: np.ndarray, lkf: np.ndarray, lkr: np.ndarray, jacobian: bool = True,
                 full: bool = False, dominant: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """Log-balance residual F and its Jacobian dF/dx (P, N, N) at x = ln θ.

        On each site type one species balance is redundant (steps conserve sites) and is replaced by the site
        balance: the empty site's, or with ``dominant`` the most abundant species' (whose near-cancelling
        fluxes then never decide a step: the better-conditioned choice when a species fills the sites). With
        ``full`` the result is every species balance followed by every site balance, (P, N + T), no Jacobian.
        """
        L = np.concatenate([lkf + x @ self.Rf.T, lkr + x @ self.Rr.T], axis=1)  # (P, 2M) log-rates
        n = self.Rf.shape[1]
        lnPC, W = _lse(L[:, None, :] + self._ln_prod_cons[None], jacobian and not full)
        F = lnPC[:, :n] - lnPC[:, n:]  # production rows, then consumption rows
        weighted = x[:, None, :] + self._ln_member[None]  # (P, T, N): ln(n_s θ_s) on each site type
        lnS, Ws = _lse(weighted, jacobian and not full)
        site = lnS - self._ln_totals
        if full:
            return np.concatenate([F, site], axis=1), None
        rows = weighted.argmax(axis=2) if dominant else np.broadcast_to(self.empty, (len(x), len(self.empty)))
        pts = np.arange(len(x))[:, None]
        F[pts, rows] = site
        if not jacobian:
            return F, None
        J = (W[:, :n] - W[:, n:]) @ self._R_all  # type: ignore[index]
        J[pts, rows, :] = Ws
        return F, J

    def project(self, x: np.ndarray) -> np.ndarray:
        """Shift ln θ of each site type's species together so that its site balance holds exactly."""
        lnS, _ = _lse(x[:, None, :] + self._ln_member[None], False)  # (P, T)
        return x - (lnS - self._ln_totals)[:, self.site_of]

    def rates(self, x: np.ndarray, lkf: np.ndarray, lkr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Forward and reverse rates (P, M), 1/s per site, at x = ln θ."""
        return np.exp(lkf + x @ self.Rf.T), np.exp(lkr + x @ self.Rr.T)


def _lse(T: np.ndarray, weights: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """log Σ exp over the last axis (−inf terms allowed) and the softmax weights."""
    m = T.max(axis=-1)
    m = np.where(np.isfinite(m), m, 0.0)
    E = np.exp(T - m[..., None])
    S = E.sum(axis=-1)
    with np.errstate(divide="ignore"):
        out = m + np.log(S)
    if not weights:
        return out, None
    return out, E / np.where(S > 0, S, 1.0)[..., None]


def relative_residual(F: np.ndarray) -> np.ndarray:
    """Largest relative balance error per point: |P - C| / max(P, C) and |Σθ - total| / total."""
    r = -np.expm1(-np.abs(F))  # F = ln(a/b): |a - b| / max(a, b) = 1 - exp(-|F|)
    return np.where(np.isnan(r), np.inf, r).max(axis=1)


def _solve_linear(J: np.ndarray, F: np.ndarray) -> np.ndarray:
    """Newton steps -J⁻¹F for a batch; singular points fall back to least squares one by one."""
    try:
        return -np.linalg.solve(J, F[..., None])[..., 0]
    except np.linalg.LinAlgError:
        out = np.empty_like(F)
        for i in range(len(F)):
            out[i] = -np.linalg.lstsq(J[i], F[i], rcond=None)[0]
        return out


def newton(net: Network, lkf: np.ndarray, lkr: np.ndarray, x0: np.ndarray, max_iter: int = 100,
           dominant: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Damped Newton (step cap, backtracking on ‖F‖²) for a batch; returns ln θ and ‖F‖∞ per point."""
    x = x0.copy()
    F, J = net.residual(x, lkf, lkr, dominant=dominant)
    err = np.abs(F).max(axis=1)
    err = np.where(np.isfinite(err), err, np.inf)
    active = np.flatnonzero(err > F_TOL)
    Ja = J[active]
    for _ in range(max_iter):
        if active.size == 0:
            break
        xa, fa, ka, ra = x[active], F[active], lkf[active], lkr[active]
        dx = _solve_linear(Ja, fa)
        dx = np.where(np.isfinite(dx), dx, 0.0)
        big = np.abs(dx).max(axis=1, keepdims=True)
        dx *= np.minimum(1.0, MAX_STEP / np.maximum(big, 1e-300))
        norm0 = (fa ** 2).sum(axis=1)
        lam = np.ones(len(active))
        x_new, f_new, j_new = xa.copy(), fa.copy(), Ja.copy()
        pending = np.arange(len(active))
        for attempt in range(12):  # backtracking, only on the points whose residual did not drop
            trial = net.project(xa[pending] + lam[pending, None] * dx[pending])
            ft, jt = net.residual(trial, ka[pending], ra[pending], dominant=dominant)
            nt = (ft ** 2).sum(axis=1)
            ok = np.isfinite(nt) & (nt <= (NONMONOTONE if attempt == 0 else 1 - 1e-4 * lam[pending]) * norm0[pending])
            if attempt == 11:  # accept the smallest step rather than stall
                ok = np.isfinite(nt)
            idx = pending[ok]
            x_new[idx], f_new[idx], j_new[idx] = trial[ok], ft[ok], jt[ok]
            pending = pending[~ok]
            if pending.size == 0:
                break
            lam[pending] *= 0.5
        x[active], F[active] = x_new, f_new
        e = np.abs(f_new).max(axis=1)
        err[active] = np.where(np.isfinite(e), e, np.inf)
        stalled = np.abs(x_new - xa).max(axis=1) < 1e-15
        keep = (err[active] > F_TOL) & ~stalled
        active, Ja = active[keep], j_new[keep]
    return x, err


def integrate(net: Network, lkf: np.ndarray, lkr: np.ndarray, x0: np.ndarray, t_end_s: float = 1e12,
              max_steps: int = MAX_BDF_STEPS) -> np.ndarray:
    """Stiff BDF integration (scipy) of dθ/dt from θ0 = exp(x0) for one point, up to t_end_s (s) or max_steps; ln θ."""
    from scipy.integrate import BDF

    kf, kr = np.exp(lkf), np.exp(lkr)
    net_st = (net.Rr - net.Rf).T  # (N, M)

    def rates(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        th = np.clip(theta, 0.0, None)
        return kf * np.prod(th[None, :] ** net.Rf, axis=1), kr * np.prod(th[None, :] ** net.Rr, axis=1)

    def rhs(_t: float, theta: np.ndarray) -> np.ndarray:
        rf, rr = rates(theta)
        return net_st @ (rf - rr)

    def jac(_t: float, theta: np.ndarray) -> np.ndarray:
        th = np.clip(theta, 1e-300, None)
        rf, rr = rates(theta)
        d = (rf[:, None] * net.Rf - rr[:, None] * net.Rr) / th[None, :]
        return net_st @ d

    # stepped by hand, with a cap: a pathological model must end as "not converged", never hang the sweep
    solver = BDF(rhs, 0.0, np.exp(x0), t_end_s, jac=jac, rtol=1e-8, atol=1e-20)
    for _ in range(max_steps):
        if solver.status != "running":
            break
        solver.step()
    theta = np.clip(solver.y, 1e-300, None)
    return np.log(theta)


@dataclass(frozen=True)
class SteadyState:
    """Solver output for a batch: ln θ (P, N), relative residual and converged flag per point, method used."""

    ln_theta: np.ndarray
    residual: np.ndarray
    converged: np.ndarray
    method: tuple[str, ...]


def steady_state(net: Network, lkf: np.ndarray, lkr: np.ndarray, coords: np.ndarray | None = None,
                 x0: np.ndarray | None = None) -> SteadyState:
    """Solve a batch of points with continuation over ``coords`` (grid indices, (P, d)) and a BDF fallback.

    1. Newton for every point from ``x0`` (default: sites shared equally).
    2. Points left unconverged restart from the nearest converged point's solution (continuation; ties go to
       the lower index, so the answer does not depend on anything but the input), until no more converge.
    3. Points still left restart from fixed starts: nearly empty sites, then each adsorbate filling its sites.
    4. Then Newton with the site balance in place of the most abundant species' balance (see ``residual``).
    5. Any still left: BDF integration towards steady state, then Newton polishing.
    6. Every point's relative residual is checked; ``converged`` is False where it exceeds 1e-10.
    """
    P = lkf.shape[0]
    coords = np.arange(P, dtype=float)[:, None] if coords is None else np.asarray(coords, float).reshape(P, -1)
    x = net.initial_guess(P) if x0 is None else x0.copy()
    method = np.array(["newton"] * P, dtype=object)
    x, err = newton(net, lkf, lkr, x)
    done = err <= F_TOL
    while not done.all() and done.any():
        todo = np.flatnonzero(~done)
        ok = np.flatnonzero(done)
        d = np.abs(coords[todo][:, None, :] - coords[ok][None, :, :]).sum(axis=2)
        start = ok[np.argmin(d, axis=1)]  # argmin takes the first (lowest index) among ties
        xt, et = newton(net, lkf[todo], lkr[todo], x[start])
        better = et <= F_TOL
        if not better.any():
            break
        x[todo[better]], err[todo[better]] = xt[better], et[better]
        method[todo[better]] = "newton+continuation"
        done = err <= F_TOL
    for start in net.other_starts():  # other starting points, in a fixed order: empty surface, each species dominant
        todo = np.flatnonzero(~done)
        if todo.size == 0:
            break
        xt, et = newton(net, lkf[todo], lkr[todo], np.tile(start, (todo.size, 1)))
        better = et <= F_TOL
        x[todo[better]], err[todo[better]] = xt[better], et[better]
        method[todo[better]] = "newton+restart"
        done = err <= F_TOL
    todo = np.flatnonzero(~done)
    if todo.size:
        xt, et = newton(net, lkf[todo], lkr[todo], net.initial_guess(todo.size), max_iter=400, dominant=True)
        better = et <= F_TOL
        x[todo[better]], err[todo[better]] = xt[better], et[better]
        method[todo[better]] = "newton-dominant-rows"
        done = err <= F_TOL
    for i in np.flatnonzero(~done):
        xi = integrate(net, lkf[i], lkr[i], net.initial_guess(1)[0])
        xp, ep = newton(net, lkf[i:i + 1], lkr[i:i + 1], xi[None, :], max_iter=200)
        if ep[0] < err[i] or not np.isfinite(err[i]):
            x[i], err[i] = xp[0], ep[0]
        method[i] = "bdf+newton"
        log.info("point %d: Newton stalled; BDF + polish gives |F| = %.2e", i, err[i])
    # each set of rows (empty-site or most-abundant balance replaced) is a complete statement of steady state
    res = np.minimum(relative_residual(net.residual(x, lkf, lkr, jacobian=False)[0]),
                     relative_residual(net.residual(x, lkf, lkr, jacobian=False, dominant=True)[0]))
    return SteadyState(x, res, res < RESIDUAL_LIMIT, tuple(method))
