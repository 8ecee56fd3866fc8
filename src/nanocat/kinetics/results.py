"""From steady states to observables: TOF per product, coverages, partial currents, FE, Tafel slopes, DRC.

Net step rates are taken from the steady-state flux space: the computed net rates r̂ are projected onto the
null space of the coverage stoichiometry, weighting each step by its gross rate (r_f + r_r). A fast,
quasi-equilibrated step then cannot smear rounding noise (1e-16 of a huge gross rate) into the product TOF,
which the slow steps fix to full precision.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.constants import elementary_charge

from nanocat._version import __version__
from nanocat.errors import InputError

if TYPE_CHECKING:
    from nanocat.kinetics.model import MicrokineticModel

DRC_STEP = 1e-3  # ln k perturbation of the central difference for the degree of rate control


def _name(token: str) -> str:
    """Product name without the gas-site suffix (``CO_g`` -> ``CO``)."""
    return token.rsplit("_", 1)[0]


def net_rates(model: MicrokineticModel, ln_theta: np.ndarray, lkf: np.ndarray, lkr: np.ndarray) -> np.ndarray:
    """Net step rates (P, M), 1/s per site, projected on the steady-state flux space (see module docstring)."""
    rf, rr = model.network.rates(ln_theta, lkf, lkr)
    r_hat = rf - rr
    N = model._arrays["null_space"]
    if N.shape[1] == 0:
        return np.zeros_like(r_hat)
    g = rf + rr
    g = np.maximum(g, g.max(axis=1, keepdims=True) * 1e-100 + 1e-300)
    A = N[None, :, :] / g[:, :, None]  # (P, M, k): rows of slow steps dominate the fit
    col = np.linalg.norm(A, axis=1, keepdims=True)
    col = np.where(col > 0, col, 1.0)
    c = (np.linalg.pinv(A / col, rcond=1e-13) @ (r_hat / g)[..., None])[..., 0] / col[:, 0, :]
    return c @ N.T


def observables(model: MicrokineticModel, rates: np.ndarray) -> dict[str, np.ndarray]:
    """TOF per product (1/s per site), partial current densities (mA cm⁻², cathodic negative), FE (%)."""
    tof = rates @ model._arrays["product_stoich"].T  # (P, n_products)
    n = np.asarray(model.product_electrons, float)
    j = -tof * n * elementary_charge * model.site_density_per_cm2 * 1e3
    charge = np.clip(tof, 0, None) * n  # electrons per site per second going into each product made
    total = charge.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        fe = np.where(total > 0, 100.0 * charge / total, np.nan)
    j_total = -(rates @ model._arrays["n_e"]) * elementary_charge * model.site_density_per_cm2 * 1e3
    return {"tof": tof, "j": j, "fe": fe, "j_total": j_total}


def tafel_slopes(potential_V: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Tafel slope |dU / d log10|j|| (mV dec⁻¹) along a polarisation curve; NaN where undefined."""
    if len(potential_V) < 2:
        return np.full(np.shape(j), np.nan)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        logj = np.log10(np.abs(j))
        slope = np.gradient(logj, potential_V, axis=0)
        out = 1e3 / np.abs(slope)
    return np.where(np.isfinite(out), out, np.nan)


