"""Gas-diffusion electrode: 1-D through a flooded catalyst layer, then an electrolyte boundary layer.

x = 0 is the gas/catalyst-layer interface, where CO2(aq) is held at saturation (gas pCO2, Henry's law with the
bulk electrolyte's salting-out); other species see no flux there. The catalyst layer (thickness L, porosity ε)
has Bruggeman effective diffusivities D_eff = ε^1.5 D, homogeneous reactions in its pore liquid (volume ε) and a
volumetric electrode reaction: CO2 reduction first order in local CO2, r = k_v c_CO2 (mol m⁻³ s⁻¹ per layer
volume), with k_v solved so the layer carries the requested CO2-reduction current; hydrogen evolution is spread
evenly. Beyond x = L a stagnant electrolyte layer of thickness δ joins the bulk. The reaction-diffusion length
is L_R = sqrt(D_eff,CO2 / k_v) (and with the homogeneous CO2 + OH⁻ sink, sqrt(D_eff / (k_v + ε k1f [OH⁻]))).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nanocat._version import __version__
from nanocat.cell.electrolyte import Electrolyte, bulk_state, parse_electrolyte
from nanocat.cell.faradaic import check_fe, flux_per_current
from nanocat.cell.hcell import SURFACE_KEYS, profiles_of, surface_values
from nanocat.cell.parameters import GUPTA2006, SPECIES, CellParameters
from nanocat.cell.transport import (
    I_CO2,
    I_OH,
    S,
    Assembler,
    Border,
    Domain,
    graded_nodes,
    log_floor,
    newton,
)
from nanocat.chem.products import get_product
from nanocat.errors import EngineError, InputError


@dataclass(frozen=True)
class GDEResult:
    """One GDE steady state: current-weighted catalyst-layer values, the reaction-diffusion length, profiles."""

    j_mA_cm2: float
    fe_percent: dict[str, float]
    surface: dict[str, float]
    gas_side: dict[str, float]
    layer_edge: dict[str, float]
    reaction_diffusion_length_um: float
    reaction_diffusion_length_with_homogeneous_um: float
    co2_fraction_reaching_electrolyte: float
    co2_consumed_within_layer: bool
    co2_limiting_current_mA_cm2: float | None
    profiles: dict[str, list[float]]
    parameters: dict[str, Any]
    newton_iterations: int
    nanocat_version: str = __version__

    def as_dict(self) -> dict[str, Any]:
        """Plain record for JSON (same keys as the H-cell's, plus the GDE's own)."""
        return {k: (dict(v) if isinstance(v, dict) else v) for k, v in self.__dict__.items()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> GDEResult:
        """Rebuild from :meth:`as_dict` output."""
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})


def _weighted(c_mM: np.ndarray, w: np.ndarray) -> dict[str, float]:
    """Surface-style values averaged with weights ``w`` (pH from the averaged H⁺)."""
    avg = (w[:, None] * c_mM).sum(axis=0) / w.sum()
    return surface_values(avg)


class GDE:
    """A flooded-catalyst-layer GDE model: geometry and electrolyte here, currents and FE to :meth:`solve`."""

    def __init__(self, electrolyte: Electrolyte | str, *, catalyst_layer_um: float = 5.0, porosity: float = 0.6,
                 boundary_layer_um: float = 50.0, pCO2_bar: float = 1.0, electrolyte_pCO2_bar: float | None = None,
                 params: CellParameters = GUPTA2006, n_layer: int = 150, n_boundary: int = 100) -> None:
        """``catalyst_layer_um``: L (µm); ``porosity``: ε; ``boundary_layer_um``: δ (µm); ``pCO2_bar``: gas side;
        ``electrolyte_pCO2_bar``: bulk electrolyte (default: CO2-free for OH⁻, 1 bar for HCO3⁻ salts)."""
        self.electrolyte = parse_electrolyte(electrolyte) if isinstance(electrolyte, str) else electrolyte
        for name, v in (("catalyst_layer_um", catalyst_layer_um), ("boundary_layer_um", boundary_layer_um),
                        ("pCO2_bar", pCO2_bar)):
            if not (math.isfinite(v) and v > 0):
                raise InputError(f"GDE {name} must be positive, got {v}")
        if not 0.0 < porosity <= 1.0:
            raise InputError(f"GDE porosity must lie in (0, 1], got {porosity}")
        self.params, self.porosity = params, float(porosity)
        self.L, self.delta = catalyst_layer_um * 1e-6, boundary_layer_um * 1e-6
        self.pCO2_bar = float(pCO2_bar)
        self.bulk = bulk_state(self.electrolyte, params, electrolyte_pCO2_bar)
        self.c_sat = self.bulk.co2_saturation_mM * self.pCO2_bar
        x_cl = graded_nodes(self.L, n_layer, self.L * 1e-4)
        x_bl = graded_nodes(self.delta, n_boundary, min(self.L / n_layer, self.delta / n_boundary))
        x = np.concatenate([x_cl, self.L + x_bl[1:]])
        n = len(x) - 1
        in_cl = np.arange(n) < n_layer
        D0 = np.array([params.D_m2_s[s] for s in SPECIES])
        bruggeman = np.where(in_cl, self.porosity ** 1.5, 1.0)
        self.domain = Domain(x, bruggeman[:, None] * D0[None, :], np.where(in_cl, self.porosity, 1.0),
                             in_cl.astype(float), np.asarray(self.bulk.vector(), float))
        self.asm = Assembler(self.domain, params)
        self.n_layer = n_layer
        self._states: dict[tuple, list[tuple[float, np.ndarray]]] = {}

    def describe(self) -> dict[str, Any]:
        """Inputs of the model for the ``parameters`` record."""
        return {"cell": "gde", "electrolyte": self.electrolyte.as_dict(), "catalyst_layer_um": self.L * 1e6,
                "porosity": self.porosity, "bruggeman_factor": self.porosity ** 1.5,
                "boundary_layer_um": self.delta * 1e6, "gas_pCO2_bar": self.pCO2_bar,
                "co2_saturation_mM": self.c_sat, "bulk": self.bulk.as_dict(), "n_cells": len(self.domain.h),
                "preset": self.params.as_dict()}

    def _split(self, fe: dict[str, float]) -> tuple[dict[str, float], dict[str, float]]:
        co2 = {p: v for p, v in fe.items() if get_product(p).n_co2 > 0}
        rest = {p: v for p, v in fe.items() if p not in co2}
        if not co2 or sum(co2.values()) <= 0:
            raise InputError("GDE: the FE split has no CO2-reduction product; give e.g. CO=90,H2=10")
        return flux_per_current(co2), flux_per_current(rest) if rest else {"CO2": 0.0, "OH": 0.0}

    def _solve_at(self, j: float, fe: dict[str, float], z0: np.ndarray) -> tuple[np.ndarray, int]:
        a_c, a_h = self._split(fe)
        dom, n = self.domain, len(self.domain.h)
        target = -a_c["CO2"] * j                      # mol m⁻² s⁻¹ of CO2 reduced
        beta = np.zeros(S)
        beta[I_CO2], beta[I_OH] = -1.0, a_c["OH"] / -a_c["CO2"]
        her = np.zeros((n, S))
        her[:, I_OH] = a_h["OH"] * j * dom.cl / self.L
        ln_sat = math.log(self.c_sat)

        def fun(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, Border]:
            u = z[:-1].reshape(n, S)
            K = math.exp(z[-1])
            c_co2 = np.exp(u[:, I_CO2])
            r = K * c_co2 * dom.cl                     # mol m⁻² s⁻¹ per node
            src = r[:, None] * beta[None, :] + her
            dsrc = np.zeros((n, S, S))
            dsrc[:, :, I_CO2] = src - her              # d src / d ln c_CO2 (first order in CO2)
            F, ab = self.asm.assemble(u, np.zeros(S), src, dsrc)
            col = (src - her).ravel()                  # d F / d ln K
            F[I_CO2] = u[0, I_CO2] - ln_sat            # gas side: CO2 at saturation
            ab[S - np.arange(S + 1), np.arange(S + 1)] = 0.0
            ab[S, 0] = 1.0
            col[I_CO2] = 0.0
            total = float(r.sum())
            row = np.zeros(n * S)
            row[I_CO2::S] = r / total
            return np.concatenate([F, [math.log(total) - math.log(target)]]), ab, (col, row, 1.0)

        return newton(fun, z0, max_iter=80)

    def _initial(self, j: float, fe: dict[str, float]) -> np.ndarray:
        n = len(self.domain.h)
        u = np.tile(log_floor(self.domain.bulk), (n, 1))
        u[: self.n_layer + 1, I_CO2] = math.log(self.c_sat)
        a_c, _ = self._split(fe)
        K = -a_c["CO2"] * j / (self.c_sat * self.L)
        return np.concatenate([u.ravel(), [math.log(K)]])

    def _state(self, j: float, fe: dict[str, float]) -> tuple[np.ndarray, int]:
        if not (math.isfinite(j) and j > 0):
            raise InputError(f"GDE current density must be > 0 mA cm⁻² (cathodic, positive), got {j}")
        key = tuple(sorted(fe.items()))
        states = self._states.setdefault(key, [])
        j_start = min(j, 0.1)
        if states:
            j0, z0 = min(states, key=lambda s: abs(math.log(s[0] / j)))
        else:
            j0, z0 = j_start, self._initial(j_start, fe)
            z0, _ = self._solve_at(j0, fe, z0)
            states.append((j0, z0))
        total, start = 0, j0
        ratio = j / j0
        while True:  # continuation in ln j: halve the step when Newton fails
            target = start * ratio
            try:
                z, it = self._solve_at(target, fe, z0)
            except EngineError:
                if abs(math.log(ratio)) < 1e-6:
                    raise
                ratio = math.sqrt(ratio)
                continue
            total += it
            z0, start = z, target
            if math.isclose(start, j, rel_tol=1e-12):
                break
            ratio = j / start
        states.append((j, z0))
        return z0, total

    def solve(self, j_mA_cm2: float, fe_percent: Mapping[str, float]) -> GDEResult:
        """Steady state at cathodic current density ``j_mA_cm2`` (mA cm⁻², geometric) and FE split (%)."""
        fe = check_fe(fe_percent)
        z, it = self._state(float(j_mA_cm2), fe)
        n = len(self.domain.h)
        u = z[:-1].reshape(n, S)
        K = math.exp(z[-1])
        c = np.vstack([np.exp(u), self.domain.bulk[None, :]])
        cl = np.append(self.domain.cl, 0.0)
        w = cl * c[:, I_CO2]                           # CO2-reduction current weights
        D_eff = self.params.D_m2_s["CO2"] * self.porosity ** 1.5
        oh_avg_M = float((w * c[:, I_OH]).sum() / w.sum()) * 1e-3
        k_chem = self.porosity * self.params.k1f_M_s * oh_avg_M
        J = self.asm.face_fluxes(u)
        gas_flux = float(J[0, I_CO2] + K * c[0, I_CO2] * self.domain.cl[0])  # CO2 entering at x = 0
        frac = max(0.0, float(J[self.n_layer, I_CO2])) / gas_flux if gas_flux > 0 else 0.0  # CO2 leaving at x = L
        L_R = math.sqrt(D_eff / K)
        return GDEResult(
            float(j_mA_cm2), fe, _weighted(c, w), surface_values(c[0]), surface_values(c[self.n_layer]),
            L_R * 1e6, math.sqrt(D_eff / (K + k_chem)) * 1e6, frac, bool(L_R < self.L and frac < 0.01),
            None, profiles_of(self.domain.x, c), self.describe(), it)

    def sweep(self, j_mA_cm2: Sequence[float], fe_percent: Mapping[str, float]) -> GDESweep:
        """Current-weighted catalyst-layer values and L_R along currents (mA cm⁻²), by continuation."""
        rows: dict[str, list[float]] = {k: [] for k in SURFACE_KEYS}
        lr: list[float] = []
        for j in j_mA_cm2:
            r = self.solve(float(j), fe_percent)
            for k in SURFACE_KEYS:
                rows[k].append(r.surface[k])
            lr.append(r.reaction_diffusion_length_um)
        return GDESweep(tuple(float(v) for v in j_mA_cm2), check_fe(fe_percent),
                        {k: tuple(v) for k, v in rows.items()}, tuple(lr), None, self.describe())


@dataclass(frozen=True)
class GDESweep:
    """Catalyst-layer values (current-weighted) and the reaction-diffusion length along a current sweep."""

    j_mA_cm2: tuple[float, ...]
    fe_percent: dict[str, float]
    surface: dict[str, tuple[float, ...]]
    reaction_diffusion_length_um: tuple[float, ...]
    co2_limiting_current_mA_cm2: float | None
    parameters: dict[str, Any]
    nanocat_version: str = __version__

    def as_dict(self) -> dict[str, Any]:
        """Plain record for JSON."""
        return {"j_mA_cm2": list(self.j_mA_cm2), "fe_percent": dict(self.fe_percent),
                "surface": {k: list(v) for k, v in self.surface.items()},
                "reaction_diffusion_length_um": list(self.reaction_diffusion_length_um),
                "co2_limiting_current_mA_cm2": self.co2_limiting_current_mA_cm2,
                "parameters": dict(self.parameters), "nanocat_version": self.nanocat_version}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> GDESweep:
        """Rebuild from :meth:`as_dict` output."""
        return cls(tuple(d["j_mA_cm2"]), dict(d["fe_percent"]), {k: tuple(v) for k, v in d["surface"].items()},
                   tuple(d["reaction_diffusion_length_um"]), d.get("co2_limiting_current_mA_cm2"),
                   dict(d["parameters"]), str(d.get("nanocat_version", __version__)))
