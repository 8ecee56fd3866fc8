"""Selectivity calls from free energies, each with its numbers and a reason a chemist can check.

- CO vs HCOOH vs H2: the first protonation, ΔG of COOH* vs OCHO* vs H* (Feaster et al., ACS Catal. 2017,
  7, 4822, doi:10.1021/acscatal.7b00687): the most stable of the three sets the product.
- CO release vs further reduction: CO* -> CO(g) + * against CO* + H+ + e- -> CHO*/COH* at the potential,
  with the binding-energy descriptors ΔE(CO*) and ΔE(H*) of Bagger et al., ChemPhysChem 2017, 18, 3266,
  doi:10.1002/cphc.201700736 (Cu, the metal that reduces CO2 beyond CO, binds *CO (ΔE < 0) but not *H (ΔE > 0)).
- C1 vs C2: *CO dimerisation (CO* + CO* -> OCCO* + *, chemical) against CO* hydrogenation to CHO*.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nanocat.thermo.diagram import EnergyResolver

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
