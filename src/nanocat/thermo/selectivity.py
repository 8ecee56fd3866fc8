"""Selectivity calls from free energies, each with its numbers and a reason a chemist can check.

- CO vs HCOOH vs H2: the first protonation, ΔG of COOH* vs OCHO* vs H* (Feaster et al., ACS Catal. 2017,
  7, 4822, doi:10.1021/acscatal.7b00687): the most stable of the three sets the product.
- CO release vs further reduction: CO* -> CO(g) + * against CO* + H+ + e- -> CHO*/COH* at the potential,
  with the binding-energy descriptors ΔE(CO*) and ΔE(H*) of Bagger et al., ChemPhysChem 2017, 18, 3266,
  doi:10.1002/cphc.201700736 (Cu, the metal that reduces CO2 beyond CO, binds *CO (ΔE < 0) but not *H (ΔE > 0)).
- C1 vs C2: *CO dimerisation (CO* + CO* -> OCCO* + *, chemical) against CO* hydrogenation to CHO*.

The predicted product (:func:`predict` -> :class:`Prediction`) of one catalyst comes from its limiting
potentials: the least negative U_L of the CO2RR products whose route has no chemical step too uphill to turn
over at room temperature (:func:`chemical_step_threshold_eV`), against HER's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.constants import Boltzmann, Planck, electron_volt

from nanocat.thermo.diagram import EnergyResolver, ProductResult

if TYPE_CHECKING:
    from nanocat.thermo.analysis import FreeEnergyAnalysis

FEASTER_2017 = "Feaster et al., ACS Catal. 2017, 7, 4822, doi:10.1021/acscatal.7b00687"
BAGGER_2017 = "Bagger et al., ChemPhysChem 2017, 18, 3266, doi:10.1002/cphc.201700736"


@dataclass(frozen=True)
class SelectivityCall:
    """One question, its answer (None when the energies needed are missing), the reason and numbers (eV)."""

    question: str
    answer: str | None
    reason: str
    numbers: Mapping[str, float] = field(default_factory=dict)
    source: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON record."""
        return {"question": self.question, "answer": self.answer, "reason": self.reason,
                "numbers": dict(self.numbers), "source": self.source}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SelectivityCall:
        """Rebuild from :meth:`as_dict` output."""
        return cls(d["question"], d.get("answer"), d["reason"], dict(d.get("numbers", {})), d.get("source", ""))


def _missing(question: str, names: list[str], source: str) -> SelectivityCall:
    """A call that cannot be made, naming what is missing."""
    return SelectivityCall(question, None, f"needs free energies of {', '.join(names)}", {}, source)


def first_protonation_call(res: EnergyResolver) -> SelectivityCall:
    """CO vs HCOOH vs H2 from ΔG(COOH*), ΔG(OCHO*), ΔG(H*) at 0 V_RHE."""
    question = "CO vs HCOOH vs H2 (first protonation)"
    options = {"COOH*": "CO", "OCHO*": "HCOOH", "H*": "H2"}
    known = {k: res.get(k)[0] for k in options}
    have = sorted(((g, k) for k, g in known.items() if g is not None))
    if len(have) < 2:
        return _missing(question, [k for k, g in known.items() if g is None], FEASTER_2017)
    (g1, k1), (g2, k2) = have[0], have[1]
    reason = f"{options[k1]}: {k1} is {g2 - g1:.2f} eV below {k2}"
    numbers = {f"dG_{k.rstrip('*')}_eV": g for g, k in have}
    return SelectivityCall(question, options[k1], reason, numbers, FEASTER_2017)


def co_release_call(res: EnergyResolver, fe_descriptors: Mapping[str, float], u: float) -> SelectivityCall:
    """CO* desorption vs reduction to CHO*/COH* at ``u`` (V_RHE), with Bagger's ΔE(CO*), ΔE(H*) if known."""
    question = "CO release vs further reduction"
    g_co, g_co_g = res.get("CO*")[0], res.get("CO(g)")[0]
    reduced = {k: res.get(k)[0] for k in ("CHO*", "COH*")}
    reduced = {k: v for k, v in reduced.items() if v is not None}
    if g_co is None or g_co_g is None or not reduced:
        return _missing(question, ["CO*", "CHO* or COH*"], BAGGER_2017)
    k_red = min(reduced, key=reduced.__getitem__)
    dg_des = g_co_g - g_co
    dg_red = reduced[k_red] - g_co + u
    numbers = {"dG_desorption_eV": dg_des, f"dG_CO_to_{k_red.rstrip('*')}_eV": dg_red, **fe_descriptors}
    answer = "CO" if dg_des < dg_red else "beyond CO"
    reason = (f"{answer}: CO* -> CO(g) is {dg_des:+.2f} eV vs {dg_red:+.2f} eV for CO* -> {k_red} at {u:+.2f} V_RHE")
    if "dE_CO_eV" in fe_descriptors and "dE_H_eV" in fe_descriptors:
        reason += (f"; ΔE(CO*) = {fe_descriptors['dE_CO_eV']:+.2f} eV, ΔE(H*) = {fe_descriptors['dE_H_eV']:+.2f} eV "
                   "(Cu-like beyond-CO region: ΔE(CO*) < 0 and ΔE(H*) > 0)")
    return SelectivityCall(question, answer, reason, numbers, BAGGER_2017)


