"""From a run description and its raw files to per-step E_RHE, j, FE, partial currents, TOF and Tafel slopes.

Numbered steps per potential step:

1. read the potentiostat file; convert every point to V vs RHE with the iR correction
   (:func:`nanocat.experiment.physics.to_rhe`); the step's potential is the time average;
2. j_total is the time-averaged current over the file divided by the geometric area (mA cm⁻², cathodic < 0);
3. each GC injection: ppm (or area × calibration) -> mole fraction; outlet flow from the inlet flow at its
   reference T/p (ideal gas), corrected by the internal standard when one is fed; current averaged over
   t_inj ± window/2; FE = z F x Ṅ_out / |I|; FE of the step = mean over its injections;
4. liquid products: concentration (mM, NMR ratio or HPLC calibration) × volume -> mol; charge = |∫ I dt| from
   the first point of the file to the sampling time; FE = n z F / Q;
5. FE sum checked against 100 % ± tolerance (above: error, below: warning), carbon balance (CO2 converted
   must stay below the CO2 fed), partial currents, TOF per cluster and per metal atom, mass activity,
   half-cell energy efficiency;
6. Tafel fit of E_RHE vs log10|j_partial| per product over the steps (needs three or more).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.integrate import trapezoid

from nanocat._version import __version__
from nanocat.chem import parse_formula
from nanocat.chem.products import FARADAY_C_MOL, get_product
from nanocat.data.yamlsrc import Located
from nanocat.errors import InputError
from nanocat.experiment import physics
from nanocat.experiment.readers import read_potentiostat
from nanocat.experiment.references import T_REFERENCE_K, ReferenceLibrary, default_references
from nanocat.experiment.run import Calibration, Run, Step, load_run
from nanocat.experiment.tafel import TafelFit, fit_tafel

log = logging.getLogger(__name__)

_MIN_CURRENT_A = 1e-12


@dataclass(frozen=True)
class InjectionResult:
    """One GC injection: time (s), averaged current (A), outlet flow (mol s⁻¹) and FE (%) per product."""

    time_s: float
    current_A: float
    j_total_mA_cm2: float
    outlet_mol_s: float
    fe_percent: Mapping[str, float]

    def as_dict(self) -> dict[str, Any]:
        """Plain record for JSON."""
        return {"time_s": self.time_s, "current_A": self.current_A, "j_total_mA_cm2": self.j_total_mA_cm2,
                "outlet_mol_s": self.outlet_mol_s, "fe_percent": dict(self.fe_percent)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> InjectionResult:
        """Inverse of :meth:`as_dict`."""
        return cls(float(d["time_s"]), float(d["current_A"]), float(d["j_total_mA_cm2"]), float(d["outlet_mol_s"]),
                   dict(d["fe_percent"]))


@dataclass(frozen=True)
class StepResult:
    """One potential step: E (V_RHE, iR-corrected), j (mA cm⁻²), FE (%), partial j, TOF (s⁻¹) and checks."""

    index: int
    label: str
    potentiostat: str
    potential_V_RHE: float
    potential_V_ref: float
    current_A: float
    j_total_mA_cm2: float
    charge_C: float
    fe_percent: Mapping[str, float]
    j_partial_mA_cm2: Mapping[str, float]
    fe_sum_percent: float
    tof_per_s: Mapping[str, float]
    tof_per_metal_atom_per_s: Mapping[str, float]
    mass_activity_A_g_metal: Mapping[str, float]
    energy_efficiency_percent: Mapping[str, float]
    co2_conversion_percent: float | None = None
    injections: tuple[InjectionResult, ...] = ()
    duration_s: float = 0.0

    _MAPS = ("fe_percent", "j_partial_mA_cm2", "tof_per_s", "tof_per_metal_atom_per_s", "mass_activity_A_g_metal",
             "energy_efficiency_percent")

    def as_dict(self) -> dict[str, Any]:
        """Plain record for JSON (keys of issue 8: potential_V_RHE, j_total_mA_cm2, fe_percent, ...)."""
        d: dict[str, Any] = {k: getattr(self, k) for k in (
            "index", "label", "potentiostat", "potential_V_RHE", "potential_V_ref", "current_A", "j_total_mA_cm2",
            "charge_C", "fe_sum_percent", "co2_conversion_percent", "duration_s")}
        for k in self._MAPS:
            d[k] = dict(getattr(self, k))
        d["injections"] = [i.as_dict() for i in self.injections]
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> StepResult:
        """Inverse of :meth:`as_dict`."""
        co2 = d.get("co2_conversion_percent")
        return cls(int(d["index"]), str(d["label"]), str(d["potentiostat"]), float(d["potential_V_RHE"]),
                   float(d["potential_V_ref"]), float(d["current_A"]), float(d["j_total_mA_cm2"]),
                   float(d["charge_C"]), dict(d["fe_percent"]), dict(d["j_partial_mA_cm2"]),
                   float(d["fe_sum_percent"]), dict(d["tof_per_s"]), dict(d["tof_per_metal_atom_per_s"]),
                   dict(d["mass_activity_A_g_metal"]), dict(d["energy_efficiency_percent"]),
                   None if co2 is None else float(co2),
                   tuple(InjectionResult.from_dict(i) for i in d.get("injections", ())),
                   float(d.get("duration_s", 0.0)))


@dataclass(frozen=True)
class ExperimentResult:
    """A whole run analysed: steps, Tafel fits, warnings, and the inputs (run file, catalyst, reference)."""

    run_file: str
    catalyst: str
    molar_mass_g_mol: float
    n_metal_atoms: int
    reference_electrode: str
    reference_V_SHE: float
    pH: float
    temperature_K: float
    steps: tuple[StepResult, ...]
    tafel: Mapping[str, TafelFit] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    inputs: Mapping[str, Any] = field(default_factory=dict)
    nanocat_version: str = __version__

    @property
    def products(self) -> list[str]:
        """Products measured in any step, in order of first appearance."""
        return list(dict.fromkeys(p for s in self.steps for p in s.fe_percent))

    def as_dict(self) -> dict[str, Any]:
        """The CLI's JSON document."""
        return {"run_file": self.run_file, "catalyst": self.catalyst, "molar_mass_g_mol": self.molar_mass_g_mol,
                "n_metal_atoms": self.n_metal_atoms, "reference_electrode": self.reference_electrode,
                "reference_V_SHE": self.reference_V_SHE, "pH": self.pH, "temperature_K": self.temperature_K,
                "steps": [s.as_dict() for s in self.steps], "tafel": {k: v.as_dict() for k, v in self.tafel.items()},
                "warnings": list(self.warnings), "inputs": dict(self.inputs), "nanocat_version": self.nanocat_version}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ExperimentResult:
        """Inverse of :meth:`as_dict`."""
        return cls(str(d["run_file"]), str(d["catalyst"]), float(d["molar_mass_g_mol"]), int(d["n_metal_atoms"]),
                   str(d["reference_electrode"]), float(d["reference_V_SHE"]), float(d["pH"]),
                   float(d["temperature_K"]), tuple(StepResult.from_dict(s) for s in d["steps"]),
                   {k: TafelFit.from_dict(v) for k, v in d.get("tafel", {}).items()}, tuple(d.get("warnings", ())),
                   dict(d.get("inputs", {})), str(d.get("nanocat_version", __version__)))


