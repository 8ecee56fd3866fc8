"""Self-consistent FE vs current: local pH and CO2 from the cell fed back into a kinetic model or an FE(j) table.

Kinetics: at each applied potential U (V on the model's scale, referred to the *bulk* electrolyte) the
microkinetic model is evaluated at the surface conditions — CO2 activity (bar) as c_s / (CO2 solubility of the
electrolyte per bar), which replaces the model's own CO2 pressure — and the local
pH: on the RHE scale the electrode sits at U + (k_B T ln10 / e)(pH_s − pH_bulk) vs the local RHE (the SHE
potential is what the potentiostat fixes); on the SHE scale the model's pH is set to pH_s. Its current and FE
drive the transport model, whose surface pH and ln c_CO2 are mixed back with damping ω until they stop moving.

FE table: FE(j) interpolated linearly in j from a user table (no feedback is needed: the table already is the
measured response), then the cell is solved at each j.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from nanocat._version import __version__
from nanocat.cell.faradaic import check_fe
from nanocat.errors import EngineError, InputError

LN10 = math.log(10.0)
J_MAX_MA_CM2 = 1e4  # 10 A cm⁻²: a kinetic current above this is a model far outside any cell


class CellModel(Protocol):
    """What coupling needs of a cell (HCell and GDE both fit)."""

    def solve(self, j_mA_cm2: float, fe_percent: Mapping[str, float]) -> Any:
        """Steady state at a current density (mA cm⁻²) and FE split (%)."""


@dataclass(frozen=True)
class CoupledPoint:
    """One self-consistent point: potential, current, FE, surface state, iterations."""

    potential_V: float
    j_mA_cm2: float
    fe_percent: dict[str, float]
    surface: dict[str, float]
    iterations: int
    converged: bool

    def as_dict(self) -> dict[str, Any]:
        """Plain record for JSON."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class CoupledSweep:
    """Self-consistent points along potentials (kinetics) or currents (FE table)."""

    points: tuple[CoupledPoint, ...]
    mode: str
    parameters: dict[str, Any]
    nanocat_version: str = __version__

    def as_dict(self) -> dict[str, Any]:
        """Plain record for JSON."""
        return {"mode": self.mode, "points": [p.as_dict() for p in self.points], "parameters": dict(self.parameters),
                "nanocat_version": self.nanocat_version}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CoupledSweep:
        """Rebuild from :meth:`as_dict` output."""
        return cls(tuple(CoupledPoint(**p) for p in d["points"]), str(d["mode"]), dict(d["parameters"]),
                   str(d.get("nanocat_version", __version__)))


def _co2_token(model: Any) -> str:
    for g in model.gases:
        if g.rsplit("_", 1)[0] == "CO2":
            return g
    raise InputError(f"{model.source}: the kinetic model has no CO2 gas token (CO2_g) to couple to")


def _kinetics_at(model: Any, U: float, pH_s: float, pH_b: float, p_co2: float,
                 co2_token: str) -> tuple[float, dict[str, float]]:
    if model.scale == "RHE":
        local, U_local = model.with_conditions({co2_token: p_co2}), U + model.kT_eV * LN10 * (pH_s - pH_b)
    else:
        local, U_local = model.with_conditions({co2_token: p_co2}, pH=pH_s), U
    r = local.solve(U_local)
    j = -float(r.j_total_mA_cm2[0])  # kinetics: cathodic negative; cell: cathodic positive
    fe = {k: float(v[0]) for k, v in r.fe_percent.items() if v[0] is not None and math.isfinite(v[0]) and v[0] > 0}
    return j, fe