def c1_c2_call(res: EnergyResolver, u: float) -> SelectivityCall:
    """C1 vs C2: ΔG of CO* + CO* -> OCCO* + * against CO* -> CHO* at ``u`` (V_RHE)."""
    question = "C1 vs C2 (CO* coupling vs hydrogenation)"
    g = {k: res.get(k)[0] for k in ("CO*", "OCCO*", "CHO*")}
    if any(v is None for v in g.values()):
        return _missing(question, [k for k, v in g.items() if v is None], "Scheme 1, doi:10.1039/d5nh00138b")
    dg_c2 = g["OCCO*"] - 2 * g["CO*"]  # type: ignore[operator]
    dg_c1 = g["CHO*"] - g["CO*"] + u  # type: ignore[operator]
    answer = "C2" if dg_c2 < dg_c1 else "C1"
    reason = (f"{answer}: CO* + CO* -> OCCO* is {dg_c2:+.2f} eV vs {dg_c1:+.2f} eV for CO* -> CHO* at {u:+.2f} V_RHE")
    return SelectivityCall(question, answer, reason, {"dG_coupling_eV": dg_c2, "dG_CO_to_CHO_eV": dg_c1},
                           "Scheme 1, doi:10.1039/d5nh00138b")


def selectivity_calls(res: EnergyResolver, potential_V_RHE: float = 0.0) -> list[SelectivityCall]:
    """All three calls at ``potential_V_RHE``."""
    return [first_protonation_call(res), co_release_call(res, res.fe.descriptors_eV, potential_V_RHE),
            c1_c2_call(res, potential_V_RHE)]


# --- the predicted product ----------------------------------------------------------------------------------


def chemical_step_threshold_eV(temperature_K: float = 298.15, rate_per_s: float = 1.0) -> float:
    """Largest uphill chemical step (eV) that still turns over ``rate_per_s`` by transition-state theory.

    k = (k_B T / h) exp(-ΔG / k_B T)  =>  ΔG = k_B T ln(k_B T / (h k)); 0.757 eV at 298.15 K and 1 s⁻¹
    (Eyring, J. Chem. Phys. 1935, 3, 107, doi:10.1063/1.1749604).
    """
    kT = Boltzmann * temperature_K
    return float(kT / electron_volt * np.log(kT / (Planck * rate_per_s)))


def plain_product(name: str) -> str:
    """Product name without its phase tag: ``"HCOOH(aq)" -> "HCOOH"``."""
    return name.split("(")[0]


@dataclass(frozen=True)
class ProductCall:
    """One product on one catalyst: U_L (V_RHE), PDS, and whether an uphill chemical step (eV) blocks it."""

    product: str
    limiting_potential_V_RHE: float | None
    potential_determining_step: str | None
    blocking_step_eV: float
    complete: bool
    n_electrons: int = 0

    @property
    def blocked(self) -> bool:
        """True when a chemical step is too uphill to turn over at room temperature."""
        return self.blocking_step_eV > chemical_step_threshold_eV()

    @property
    def open(self) -> bool:
        """Complete and not blocked."""
        return self.complete and not self.blocked

    def as_dict(self) -> dict[str, Any]:
        """JSON record."""
        return {"product": self.product, "limiting_potential_V_RHE": self.limiting_potential_V_RHE,
                "potential_determining_step": self.potential_determining_step,
                "blocking_step_eV": self.blocking_step_eV, "complete": self.complete,
                "n_electrons": self.n_electrons, "blocked": self.blocked}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ProductCall:
        """Rebuild from :meth:`as_dict` output."""
        return cls(d["product"], d.get("limiting_potential_V_RHE"), d.get("potential_determining_step"),
                   float(d.get("blocking_step_eV", 0.0)), bool(d["complete"]), int(d.get("n_electrons", 0)))


