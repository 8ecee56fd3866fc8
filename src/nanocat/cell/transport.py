"""1-D steady reaction-diffusion of the carbonate system: vertex-centred finite volumes, Newton on ln c.

Nodes x_0 = 0 (electrode or gas side) ... x_N = outer edge (bulk, fixed); node k owns the control volume
between the mid-points to its neighbours. For species i at node k

    J_{k-1/2,i} - J_{k+1/2,i} + V_k Σ_r ν_ir r_r(c_k) + S_{k,i} = 0,   J_{k+1/2,i} = -D_i (c_{k+1,i} - c_{k,i}) / h,

with J_{-1/2} the electrode flux (H-cell) or zero (GDE), V_k the liquid volume of the control volume
(porosity in a catalyst layer) and S a volumetric electrode source (GDE). Unknowns are u = ln c (mol m⁻³), so
concentrations stay positive through Newton; the Jacobian is analytic and sparse (block tridiagonal, plus
one bordered row/column for an extra unknown such as the current at the CO2 limit).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.linalg import solve_banded
from scipy.optimize import brentq

from nanocat.cell.parameters import SPECIES, CellParameters
from nanocat.errors import EngineError, InputError

S = len(SPECIES)
I_CO2, I_HCO3, I_CO3, I_OH, I_H = range(S)

# Reactant and product index lists of R1..R5 (see nanocat.cell.parameters), water omitted.
_REACTANTS = ((I_CO2, I_OH), (I_HCO3, I_OH), (I_CO2,), (I_HCO3,), ())
_PRODUCTS = ((I_HCO3,), (I_CO3,), (I_HCO3, I_H), (I_CO3, I_H), (I_H, I_OH))
NU = np.zeros((S, 5))
for _r, (_re, _pr) in enumerate(zip(_REACTANTS, _PRODUCTS, strict=True)):
    for _i in _re:
        NU[_i, _r] -= 1
    for _i in _pr:
        NU[_i, _r] += 1


def rate_constants_SI(p: CellParameters) -> tuple[np.ndarray, np.ndarray]:
    """Forward and backward constants of R1..R5 in mol m⁻³ and s units (M⁻¹ -> m³ mol⁻¹: /1000)."""
    k3r = p.k3f_s / p.Ka1_M
    k4f = p.k4r_M_s * p.Ka2_M
    kwf = p.kwr_M_s * p.Kw_M2
    kf = np.array([p.k1f_M_s / 1e3, p.k2f_M_s / 1e3, p.k3f_s, k4f, kwf * 1e3])
    kr = np.array([p.k1r_s, p.k2r_s, k3r / 1e3, p.k4r_M_s / 1e3, p.kwr_M_s / 1e3])
    return kf, kr


def graded_nodes(length_m: float, n_cells: int, first_m: float, last_m: float | None = None) -> np.ndarray:
    """Node positions 0..length (m), n_cells intervals growing geometrically from ``first_m`` at x = 0.

    With ``last_m`` the grid is graded at both ends: interval k is min(first r^k, last r^(n-1-k)) with one ratio
    r, so cells shrink again towards x = length (the bulk edge of a boundary layer, where the profiles have a kink).
    """
    if n_cells < 2 or not (0 < first_m < length_m):
        raise InputError(f"grid: need >= 2 cells and 0 < first cell ({first_m} m) < length ({length_m} m)")
    if last_m is not None and not (0 < last_m < length_m):
        raise InputError(f"grid: need 0 < last cell ({last_m} m) < length ({length_m} m)")
    if last_m is None:   # one-sided: the last cell is whatever it comes to
        last_m = math.inf
    if first_m * n_cells >= length_m:
        return np.linspace(0.0, length_m, n_cells + 1)
    k = np.arange(n_cells)

    def widths(r: float) -> np.ndarray:
        return np.minimum(first_m * r ** k, last_m * r ** (n_cells - 1 - k))

    # the total grows monotonically with r; widen the bracket until it spans the length (inner cells grow without
    # bound, so any n >= 3 gets there; two cells cannot exceed first + last)
    upper = (length_m / first_m) ** (1.0 / (n_cells - 1)) + 1e-9
    for _ in range(64):
        if widths(upper).sum() >= length_m:
            break
        upper *= 2.0
    else:
        raise InputError(f"grid: {n_cells} cells of at most {first_m} m and {last_m} m at the ends cannot span "
                         f"{length_m} m")
    r = brentq(lambda q: float(widths(q).sum()) - length_m, 1.0 + 1e-12, upper, xtol=1e-14)
    x = np.concatenate([[0.0], np.cumsum(widths(r))])
    x[-1] = length_m
    return x


def refine(x: np.ndarray) -> np.ndarray:
    """Halve every cell (insert mid-points)."""
    mid = 0.5 * (x[:-1] + x[1:])
    out = np.empty(2 * len(x) - 1)
    out[0::2], out[1::2] = x, mid
    return out


@dataclass
class Domain:
    """Discretised 1-D domain: nodes, per-interval diffusivities and porosity, bulk values at the last node."""

    x: np.ndarray                # (N+1,) m; node N is the fixed bulk edge
    D: np.ndarray                # (N, S) m² s⁻¹ per interval (effective in a porous layer)
    porosity: np.ndarray         # (N,) liquid fraction per interval
    electrode: np.ndarray        # (N,) 1 where the interval is catalyst layer (volumetric source), else 0
    bulk: np.ndarray             # (S,) mol m⁻³

    def __post_init__(self) -> None:
        h = np.diff(self.x)
        self.h = h
        n = len(h)
        half = 0.5 * h
        self.vol = np.zeros(n)                    # liquid volume per node (m³ per m² of electrode)
        self.vol[:n] += half * self.porosity
        self.vol[1:] += half[:n - 1] * self.porosity[:n - 1]
        self.cl = np.zeros(n)                     # catalyst-layer volume per node
        self.cl[:n] += half * self.electrode
        self.cl[1:] += half[:n - 1] * self.electrode[:n - 1]
        self.G = self.D / h[:, None]              # conductances (N, S), m s⁻¹


class Assembler:
    """Residual and sparse Jacobian of the discrete equations on a :class:`Domain`."""

    def __init__(self, domain: Domain, params: CellParameters, reactions: bool = True) -> None:
        self.dom = domain
        self.kf, self.kr = rate_constants_SI(params)
        if not reactions:
            self.kf, self.kr = self.kf * 0.0, self.kr * 0.0
        self.n = len(domain.h)

    def rates(self, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Net rates (n, R) and their derivatives d r / d ln c_l (n, R, S), mol m⁻³ s⁻¹."""
        n = c.shape[0]
        fwd = np.empty((n, 5))
        bwd = np.empty((n, 5))
        dr = np.zeros((n, 5, S))
        for r in range(5):
            f = np.full(n, self.kf[r])
            for i in _REACTANTS[r]:
                f = f * c[:, i]
            b = np.full(n, self.kr[r])
            for i in _PRODUCTS[r]:
                b = b * c[:, i]
            fwd[:, r], bwd[:, r] = f, b
            for i in _REACTANTS[r]:
                dr[:, r, i] += f
            for i in _PRODUCTS[r]:
                dr[:, r, i] -= b
        return fwd - bwd, dr

    def assemble(self, u: np.ndarray, left_flux: np.ndarray, source: np.ndarray | None = None,
                 d_source_du: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Residual F (n*S,) and banded Jacobian dF/du (LAPACK ``ab`` layout, S sub- and super-diagonals).

        ``u``: nodal ln c (n, S); ``left_flux``: electrode production at x = 0 (S,), mol m⁻² s⁻¹; ``source``:
        volumetric electrode source per node (n, S) and ``d_source_du`` its derivative within the node (n, S, S).
        """
        dom = self.dom
        c = np.exp(u)
        cn = np.vstack([c, dom.bulk[None, :]])
        J = -dom.G * (cn[1:] - cn[:-1])           # (n, S) flux through the right face of each node
        F = -J.copy()
        F[1:] += J[:-1]
        F[0] += left_flux
        rate, dr = self.rates(c)
        F += dom.vol[:, None] * (rate @ NU.T)
        block = dom.vol[:, None, None] * np.einsum("ir,nrl->nil", NU, dr)   # (n, S, S), d/d ln c
        diag = np.zeros((self.n, S))
        diag -= dom.G                              # -dJ_right/dc_k = -G
        diag[1:] -= dom.G[:-1]                     # +dJ_left/dc_k = -G
        idx = np.arange(S)
        block[:, idx, idx] += diag * c
        if source is not None:
            F += source
            if d_source_du is not None:
                block += d_source_du
        ab = np.zeros((2 * S + 1, self.n * S))
        for i in range(S):
            for l in range(S):
                ab[S + i - l, l::S] = block[:, i, l]
        ab[0, S:] = (dom.G[:-1] * c[1:]).ravel()   # dF_k/d ln c_{k+1}
        ab[2 * S, :-S] = (dom.G[:-1] * c[:-1]).ravel()  # dF_{k+1}/d ln c_k
        return F.ravel(), ab

    def to_sparse(self, ab: np.ndarray) -> sp.csr_matrix:
        """The banded Jacobian as a scipy.sparse matrix (for checks and for other solvers)."""
        m = ab.shape[1]
        rows, cols, vals = [], [], []
        for band in range(2 * S + 1):
            c = np.arange(max(0, S - band), min(m, m + S - band))
            rows.append(c - S + band)
            cols.append(c)
            vals.append(ab[band, c])
        return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(m, m))

    def face_fluxes(self, u: np.ndarray) -> np.ndarray:
        """Fluxes (n, S) through the right face of every node, mol m⁻² s⁻¹ (positive towards the bulk)."""
        c = np.vstack([np.exp(u), self.dom.bulk[None, :]])
        return -self.dom.G * (c[1:] - c[:-1])


Border = tuple[np.ndarray, np.ndarray, float]


def _row_max(ab: np.ndarray) -> np.ndarray:
    """Largest |entry| of every row of a banded matrix (ab layout, S sub/super-diagonals)."""
    m = ab.shape[1]
    out = np.zeros(m)
    for band in range(2 * S + 1):
        cols = np.arange(max(0, S - band), min(m, m + S - band))
        rows = cols - S + band
        out[rows] = np.maximum(out[rows], np.abs(ab[band, cols]))
    return out


def bordered_solve(ab: np.ndarray, F: np.ndarray, border: Border | None) -> np.ndarray:
    """Solve J dz = -F for a banded J, optionally bordered by one column b, row c and corner d (Schur)."""
    m = ab.shape[1]
    scale = _row_max(ab)
    scale = np.where(scale > 0, scale, 1.0)
    cols = np.arange(m)
    abs_ = ab.copy()
    for band in range(2 * S + 1):   # row scaling: entry (r, c) lives at ab[S + r - c, c]
        rows = cols - S + band
        ok = (rows >= 0) & (rows < m)
        abs_[band, ok] /= scale[rows[ok]]
    if border is None:
        return solve_banded((S, S), abs_, -F / scale, overwrite_ab=True, check_finite=False)
    b, c, d = border
    rhs = np.column_stack([-F[:m] / scale, b / scale])
    X = solve_banded((S, S), abs_, rhs, overwrite_ab=True, check_finite=False)
    y = (-F[m] - c @ X[:, 0]) / (d - c @ X[:, 1])
    return np.concatenate([X[:, 0] - X[:, 1] * y, [y]])


def newton(fun: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, Border | None]], z0: np.ndarray, *,
           tol: float = 1e-11, max_iter: int = 60, max_step: float = 2.0) -> tuple[np.ndarray, int]:
    """Damped Newton: steps capped at ``max_step`` in ln c; converged when the largest step < ``tol``."""
    z = z0.copy()
    step = math.inf
    for it in range(1, max_iter + 1):
        F, ab, border = fun(z)
        if not np.all(np.isfinite(F)):
            raise EngineError("transport solve: non-finite residual")
        try:
            dz = bordered_solve(ab, F, border)
        except (np.linalg.LinAlgError, ValueError) as exc:
            raise EngineError(f"transport solve: singular Jacobian ({exc})") from None
        if not np.all(np.isfinite(dz)):
            raise EngineError("transport solve: singular Jacobian")
        step = float(np.max(np.abs(dz)))
        z = z + dz * min(1.0, max_step / step) if step > 0 else z
        if step < tol:
            return z, it
    raise EngineError(f"transport solve: Newton did not converge in {max_iter} iterations (last step {step:.2e})")


def log_floor(bulk: np.ndarray) -> np.ndarray:
    """ln of bulk concentrations (mol m⁻³), the starting guess of every solve."""
    return np.log(np.maximum(bulk, 1e-300))