@dataclass(frozen=True)
class KineticsResult:
    """A potential sweep: every observable per potential (V on ``scale``), the solver's checks alongside."""

    potential_V: tuple[float, ...]
    scale: str
    pH: float
    tof_per_s: Mapping[str, tuple[float, ...]]
    coverages: Mapping[str, tuple[float, ...]]
    fe_percent: Mapping[str, tuple[float | None, ...]]
    j_partial_mA_cm2: Mapping[str, tuple[float, ...]]
    tafel_mV_dec: Mapping[str, tuple[float | None, ...]]
    j_total_mA_cm2: tuple[float, ...]
    converged: tuple[bool, ...]
    residuals: tuple[float, ...]
    solver: tuple[str, ...]
    rate_control: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    rate_determining_step: tuple[str | None, ...] = ()
    site_density_per_cm2: float = 0.0
    temperature_K: float = 298.15
    source: str = ""
    nanocat_version: str = __version__

    @property
    def max_residual(self) -> float:
        """Largest relative steady-state residual over the sweep."""
        return float(max(self.residuals)) if self.residuals else 0.0

    @property
    def all_converged(self) -> bool:
        """True when every point met the residual limit (1e-10 relative)."""
        return all(self.converged)

    def as_dict(self) -> dict[str, Any]:
        """The CLI's JSON document (keys of issue 7) plus j_total, residuals, solver, DRC and RDS."""
        return {"potential_V": list(self.potential_V), "scale": self.scale, "pH": self.pH,
                "tof_per_s": {k: list(v) for k, v in self.tof_per_s.items()},
                "coverages": {k: list(v) for k, v in self.coverages.items()},
                "fe_percent": {k: list(v) for k, v in self.fe_percent.items()},
                "j_partial_mA_cm2": {k: list(v) for k, v in self.j_partial_mA_cm2.items()},
                "tafel_mV_dec": {k: list(v) for k, v in self.tafel_mV_dec.items()},
                "converged": list(self.converged), "max_residual": self.max_residual,
                "j_total_mA_cm2": list(self.j_total_mA_cm2), "residuals": list(self.residuals),
                "solver": list(self.solver), "rate_control": {k: list(v) for k, v in self.rate_control.items()},
                "rate_determining_step": list(self.rate_determining_step),
                "site_density_per_cm2": self.site_density_per_cm2, "temperature_K": self.temperature_K,
                "source": self.source, "nanocat_version": self.nanocat_version}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> KineticsResult:
        """Rebuild from :meth:`as_dict` output."""
        def tup(v: Sequence[Any]) -> tuple:
            return tuple(v)

        def maps(key: str) -> dict[str, tuple]:
            return {k: tup(v) for k, v in d.get(key, {}).items()}

        return cls(tup(d["potential_V"]), d["scale"], float(d["pH"]), maps("tof_per_s"), maps("coverages"),
                   maps("fe_percent"), maps("j_partial_mA_cm2"), maps("tafel_mV_dec"), tup(d["j_total_mA_cm2"]),
                   tuple(bool(c) for c in d["converged"]), tup(d["residuals"]), tup(d["solver"]),
                   maps("rate_control"), tup(d.get("rate_determining_step", ())),
                   float(d.get("site_density_per_cm2", 0.0)), float(d.get("temperature_K", 298.15)),
                   str(d.get("source", "")), str(d.get("nanocat_version", __version__)))


def _nan_to_none(values: np.ndarray) -> tuple[float | None, ...]:
    """Floats with NaN as None (JSON null)."""
    return tuple(None if not np.isfinite(v) else float(v) for v in values)


def _rate_control(model: MicrokineticModel, u: np.ndarray, x: np.ndarray, lkf: np.ndarray,
                  lkr: np.ndarray) -> np.ndarray:
    """Degree of rate control (P, M) of the total reduction current: d ln|j| / d ln k_i at fixed K_i."""
    from nanocat.kinetics.solver import newton

    P, M = lkf.shape
    out = np.full((P, M), np.nan)
    base = np.abs(observables(model, net_rates(model, x, lkf, lkr))["j_total"])
    for i in range(M):
        vals = []
        for sign in (1.0, -1.0):
            df = lkf.copy()
            dr = lkr.copy()
            df[:, i] += sign * DRC_STEP
            dr[:, i] += sign * DRC_STEP
            xi, _ = newton(model.network, df, dr, x)
            vals.append(np.abs(observables(model, net_rates(model, xi, df, dr))["j_total"]))
        with np.errstate(divide="ignore", invalid="ignore"):
            out[:, i] = np.where(base > 0, (np.log(vals[0]) - np.log(vals[1])) / (2 * DRC_STEP), np.nan)
    return out


def sweep_result(model: MicrokineticModel, u: np.ndarray, rate_control: bool = False) -> KineticsResult:
    """Solve along potentials ``u`` (V on the model's scale) and collect every observable."""
    if u.ndim != 1 or u.size == 0 or not np.all(np.isfinite(u)):
        raise InputError("potentials must be a non-empty list of finite numbers (V)")
    ss, lkf, lkr = model.steady_state(u)
    rates = net_rates(model, ss.ln_theta, lkf, lkr)
    obs = observables(model, rates)
    names = [_name(p) for p in model.products]
    order = np.argsort(u, kind="stable")
    tafel = np.full_like(obs["j"], np.nan)
    if len(u) > 1:
        tafel[order] = tafel_slopes(u[order], obs["j"][order])
    theta = np.exp(ss.ln_theta)
    drc: dict[str, tuple[float, ...]] = {}
    rds: tuple[str | None, ...] = ()
    if rate_control:
        X = _rate_control(model, u, ss.ln_theta, lkf, lkr)
        drc = {label: _nan_to_none(X[:, i]) for i, label in enumerate(model.labels)}  # type: ignore[misc]
        best = np.nanargmax(np.where(np.isfinite(X), X, -np.inf), axis=1)
        rds = tuple(model.labels[b] if np.isfinite(X[p, b]) else None for p, b in enumerate(best))
    return KineticsResult(
        tuple(float(v) for v in u), model.scale, model.pH,
        {n: tuple(float(v) for v in obs["tof"][:, k]) for k, n in enumerate(names)},
        {s: tuple(float(v) for v in theta[:, k]) for k, s in enumerate(model.species)},
        {n: _nan_to_none(obs["fe"][:, k]) for k, n in enumerate(names)},
        {n: tuple(float(v) for v in obs["j"][:, k]) for k, n in enumerate(names)},
        {n: _nan_to_none(tafel[:, k]) for k, n in enumerate(names)},
        tuple(float(v) for v in obs["j_total"]), tuple(bool(c) for c in ss.converged),
        tuple(float(r) for r in ss.residual), ss.method, drc, rds, model.site_density_per_cm2,
        model.temperature_K, model.source)