def couple_kinetics(cell: Any, model: Any, potentials_V: Sequence[float], *, damping: float = 0.5,
                    tol: float = 1e-6, max_iter: int = 200) -> CoupledSweep:
    """Self-consistent current, FE and surface state at each potential (V on the model's scale vs bulk)."""
    if not 0.0 < damping <= 1.0:
        raise InputError(f"damping must lie in (0, 1], got {damping}")
    token = _co2_token(model)
    sat = cell.bulk.co2_saturation_mM          # mM per bar in this electrolyte: CO2 activity = c_s / sat (bar)
    pH_b = cell.bulk.pH
    co2_b = float(getattr(cell, "c_sat", cell.bulk.concentrations_mM["CO2"]))  # GDE: the gas-side value
    points = []
    pH_s, ln_ratio = pH_b, 0.0
    for U in potentials_V:
        converged, it = False, 0
        j, fe, surf = 0.0, {}, {}
        for it in range(1, max_iter + 1):
            j, fe = _kinetics_at(model, float(U), pH_s, pH_b, co2_b * math.exp(ln_ratio) / sat, token)
            if j <= 0 or not fe:
                surf = {"pH": pH_b, "CO2_mM": co2_b}
                pH_new, ln_new = pH_b, 0.0
            elif j > J_MAX_MA_CM2:
                raise InputError(f"the kinetic model gives j = {j:.3g} mA cm-2 at U = {U} V, beyond any cell "
                                 f"(> {J_MAX_MA_CM2:g}); restrict the potential range")
            else:
                j_lim = getattr(cell, "limiting_current", lambda _fe: None)(fe)
                if j_lim is not None and j >= 0.999 * j_lim:
                    # no steady state at this CO2 activity: the surface must hold less CO2; step down a decade
                    surf = {"pH": pH_s, "CO2_mM": co2_b * math.exp(ln_ratio)}
                    pH_new, ln_new = pH_s, ln_ratio - LN10
                else:
                    surf = cell.solve(j, fe).surface
                    pH_new, ln_new = surf["pH"], math.log(max(surf["CO2_mM"], 1e-300) / co2_b)
            d_pH, d_ln = pH_new - pH_s, ln_new - ln_ratio
            pH_s, ln_ratio = pH_s + damping * d_pH, ln_ratio + damping * d_ln
            if max(abs(d_pH), abs(d_ln)) < tol:
                converged = True
                break
        points.append(CoupledPoint(float(U), j, fe, dict(surf), it, converged))
    if not all(p.converged for p in points):
        bad = [p.potential_V for p in points if not p.converged]
        raise EngineError(f"kinetics-transport coupling did not converge at U = {bad} V in {max_iter} iterations; "
                          "lower the damping")
    return CoupledSweep(tuple(points), "kinetics", {"model": model.source, "scale": model.scale,
                                                    "damping": damping, "tol": tol, "cell": cell.describe()})


@dataclass(frozen=True)
class FETable:
    """A measured FE(j) table: currents (mA cm⁻², increasing) and FE (%) per product at each."""

    j_mA_cm2: tuple[float, ...]
    fe_percent: dict[str, tuple[float, ...]]

    def at(self, j: float) -> dict[str, float]:
        """FE split (%) at ``j`` (mA cm⁻²), linear between rows, clamped to the table's ends."""
        x = np.asarray(self.j_mA_cm2)
        return check_fe({p: float(np.interp(j, x, np.asarray(v))) for p, v in self.fe_percent.items()})

    @classmethod
    def read_csv(cls, path: Path | str) -> FETable:
        """CSV with a ``j_mA_cm2`` column and one FE (%) column per product."""
        path = Path(path)
        if not path.is_file():
            raise InputError(f"FE table not found: {path}")
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        if not rows or "j_mA_cm2" not in rows[0]:
            raise InputError(f"{path}: needs a header with j_mA_cm2 and product columns, e.g. j_mA_cm2,CO,H2")
        products = [k for k in rows[0] if k != "j_mA_cm2"]
        try:
            js = [float(r["j_mA_cm2"]) for r in rows]
            fe = {p: tuple(float(r[p]) for r in rows) for p in products}
        except (TypeError, ValueError) as exc:
            raise InputError(f"{path}: every cell must be a number ({exc})") from None
        if any(b <= a for a, b in zip(js, js[1:], strict=False)):
            raise InputError(f"{path}: j_mA_cm2 must increase down the table")
        table = cls(tuple(js), fe)
        for j in js:
            try:
                table.at(j)
            except InputError as exc:
                raise InputError(f"{path}: row j = {j:g}: {exc}") from None
        return table


def couple_fe_table(cell: CellModel, table: FETable, j_mA_cm2: Sequence[float]) -> CoupledSweep:
    """The cell solved at each current (mA cm⁻²) with the table's FE split at that current."""
    points = []
    for j in j_mA_cm2:
        fe = table.at(float(j))
        surf = cell.solve(float(j), fe).surface
        points.append(CoupledPoint(math.nan, float(j), fe, dict(surf), 1, True))
    return CoupledSweep(tuple(points), "fe_table", {"cell": cell.describe()})  # type: ignore[attr-defined]