def _call(result: ProductResult, her: bool) -> ProductCall:
    """The call of one product result (HER has no blocking chemical step: Tafel is an alternative route)."""
    worst = 0.0 if her else max((s.dG_eV for s in result.uphill_chemical_steps), default=0.0)
    complete = bool(result.complete) and result.limiting_potential_V_RHE is not None
    return ProductCall(result.product, result.limiting_potential_V_RHE if complete else None,
                       result.potential_determining_step, float(worst), complete,
                       sum(int(s.n_electrons) for s in result.steps))


def product_calls(analysis: FreeEnergyAnalysis) -> dict[str, ProductCall]:
    """Every product of an analysis (HER as ``"H2"``) keyed by its name without phase."""
    out = {plain_product(name): _call(r, her=False) for name, r in analysis.products.items()}
    out["H2"] = _call(analysis.her, her=True)
    return out


def best_co2rr(analysis: FreeEnergyAnalysis) -> ProductCall | None:
    """The open CO2RR product with the least negative U_L (fewer electrons on a tie), or None."""
    calls = [c for name, c in product_calls(analysis).items() if name != "H2" and c.open]
    return max(calls, key=lambda c: (c.limiting_potential_V_RHE, -c.n_electrons), default=None)


@dataclass(frozen=True)
class Prediction:
    """The predicted product of one catalyst (``None`` when nothing could be evaluated) and why, with its calls."""

    product: str | None
    reason: str
    calls: tuple[ProductCall, ...] = ()
    her_limiting_potential_V_RHE: float | None = None
    threshold_eV: float = field(default_factory=chemical_step_threshold_eV)
    warnings: tuple[str, ...] = ()

    def call(self, product: str) -> ProductCall | None:
        """The call of ``product`` (with or without phase; ``"H2"`` for HER), or None."""
        key = plain_product(product)
        return next((c for c in self.calls if plain_product(c.product) == key
                     or (key == "H2" and c.product == "H2(g)")), None)

    def as_dict(self) -> dict[str, Any]:
        """JSON record."""
        return {"product": self.product, "reason": self.reason, "calls": [c.as_dict() for c in self.calls],
                "her_limiting_potential_V_RHE": self.her_limiting_potential_V_RHE,
                "threshold_eV": self.threshold_eV, "warnings": list(self.warnings)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Prediction:
        """Rebuild from :meth:`as_dict` output."""
        return cls(d.get("product"), str(d.get("reason", "")), tuple(ProductCall.from_dict(c) for c in d.get("calls", ())),
                   d.get("her_limiting_potential_V_RHE"), float(d.get("threshold_eV", chemical_step_threshold_eV())),
                   tuple(d.get("warnings", ())))


def predict(analysis: FreeEnergyAnalysis) -> Prediction:
    """Predicted product of one catalyst and the reason in words, from its limiting potentials (V_RHE).

    CO2RR products whose best route needs an uphill chemical step above :func:`chemical_step_threshold_eV`
    (e.g. CO* bound too strongly to leave) are blocked; among the rest the least negative U_L wins (fewer
    electrons on a tie); H2 wins when HER's U_L is less negative than every CO2RR product's.
    """
    calls = product_calls(analysis)
    her = calls["H2"]
    her_ul = her.limiting_potential_V_RHE if her.complete else None
    co2rr = {k: c for k, c in calls.items() if k != "H2"}
    blocked = [c for c in co2rr.values() if c.complete and c.blocked]
    best = best_co2rr(analysis)
    ordered = tuple(calls.values())

    def done(product: str | None, reason: str) -> Prediction:
        return Prediction(product, reason, ordered, her_ul)

    if best is None:
        if her_ul is not None:
            n_missing = sum(not c.complete for c in co2rr.values())
            return done("H2", f"no CO2 reduction route is open ({len(blocked)} blocked, {n_missing} missing "
                              f"intermediates); HER U_L = {her_ul:+.2f} V_RHE")
        return done(None, "not enough intermediates converged to evaluate any product")
    ul = best.limiting_potential_V_RHE
    others = sorted((c for c in co2rr.values() if c.open and c.product != best.product),
                    key=lambda c: -c.limiting_potential_V_RHE)
    runner = f"; next {others[0].product} at {others[0].limiting_potential_V_RHE:+.2f} V" if others else ""
    text = f"{best.product}: U_L = {ul:+.2f} V_RHE (PDS {best.potential_determining_step}){runner}"
    if blocked:
        text += "; blocked by an uphill chemical step: " + ", ".join(
            f"{c.product} (+{c.blocking_step_eV:.2f} eV)" for c in blocked)
    if her_ul is not None and her_ul > ul:
        return done("H2", f"HER U_L = {her_ul:+.2f} V_RHE is less negative than the best CO2RR route, {text}")
    if her_ul is not None:
        text += f"; HER needs {her_ul:+.2f} V_RHE"
    return done(plain_product(best.product), text)