def _calibrated(value: float, calibration: Calibration | None, where: str) -> float:
    """Detector area -> ppm or mM through a linear calibration."""
    if calibration is None:
        raise InputError(f"{where}: a peak area needs a calibration for this product")
    return calibration.slope * value + calibration.intercept


def _electrons(name: str, where: str) -> int:
    """Electrons per molecule of a CO2RR/HER product (nanocat.chem.products)."""
    try:
        return get_product(name).n_electrons
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None


def _time_mean(t: np.ndarray, y: np.ndarray) -> float:
    """Time average of y over the whole record."""
    return float(trapezoid(y, t) / (t[-1] - t[0])) if t[-1] > t[0] else float(np.mean(y))


def _field(source: str, located: Located | None, dotted: str) -> str:
    """'run.yaml:12: field steps.0.gas': file, line (when the YAML's lines are known) and field."""
    path = tuple(int(p) if p.isdigit() else p for p in dotted.split("."))
    line = located.line(path) if located is not None else None
    return f"{source}:{line}: field {dotted}" if line is not None else f"{source}: field {dotted}"


class _StepAnalysis:
    """Analysis of one step (a helper holding the shared inputs; not part of the API)."""

    def __init__(self, run: Run, source: str, base: Path, references: ReferenceLibrary, molar_mass: float,
                 n_metal: int, metal_fraction: float, located: Located | None = None) -> None:
        self.run, self.source, self.base, self.located = run, source, base, located
        try:
            self.ref = references.get(run.reference.electrode)
        except InputError as exc:
            raise InputError(f"{_field(source, located, 'reference.electrode')}: {exc}") from None
        self.molar_mass, self.n_metal, self.metal_fraction = molar_mass, n_metal, metal_fraction
        self.warnings: list[str] = []

    def _at(self, dotted: str) -> str:
        """'run.yaml:12: field steps.0.gas' (the line when the YAML's lines are known)."""
        return _field(self.source, self.located, dotted)

    def analyse(self, index: int, step: Step) -> StepResult:
        """Numbered steps 1-5 of the module docstring for one potential step."""
        run, where = self.run, self._at(f"steps.{index}")
        df = read_potentiostat(self.base / step.potentiostat)
        t, i, e = (df[c].to_numpy() for c in ("time_s", "current_A", "potential_V_ref"))
        if np.max(np.abs(i)) < _MIN_CURRENT_A:
            raise InputError(f"{where}.potentiostat: {step.potentiostat} carries no current (all |I| < 1 pA)")
        r_u, comp = (0.0, 0.0) if run.resistance is None else (run.resistance.R_u_ohm,
                                                               run.resistance.compensated_fraction)
        e_rhe = physics.to_rhe(e, i, self.ref, run.electrolyte.pH, run.temperature_K, r_u, comp)
        current = _time_mean(t, i)
        area = run.electrode.area_cm2
        j_total = current / area * 1e3
        fe: dict[str, float] = {}
        injections: list[InjectionResult] = []
        inlet = None
        if step.gas is not None:
            injections, fe, inlet = self._gas(index, step, t, i)
        if step.liquid is not None:
            for name, value in self._liquid(index, step, t, i).items():
                if name in fe:
                    raise InputError(f"{where}.liquid: {name} is measured in the gas and the liquid; give it once")
                fe[name] = value
        fe_sum = float(sum(fe.values()))
        tol = run.fe_sum_tolerance_percent
        if fe_sum > 100 + tol:
            raise InputError(f"{where}: FE adds up to {fe_sum:.1f} %, above 100 % + {tol:g} % tolerance "
                             "(check calibrations, flow and current)")
        if fe and fe_sum < 100 - tol:
            self._warn(f"{where}: FE adds up to {fe_sum:.1f} %, below 100 % − {tol:g} % (unmeasured products?)")
        j_partial = physics.partial_current_mA_cm2(fe, j_total)
        z = {p: _electrons(p, where) for p in fe}
        tof = {p: physics.tof_per_s(j_partial[p], z[p], run.electrode.loading_ug_cm2, self.molar_mass)
               for p in fe}
        loading_metal_g_cm2 = run.electrode.loading_ug_cm2 * 1e-6 * self.metal_fraction
        potential = _time_mean(t, e_rhe)
        co2 = None
        if inlet is not None:
            co2_mol_s = sum(get_product(p).n_co2 * abs(current) * fe[p] / 100 / (z[p] * FARADAY_C_MOL)
                            for p in fe)
            co2 = 100 * co2_mol_s / (inlet * step.gas.feed_co2_fraction)  # type: ignore[union-attr]
            if co2 > 100:
                self._warn(f"{where}: carbon balance: products need {co2:.0f} % of the CO2 fed (> 100 %)")
        return StepResult(
            index=index, label=step.label or Path(step.potentiostat).stem, potentiostat=step.potentiostat,
            potential_V_RHE=potential, potential_V_ref=_time_mean(t, e), current_A=current, j_total_mA_cm2=j_total,
            charge_C=physics.charge_C(t, i, float(t[0]), float(t[-1])), fe_percent=fe, j_partial_mA_cm2=j_partial,
            fe_sum_percent=fe_sum, tof_per_s=tof,
            tof_per_metal_atom_per_s={p: v / self.n_metal for p, v in tof.items()},
            mass_activity_A_g_metal={p: abs(j) * 1e-3 / loading_metal_g_cm2 for p, j in j_partial.items()},
            energy_efficiency_percent={p: physics.half_cell_energy_efficiency_percent(
                fe[p], get_product(p).E0_V_RHE, potential) for p in fe},
            co2_conversion_percent=co2, injections=tuple(injections), duration_s=float(t[-1] - t[0]))

    def _warn(self, message: str) -> None:
        log.info(message)  # the CLI prints result.warnings; logging it too would say it twice
        self.warnings.append(message)

    def _gas(self, index: int, step: Step, t: np.ndarray, i: np.ndarray
             ) -> tuple[list[InjectionResult], dict[str, float], float]:
        """FE per injection and its mean per product (step 3)."""
        gas = step.gas
        assert gas is not None
        inlet = physics.molar_flow_mol_s(gas.flow_sccm, gas.reference_T_K, gas.reference_p_kPa)
        standard = gas.internal_standard
        results = []
        for k, inj in enumerate(gas.injections):
            where = self._at(f"steps.{index}.gas.injections.{k}")
            if not t[0] <= inj.time_s <= t[-1]:
                raise InputError(f"{where}.time_s: {inj.time_s:g} s is outside the potentiostat record "
                                 f"({t[0]:g}-{t[-1]:g} s)")
            ppm = dict(inj.ppm)
            for name, value in inj.area.items():
                if name in ppm:
                    raise InputError(f"{where}: {name} given as ppm and as area")
                ppm[name] = _calibrated(value, gas.calibration.get(name), f"{where}.area.{name}")
            x_is_out = None
            if standard is not None:
                if standard.species not in ppm:
                    raise InputError(f"{where}.ppm: the internal standard {standard.species} was not measured")
                x_is_out = ppm.pop(standard.species) * 1e-6
            outlet = physics.outlet_flow_mol_s(inlet, None if standard is None else standard.inlet_ppm * 1e-6,
                                               x_is_out)
            lo, hi = max(t[0], inj.time_s - gas.current_window_s / 2), min(t[-1], inj.time_s + gas.current_window_s / 2)
            current = physics.mean_current_A(t, i, lo, hi) if hi > lo else float(np.interp(inj.time_s, t, i))
            if abs(current) < _MIN_CURRENT_A:
                raise InputError(f"{where}: no current around the injection")
            fe = {p: physics.gas_fe_percent(_electrons(p, f"{where}.ppm.{p}"), x * 1e-6, outlet, current)
                  for p, x in ppm.items()}
            results.append(InjectionResult(inj.time_s, current, current / self.run.electrode.area_cm2 * 1e3,
                                           outlet, fe))
        names = list(dict.fromkeys(p for r in results for p in r.fe_percent))
        mean = {p: float(np.mean([r.fe_percent.get(p, 0.0) for r in results])) for p in names}
        return results, mean, inlet

    def _liquid(self, index: int, step: Step, t: np.ndarray, i: np.ndarray) -> dict[str, float]:
        """FE of liquid products from moles and the charge passed up to sampling (step 4)."""
        liq = step.liquid
        assert liq is not None
        where = self._at(f"steps.{index}.liquid")
        if liq.sampled_at_s > t[-1] + 1e-9:
            raise InputError(f"{where}.sampled_at_s: {liq.sampled_at_s:g} s is after the end of the "
                             f"potentiostat record ({t[-1]:g} s)")
        charge = physics.charge_C(t, i, float(t[0]), liq.sampled_at_s)
        conc = dict(liq.concentration_mM)
        for name, ratio in liq.peak_area_ratio.items():
            std = liq.internal_standard
            assert std is not None
            conc[name] = physics.nmr_concentration_mM(ratio, liq.n_H[name], std.concentration_mM, std.n_H)
        for name, value in liq.area.items():
            conc[name] = _calibrated(value, liq.calibration.get(name), f"{where}.area.{name}")
        return {name: physics.liquid_fe_percent(_electrons(name, f"{where}.{name}"),
                                                c * 1e-3 * liq.volume_mL * 1e-3, charge)
                for name, c in conc.items()}


