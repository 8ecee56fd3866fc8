"""H-cell: steady stagnant boundary layer (Nernst layer) in front of a planar cathode.

Diffusion and the homogeneous carbonate reactions (R1-R5 of :mod:`nanocat.cell.parameters`) of CO2, HCO3⁻,
CO3²⁻, OH⁻, H⁺ across a layer of thickness δ; bulk speciation at x = δ; at x = 0 the electrode consumes CO2 and
makes OH⁻ at rates set by the current density and the FE split (:mod:`nanocat.cell.faradaic`). The cation is
a spectator and migration is neglected, as in Gupta et al. 2006 (DOI 10.1007/s10800-005-9058-y).

The CO2 limiting current is the current at which surface CO2 reaches zero: a bordered Newton solve with
ln j as extra unknown and the surface CO2 as condition, continued from half the bulk value down to 1e-12 of it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nanocat._version import __version__
from nanocat.cell.electrolyte import BulkState, Electrolyte, bulk_state, parse_electrolyte
from nanocat.cell.faradaic import check_fe, flux_per_current
from nanocat.cell.parameters import CARBON, CHARGE, GUPTA2006, SPECIES, CellParameters
from nanocat.cell.transport import I_CO2, I_OH, S, Assembler, Border, Domain, graded_nodes, log_floor, newton
from nanocat.errors import EngineError, InputError

log = logging.getLogger(__name__)
SURFACE_KEYS = ("pH", "CO2_mM", "HCO3_mM", "CO3_mM", "OH_mM")
_THETAS = (0.2, 1e-2, 1e-12)
THETA_LIMIT = _THETAS[-1]


def _at_or_above_limit(j_mA_cm2: float, limit_mA_cm2: float | None) -> bool:
    """True when a current (mA cm⁻²) has no steady state: at or above the CO2 limiting current (to 1e-9)."""
    return limit_mA_cm2 is not None and j_mA_cm2 >= limit_mA_cm2 * (1.0 - 1e-9)


def surface_values(c_mM: np.ndarray) -> dict[str, float]:
    """Surface pH and concentrations (mM) from a nodal concentration row in SPECIES order."""
    return {"pH": 3.0 - math.log10(c_mM[SPECIES.index("H")]), "CO2_mM": float(c_mM[0]),
            "HCO3_mM": float(c_mM[1]), "CO3_mM": float(c_mM[2]), "OH_mM": float(c_mM[3])}


def profiles_of(x_m: np.ndarray, c_mM: np.ndarray) -> dict[str, list[float]]:
    """Profiles for JSON: x in µm from the electrode, every species in mM, pH."""
    out: dict[str, list[float]] = {"x_um": [float(v) for v in x_m * 1e6]}
    for i, s in enumerate(SPECIES):
        out[f"{s}_mM"] = [float(v) for v in c_mM[:, i]]
    out["pH"] = [float(3.0 - math.log10(v)) for v in c_mM[:, SPECIES.index("H")]]
    return out


@dataclass(frozen=True)
class HCellResult:
    """One steady state: surface values, the CO2 limiting current, profiles and every input."""

    j_mA_cm2: float
    fe_percent: dict[str, float]
    surface: dict[str, float]
    co2_limiting_current_mA_cm2: float | None
    profiles: dict[str, list[float]]
    parameters: dict[str, Any]
    bulk: dict[str, Any]
    conservation: dict[str, float]
    newton_iterations: int
    nanocat_version: str = __version__

    def as_dict(self) -> dict[str, Any]:
        """Plain record for JSON (the issue's keys: surface, co2_limiting_current_mA_cm2, profiles, parameters)."""
        return {"j_mA_cm2": self.j_mA_cm2, "fe_percent": dict(self.fe_percent), "surface": dict(self.surface),
                "co2_limiting_current_mA_cm2": self.co2_limiting_current_mA_cm2, "profiles": dict(self.profiles),
                "parameters": dict(self.parameters), "bulk": dict(self.bulk),
                "conservation": dict(self.conservation), "newton_iterations": self.newton_iterations,
                "nanocat_version": self.nanocat_version}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> HCellResult:
        """Rebuild from :meth:`as_dict` output."""
        lim = d.get("co2_limiting_current_mA_cm2")
        return cls(float(d["j_mA_cm2"]), dict(d["fe_percent"]), dict(d["surface"]),
                   None if lim is None else float(lim), {k: list(v) for k, v in d["profiles"].items()},
                   dict(d["parameters"]), dict(d["bulk"]), dict(d["conservation"]), int(d["newton_iterations"]),
                   str(d.get("nanocat_version", __version__)))


@dataclass(frozen=True)
class HCellSweep:
    """Surface values along a current sweep (continuation from one point to the next)."""

    j_mA_cm2: tuple[float, ...]
    fe_percent: dict[str, float]
    surface: dict[str, tuple[float | None, ...]]
    co2_limiting_current_mA_cm2: float | None
    parameters: dict[str, Any]
    above_limit: tuple[bool, ...] = ()
    nanocat_version: str = __version__

    def as_dict(self) -> dict[str, Any]:
        """Plain record for JSON (values at currents above the CO2 limit are null)."""
        return {"j_mA_cm2": list(self.j_mA_cm2), "fe_percent": dict(self.fe_percent),
                "surface": {k: list(v) for k, v in self.surface.items()},
                "co2_limiting_current_mA_cm2": self.co2_limiting_current_mA_cm2,
                "above_limit": list(self.above_limit),
                "parameters": dict(self.parameters), "nanocat_version": self.nanocat_version}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> HCellSweep:
        """Rebuild from :meth:`as_dict` output."""
        lim = d.get("co2_limiting_current_mA_cm2")
        return cls(tuple(float(v) for v in d["j_mA_cm2"]), dict(d["fe_percent"]),
                   {k: tuple(None if x is None else float(x) for x in v) for k, v in d["surface"].items()},
                   None if lim is None else float(lim), dict(d["parameters"]),
                   tuple(bool(b) for b in d.get("above_limit", ())), str(d.get("nanocat_version", __version__)))


class HCell:
    """A stagnant-layer H-cell model: settings here, currents and FE splits to :meth:`solve` and :meth:`sweep`."""

    def __init__(self, electrolyte: Electrolyte | str, boundary_layer_um: float = 100.0, *,
                 params: CellParameters = GUPTA2006, pCO2_bar: float | None = None, n_cells: int = 250,
                 first_cell_nm: float | None = None, last_cell_nm: float | None = None, reactions: bool = True,
                 nodes_m: np.ndarray | None = None) -> None:
        """``boundary_layer_um``: δ (µm); ``n_cells``: grid intervals, geometric from ``first_cell_nm``
        (default δ × 1e-6) at the electrode and again down to ``last_cell_nm`` (default δ × 3e-4) at the bulk
        edge, where pH ~ log [CO3²⁻] bends sharply; ``reactions=False`` switches the homogeneous reactions off."""
        self.electrolyte = parse_electrolyte(electrolyte) if isinstance(electrolyte, str) else electrolyte
        if not (math.isfinite(boundary_layer_um) and boundary_layer_um > 0):
            raise InputError(f"boundary layer thickness must be positive µm, got {boundary_layer_um}")
        self.boundary_layer_um = float(boundary_layer_um)
        self.delta_m = boundary_layer_um * 1e-6
        self.params = params
        self.reactions = reactions
        self.bulk: BulkState = bulk_state(self.electrolyte, params, pCO2_bar)
        first = self.delta_m * 1e-6 if first_cell_nm is None else first_cell_nm * 1e-9
        last = (self.delta_m * 3e-4 if int(n_cells) > 2 else None) if last_cell_nm is None else last_cell_nm * 1e-9
        x = graded_nodes(self.delta_m, int(n_cells), first, last) if nodes_m is None else np.asarray(nodes_m, float)
        n = len(x) - 1
        D = np.tile([params.D_m2_s[s] for s in SPECIES], (n, 1))
        self.domain = Domain(x, D, np.ones(n), np.zeros(n), np.asarray(self.bulk.vector(), float))
        self.asm = Assembler(self.domain, params, reactions)
        self._u_bulk = np.tile(log_floor(self.domain.bulk), (n, 1))
        # converged states for continuation: electrode (CO2, OH⁻) fluxes, mol m⁻² s⁻¹, and ln c
        self._states: list[tuple[np.ndarray, np.ndarray]] = [(np.zeros(2), self._u_bulk.copy())]
        self._limits: dict[tuple, float | None] = {}
        self._last_limit: np.ndarray | None = None

    # -- settings ---------------------------------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        """Inputs of the model for the ``parameters`` record of a result."""
        return {"cell": "hcell", "electrolyte": self.electrolyte.as_dict(), "boundary_layer_um": self.boundary_layer_um,
                "pCO2_bar": self.bulk.pCO2_bar, "n_cells": len(self.domain.h),
                "first_cell_nm": float(self.domain.h[0] * 1e9), "last_cell_nm": float(self.domain.h[-1] * 1e9),
                "homogeneous_reactions": self.reactions,
                "preset": self.params.as_dict()}

    def _left(self, a: Mapping[str, float], j: float) -> np.ndarray:
        flux = np.zeros(S)
        flux[I_CO2], flux[I_OH] = a["CO2"] * j, a["OH"] * j
        return flux

    def _remember(self, flux: np.ndarray, u: np.ndarray) -> None:
        self._states.append((np.array([flux[I_CO2], flux[I_OH]]), u.copy()))
        if len(self._states) > 400:
            del self._states[1:101]

    # -- solves -----------------------------------------------------------------------------------------------
    def _solve_at(self, left: np.ndarray, u0: np.ndarray) -> tuple[np.ndarray, int]:
        n = len(self.domain.h)

        def fun(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, None]:
            F, ab = self.asm.assemble(z.reshape(n, S), left)
            return F, ab, None

        z, it = newton(fun, u0.ravel())
        return z.reshape(n, S), it

    def limiting_current(self, fe_percent: Mapping[str, float]) -> float | None:
        """CO2 limiting current (mA cm⁻²) for this FE split; None when no product consumes CO2."""
        fe = check_fe(fe_percent)
        key = tuple(sorted(fe.items()))
        if key in self._limits:
            return self._limits[key]
        a = flux_per_current(fe)
        if a["CO2"] >= 0:
            self._limits[key] = None
            return None
        n = len(self.domain.h)
        c_b = self.domain.bulk[I_CO2]
        row0 = I_CO2  # node 0, species CO2
        cols_a = np.array([I_CO2, I_OH])
        vals_a = np.array([a["CO2"], a["OH"]])
        row = np.zeros(n * S)                      # the border row: d(condition)/dz picks surface ln c_CO2
        row[row0] = 1.0

        def cold_start() -> tuple[np.ndarray, float, list[float]]:
            # from the bulk, at the current that halves surface CO2 in a reaction-free film
            j = self.params.D_m2_s["CO2"] * c_b * 0.5 / self.delta_m / -a["CO2"]
            return np.concatenate([self._u_bulk.ravel(), [math.log(j)]]), 1.0, list(_THETAS)

        if self._last_limit is not None:  # warm start from the last limit found (another FE split): one step
            z, reached, queue = self._last_limit.copy(), THETA_LIMIT, [THETA_LIMIT]
        else:
            z, reached, queue = cold_start()
        failures = 0
        while queue:  # continuation in surface CO2; a failed step is split geometrically
            theta = queue[0]
            target = math.log(theta * c_b)

            def fun(zz: np.ndarray, target: float = target) -> tuple[np.ndarray, np.ndarray, Border]:
                jj = math.exp(zz[-1])
                F, ab = self.asm.assemble(zz[:-1].reshape(n, S), self._left(a, jj))
                col = np.zeros(n * S)
                col[cols_a] = vals_a * jj          # dF/d ln j: only node 0's CO2 and OH⁻ fluxes
                return np.concatenate([F, [zz[row0] - target]]), ab, (col, row, 0.0)

            try:
                z_new, _ = newton(fun, z)
            except EngineError as exc:
                failures += 1
                if reached == THETA_LIMIT and queue == [THETA_LIMIT]:  # the warm start failed: from the bulk
                    z, reached, queue = cold_start()
                    continue
                if failures > 30:
                    raise EngineError(f"CO2 limiting current: continuation failed at surface CO2 = {theta:g} × "
                                      f"bulk ({exc})") from None
                queue.insert(0, math.sqrt(reached * theta))
                continue
            z, reached = z_new, queue.pop(0)
            self._remember(self._left(a, math.exp(z[-1])), z[:-1].reshape(n, S))
        self._last_limit = z.copy()
        self._limits[key] = math.exp(z[-1])
        return self._limits[key]

    def _state(self, j: float, fe: dict[str, float]) -> tuple[np.ndarray, int, float | None]:
        if not (math.isfinite(j) and j >= 0):
            raise InputError(f"current density must be >= 0 mA cm⁻² (cathodic, positive), got {j}")
        j_lim = self.limiting_current(fe)
        if _at_or_above_limit(j, j_lim):
            raise InputError(f"j = {j:g} mA cm⁻² is at or above the CO2 limiting current {j_lim:.4g} mA cm⁻² "
                             f"for {self.electrolyte.label}, δ = {self.boundary_layer_um:g} µm and this FE split: "
                             "surface CO2 would be negative; lower j, thin the boundary layer or raise pCO2")
        a = flux_per_current(fe)
        target = self._left(a, j)
        f = np.array([target[I_CO2], target[I_OH]])
        scale = np.abs(f) + 1e-30
        f0, u0 = min(self._states, key=lambda st: float(np.max(np.abs(st[0] - f) / scale)))
        start0 = np.zeros(S)
        start0[I_CO2], start0[I_OH] = f0
        total_it, t, step = 0, 0.0, 1.0
        while True:  # continuation in the electrode fluxes: halve the step when Newton fails
            t_new = min(1.0, t + step)
            try:
                u, it = self._solve_at(start0 + t_new * (target - start0), u0)
            except EngineError:
                if step < 1e-6:
                    raise
                step *= 0.5
                continue
            total_it += it
            u0, t = u, t_new
            if t >= 1.0:
                break
        self._remember(target, u)
        return u, total_it, j_lim

    def profile_mM(self, u: np.ndarray) -> np.ndarray:
        """Nodal concentrations including the bulk node, mM (N+1, S)."""
        return np.vstack([np.exp(u), self.domain.bulk[None, :]])

    def conservation(self, u: np.ndarray, j: float, fe: Mapping[str, float]) -> dict[str, float]:
        """Largest deviation, over every face, of the carbon and charge fluxes from the electrode's (relative)."""
        a = flux_per_current(fe)
        J = self.asm.face_fluxes(u)
        carbon = J @ np.array([CARBON[s] for s in SPECIES], float)
        charge = J @ np.array([CHARGE[s] for s in SPECIES], float)
        ref_c, ref_q = a["CO2"] * j, -a["OH"] * j
        scale = max(abs(ref_c), abs(ref_q), 1e-30)
        return {"carbon_flux_rel": float(np.max(np.abs(carbon - ref_c)) / scale),
                "charge_flux_rel": float(np.max(np.abs(charge - ref_q)) / scale)}

    def solve(self, j_mA_cm2: float, fe_percent: Mapping[str, float]) -> HCellResult:
        """Steady state at cathodic current density ``j_mA_cm2`` (mA cm⁻²) with FE split ``fe_percent`` (%)."""
        fe = check_fe(fe_percent)
        u, it, j_lim = self._state(float(j_mA_cm2), fe)
        c = self.profile_mM(u)
        return HCellResult(float(j_mA_cm2), fe, surface_values(c[0]), j_lim, profiles_of(self.domain.x, c),
                           self.describe(), self.bulk.as_dict(), self.conservation(u, j_mA_cm2, fe), it)

    def sweep(self, j_mA_cm2: Sequence[float], fe_percent: Mapping[str, float]) -> HCellSweep:
        """Surface values along currents (mA cm⁻²), each solve continued from the previous one.

        Currents at or above the CO2 limiting current have no steady state: their values are None and
        ``above_limit`` marks them (the limit itself is in the result).
        """
        fe = check_fe(fe_percent)
        js = [float(v) for v in j_mA_cm2]
        j_lim = self.limiting_current(fe)
        rows: dict[str, list[float | None]] = {k: [] for k in SURFACE_KEYS}
        above = []
        for j in js:
            beyond = _at_or_above_limit(j, j_lim)
            above.append(beyond)
            if beyond:
                for k in SURFACE_KEYS:
                    rows[k].append(None)
                continue
            u, _, _ = self._state(j, fe)
            for k, v in surface_values(np.exp(u[0])).items():
                rows[k].append(v)
        return HCellSweep(tuple(js), fe, {k: tuple(v) for k, v in rows.items()}, j_lim, self.describe(),
                          tuple(above))