@dataclass(frozen=True)
class KineticsMap:
    """Steady states on a 2-D descriptor grid: arrays shaped (len(y), len(x))."""

    x_name: str
    x_values: tuple[float, ...]
    y_name: str
    y_values: tuple[float, ...]
    potential_V: float
    scale: str
    tof_per_s: Mapping[str, np.ndarray]
    fe_percent: Mapping[str, np.ndarray]
    j_partial_mA_cm2: Mapping[str, np.ndarray]
    coverages: Mapping[str, np.ndarray]
    converged: np.ndarray
    residuals: np.ndarray

    @property
    def max_residual(self) -> float:
        """Largest relative residual over the grid."""
        return float(self.residuals.max())

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON: nested lists (rows = y)."""
        def lists(m: Mapping[str, np.ndarray]) -> dict[str, list]:
            return {k: np.where(np.isfinite(v), v, np.nan).tolist() for k, v in m.items()}

        return {"x": {"name": self.x_name, "values": list(self.x_values)},
                "y": {"name": self.y_name, "values": list(self.y_values)}, "potential_V": self.potential_V,
                "scale": self.scale, "tof_per_s": lists(self.tof_per_s), "fe_percent": lists(self.fe_percent),
                "j_partial_mA_cm2": lists(self.j_partial_mA_cm2), "coverages": lists(self.coverages),
                "converged": self.converged.tolist(), "residuals": self.residuals.tolist(),
                "max_residual": self.max_residual}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> KineticsMap:
        """Rebuild from :meth:`as_dict` output."""
        def arrays(key: str) -> dict[str, np.ndarray]:
            return {k: np.array(v, dtype=float) for k, v in d[key].items()}

        return cls(d["x"]["name"], tuple(d["x"]["values"]), d["y"]["name"], tuple(d["y"]["values"]),
                   float(d["potential_V"]), d["scale"], arrays("tof_per_s"), arrays("fe_percent"),
                   arrays("j_partial_mA_cm2"), arrays("coverages"), np.array(d["converged"], bool),
                   np.array(d["residuals"], float))


def map_result(model: MicrokineticModel, x: tuple[str, Sequence[float]], y: tuple[str, Sequence[float]],
               potential_V: float = 0.0) -> KineticsMap:
    """Solve on the grid x × y; a descriptor is ``"U"`` (V on the model's scale) or a token's free energy (eV)."""
    (xn, xv), (yn, yv) = x, y
    xv, yv = np.asarray(xv, float), np.asarray(yv, float)
    if xn == yn:
        raise InputError(f"the two map descriptors must differ (both {xn!r})")
    XX, YY = np.meshgrid(xv, yv)
    u = np.full(XX.size, float(potential_V))
    energies: dict[str, np.ndarray] = {}
    for name, values in ((xn, XX.ravel()), (yn, YY.ravel())):
        if name == "U":
            u = values.copy()
        else:
            energies[name] = values
    iy, ix = np.meshgrid(np.arange(len(yv)), np.arange(len(xv)), indexing="ij")
    ss, lkf, lkr = model.steady_state(u, energies, coords=np.column_stack([iy.ravel(), ix.ravel()]))
    obs = observables(model, net_rates(model, ss.ln_theta, lkf, lkr))
    shape = XX.shape
    names = [_name(p) for p in model.products]
    theta = np.exp(ss.ln_theta)
    return KineticsMap(xn, tuple(map(float, xv)), yn, tuple(map(float, yv)), float(potential_V), model.scale,
                       {n: obs["tof"][:, k].reshape(shape) for k, n in enumerate(names)},
                       {n: obs["fe"][:, k].reshape(shape) for k, n in enumerate(names)},
                       {n: obs["j"][:, k].reshape(shape) for k, n in enumerate(names)},
                       {s: theta[:, k].reshape(shape) for k, s in enumerate(model.species)},
                       ss.converged.reshape(shape), ss.residual.reshape(shape))