def tafel_points(steps: Sequence[StepResult], product: str) -> tuple[np.ndarray, np.ndarray]:
    """E (V_RHE) and j_partial (mA cm⁻²) of the steps where ``product`` carries current: the Tafel fit's points."""
    pts = [(s.potential_V_RHE, s.j_partial_mA_cm2[product]) for s in steps if s.j_partial_mA_cm2.get(product)]
    e, j = np.array(pts, dtype=float).reshape(-1, 2).T
    return e, j


def analyze_run(run: Run, source: str = "run", base_dir: str | Path = ".",
                references: ReferenceLibrary | None = None, inputs: Mapping[str, Any] | None = None,
                located: Located | None = None) -> ExperimentResult:
    """Analyse a validated run (paths relative to ``base_dir``) into an :class:`ExperimentResult`.

    ``located`` (from :func:`load_run`) lets error messages give the YAML line of the step at fault.
    """
    refs = references or default_references()
    try:
        formula = parse_formula(run.electrode.catalyst)
    except InputError as exc:
        raise InputError(f"{_field(source, located, 'electrode.catalyst')}: {exc}") from None
    molar_mass = run.electrode.molar_mass_g_mol or formula.molar_mass_g_mol
    if molar_mass is None:
        where = _field(source, located, "electrode")
        raise InputError(f"{where}.molar_mass_g_mol: the formula's ligands have no known "
                         "composition; give the molar mass (g/mol)")
    from ase.data import atomic_masses, atomic_numbers

    metal_mass = sum(atomic_masses[atomic_numbers[el]] * n for el, n in formula.metals.items())
    n_metal = formula.n_metal_atoms
    helper = _StepAnalysis(run, source, Path(base_dir), refs, molar_mass, n_metal, min(1.0, metal_mass / molar_mass),
                           located)
    ref = helper.ref
    if ref.dE_dT_V_K is None and not ref.is_rhe and abs(run.temperature_K - T_REFERENCE_K) > 5:
        helper._warn(f"{source}: {ref.name} has no tabulated temperature coefficient; its 25 °C potential is "
                     f"used at {run.temperature_K:g} K")
    if run.resistance is None:
        helper._warn(f"{source}: no resistance given: potentials are not iR-corrected (give resistance.R_u_ohm)")
    steps = tuple(helper.analyse(k, s) for k, s in enumerate(run.steps))
    tafel = {}
    for product in dict.fromkeys(p for s in steps for p in s.fe_percent):
        e, j = tafel_points(steps, product)
        if len(e) >= 3:
            tafel[product] = fit_tafel(e, j, product)
    return ExperimentResult(
        run_file=source, catalyst=run.electrode.catalyst, molar_mass_g_mol=float(molar_mass), n_metal_atoms=n_metal,
        reference_electrode=ref.name, reference_V_SHE=ref.potential_at_V_SHE(run.temperature_K, run.electrolyte.pH),
        pH=run.electrolyte.pH, temperature_K=run.temperature_K, steps=steps, tafel=tafel,
        warnings=tuple(helper.warnings), inputs=dict(inputs or run.model_dump(mode="json")))


def analyze_file(path: str | Path, references: ReferenceLibrary | None = None) -> ExperimentResult:
    """Read a run YAML and analyse it (files relative to the YAML's folder)."""
    path = Path(path)
    run, located = load_run(path)
    return analyze_run(run, str(path), path.parent, references, located=located)
