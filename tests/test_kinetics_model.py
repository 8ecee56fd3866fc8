"""Microkinetics against hand-derived answers: Langmuir, Volmer-Heyrovsky, a two-step chain's Tafel slopes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.constants import Boltzmann, Planck, electron_volt, elementary_charge

from nanocat.errors import InputError
from nanocat.kinetics import SITE_DENSITY_CU111_PER_CM2, KineticsMap, KineticsResult, MicrokineticModel
from nanocat.kinetics.results import net_rates

T = 298.15
KT = Boltzmann * T / electron_volt
A = Boltzmann * T / Planck  # kT/h, 1/s


def k_pair(dG: float, Ea: float) -> tuple[float, float]:
    """Forward/backward rate constants by TST with kT/h prefactor (1/s)."""
    return A * math.exp(-Ea / KT), A * math.exp(-(Ea - dG) / KT)


def test_langmuir_molecular_dissociative_and_two_site() -> None:
    m = MicrokineticModel.from_expressions(["CO_g + *_t <-> CO_t"], {"CO_g": 0.0, "CO_t": -0.15},
                                           pressures_bar={"CO_g": 0.3})
    K = math.exp(0.15 / KT) * 0.3
    r = m.solve(0.0)
    assert r.coverages["CO_t"][0] == pytest.approx(K / (1 + K), rel=1e-10)
    assert r.coverages["*_t"][0] == pytest.approx(1 / (1 + K), rel=1e-10)
    # H2 + 2* <-> 2H*: theta_H = sqrt(Kp) / (1 + sqrt(Kp))
    m = MicrokineticModel.from_expressions(["H2_g + 2*_t <-> 2H_t"], {"H2_g": 0.0, "H_t": 0.05},
                                           pressures_bar={"H2_g": 2.0})
    s = math.sqrt(math.exp(-0.10 / KT) * 2.0)
    assert m.solve(0.0).coverages["H_t"][0] == pytest.approx(s / (1 + s), rel=1e-10)
    # C2H4 on two sites: 2 theta + theta_* = 1, theta = K p theta_*^2
    m = MicrokineticModel.from_expressions(["C2H4_g + 2*_t <-> C2H4_t"], {"C2H4_g": 0.0, "C2H4_t": -0.1},
                                           n_sites={"C2H4_t": 2}, sites={"t": 1.0}, products=[])
    Kp = math.exp(0.1 / KT)
    empty = (-1 + math.sqrt(1 + 8 * Kp)) / (4 * Kp)
    r = m.solve(0.0)
    assert r.coverages["*_t"][0] == pytest.approx(empty, rel=1e-10)
    assert 2 * r.coverages["C2H4_t"][0] + r.coverages["*_t"][0] == pytest.approx(1.0, rel=1e-12)


def vh_model(G_H: float = 0.1, Ea1: float = 0.5, Ea2: float = 0.7) -> MicrokineticModel:
    """Volmer-Heyrovsky HER with barriers at 0 V_RHE and beta = 0.5."""
    return MicrokineticModel.from_expressions(
        [f"*_t + pe_g <-> H_t; Ea={Ea1}; label=Volmer", f"H_t + pe_g <-> H2_g + *_t; Ea={Ea2}; label=Heyrovsky"],
        {"H_t": G_H, "H2_g": 0.0})


@pytest.mark.parametrize("U", [-0.8, -0.4, -0.1, 0.0, 0.1])
def test_volmer_heyrovsky_closed_form(U: float) -> None:
    G_H = 0.1
    k1f, k1r = k_pair(G_H + U, max(0.0, G_H + U, 0.5 + 0.5 * U))
    k2f, k2r = k_pair(-G_H + U, max(0.0, -G_H + U, 0.7 + 0.5 * U))
    theta_H = (k1f + k2r) / (k1f + k1r + k2f + k2r)
    tof = k2f * theta_H - k2r * (1 - theta_H)
    r = vh_model(G_H).solve(U)
    assert r.converged == (True,) and r.max_residual < 1e-10
    assert r.coverages["H_t"][0] == pytest.approx(theta_H, rel=1e-9)
    assert r.tof_per_s["H2"][0] == pytest.approx(tof, rel=1e-8, abs=1e-12 * A)
    j = -2 * tof * elementary_charge * SITE_DENSITY_CU111_PER_CM2 * 1e3
    assert r.j_partial_mA_cm2["H2"][0] == pytest.approx(j, rel=1e-8, abs=1e-12)
    assert r.j_total_mA_cm2[0] == pytest.approx(j, rel=1e-8, abs=1e-12)


def test_site_density_default_is_cu111() -> None:
    assert SITE_DENSITY_CU111_PER_CM2 == pytest.approx(1.77e15, rel=0.01)


def chain_model() -> MicrokineticModel:
    """* + pe <-> H* (Ea 0.7) ; H* + pe <-> H2 + * (Ea 0.5): equilibrium at 0 V; RDS moves from step 2 to 1.

    Step 1 stays equilibrated while its back barrier (0.1 - U/2 eV) is below step 2's barrier (0.5 + U/2),
    i.e. above U = -0.4 V: there rate = k2 K1 ∝ exp(-1.5 eU/kT) (40 mV/dec); below, rate = k1 (120 mV/dec).
    """
    return MicrokineticModel.from_expressions(
        ["*_t + pe_g <-> H_t; Ea=0.7; label=step1", "H_t + pe_g <-> H2_g + *_t; Ea=0.5; label=step2"],
        {"H_t": 0.6, "H2_g": 0.0})


def test_two_step_chain_tafel_40_to_120_as_rds_changes() -> None:
    u = np.round(np.arange(-0.8, 0.0001, 0.005), 6)
    r = chain_model().sweep(u, rate_control=True)
    assert r.all_converged
    slope = dict(zip(r.potential_V, r.tafel_mV_dec["H2"], strict=True))
    ln10_kT_mV = math.log(10) * KT * 1e3
    assert slope[-0.15] == pytest.approx(ln10_kT_mV / 1.5, rel=0.01)   # 39.4 mV/dec: step 2 after equilibrated step 1
    assert slope[-0.7] == pytest.approx(ln10_kT_mV / 0.5, rel=0.01)    # 118 mV/dec: step 1 limits
    rds = dict(zip(r.potential_V, r.rate_determining_step, strict=True))
    assert rds[-0.15] == "step2" and rds[-0.7] == "step1"
    # degrees of rate control of a linear chain sum to 1
    i = r.potential_V.index(-0.4)
    assert sum(v[i] for v in r.rate_control.values()) == pytest.approx(1.0, abs=1e-4)


def test_detailed_balance_and_sum_rules_at_zero_driving_force() -> None:
    m = chain_model()
    ss, lkf, lkr = m.steady_state([0.0])
    rf, rr = m.network.rates(ss.ln_theta, lkf, lkr)
    assert np.all(np.abs(rf - rr) <= 1e-9 * (rf + rr))  # every step at equilibrium, not only the cycle
    theta = dict(zip(m.species, np.exp(ss.ln_theta[0]), strict=True))
    assert theta["H_t"] / theta["*_t"] == pytest.approx(math.exp(-0.6 / KT), rel=1e-9)
    assert np.allclose(net_rates(m, ss.ln_theta, lkf, lkr), 0.0, atol=1e-12)
    # thermodynamic consistency of every rate constant: kf/kr = exp(-dG/kT)
    G = m.energy_matrix(3)
    u = np.array([-1.0, -0.3, 0.4])
    lf, lr = m.log_rate_constants(G, u)
    dG = m.reaction_energies(G, u)
    assert np.allclose(lf - lr, -dG / KT, rtol=0, atol=1e-12)


def co2_to_co_model(**kwargs: object) -> MicrokineticModel:
    """4-step CO2 -> CO with transition states, plus Volmer-Heyrovsky HER on the same site."""
    exprs = ["CO2_g + *_t <-> CO2_t", "CO2_t + pe_g <-> CO2-pe_t <-> COOH_t",
             "COOH_t + pe_g <-> COOH-pe_t <-> CO_t + H2O_g", "CO_t <-> CO_g + *_t",
             "*_t + pe_g <-> H_t; Ea=0.6", "H_t + pe_g <-> H2_g + *_t; Ea=0.8"]
    G = {"CO2_g": 0.0, "CO2_t": 0.1, "COOH_t": 0.45, "CO_t": -0.2, "CO_g": 0.2, "H2O_g": 0.0, "H2_g": 0.0,
         "H_t": 0.15, "CO2-pe_t": 0.9, "COOH-pe_t": 0.8}
    return MicrokineticModel.from_expressions(exprs, G, **kwargs)  # type: ignore[arg-type]


def test_sum_rules_fe_current_and_conservation() -> None:
    m = co2_to_co_model(pressures_bar={"CO_g": 0.0, "H2_g": 0.0})
    r = m.sweep(np.linspace(-1.2, -0.2, 21))
    assert r.all_converged and r.max_residual < 1e-10
    for i in range(21):
        cov = sum(v[i] for v in r.coverages.values())
        assert cov == pytest.approx(1.0, rel=1e-10)
        assert r.fe_percent["CO"][i] + r.fe_percent["H2"][i] == pytest.approx(100.0, rel=1e-9)
        # every electron transferred ends in a product: j_total = sum of partial currents
        assert r.j_total_mA_cm2[i] == pytest.approx(r.j_partial_mA_cm2["CO"][i] + r.j_partial_mA_cm2["H2"][i],
                                                    rel=1e-8)
    ss, lkf, lkr = m.steady_state([-0.7])
    rates = net_rates(m, ss.ln_theta, lkf, lkr)[0]
    co_steps = [i for i, lab in enumerate(m.labels) if "CO" in lab and "H_t" not in lab]
    assert np.allclose(rates[co_steps], rates[co_steps][0], rtol=1e-9)  # TOF conserved along the CO route


def test_she_scale_equals_rhe_shifted_by_ph() -> None:
    shift = math.log(10) * KT * 7.0  # U_RHE = U_SHE + kT ln10 pH / e
    rhe = vh_model()
    # the same barriers, stated at the same physical point (0 V_RHE = -shift V_SHE at pH 7)
    she = MicrokineticModel.from_expressions(
        [f"*_t + pe_g <-> H_t; Ea=0.5; U0={-shift}", f"H_t + pe_g <-> H2_g + *_t; Ea=0.7; U0={-shift}"],
        {"H_t": 0.1, "H2_g": 0.0}, scale="SHE", pH=7.0)
    a = rhe.sweep([-0.6, -0.3])
    b = she.sweep([-0.6 - shift, -0.3 - shift])
    assert np.allclose(a.tof_per_s["H2"], b.tof_per_s["H2"], rtol=1e-9)
    assert np.allclose(a.coverages["H_t"], b.coverages["H_t"], rtol=1e-9)
    assert b.scale == "SHE" and b.as_dict()["scale"] == "SHE"


def test_ele_and_proton_spelling_matches_pe() -> None:
    pe = vh_model()
    ele = MicrokineticModel.from_expressions(
        ["*_t + H_g + ele_g <-> H_t; Ea=0.5", "H_t + H_g + ele_g <-> H2_g + *_t; Ea=0.7"], {"H_t": 0.1, "H2_g": 0.0})
    assert np.allclose(pe.sweep([-0.5, -0.2]).tof_per_s["H2"], ele.sweep([-0.5, -0.2]).tof_per_s["H2"], rtol=1e-12)


def test_deterministic_whatever_the_order() -> None:
    m1 = co2_to_co_model()
    exprs = [e.text for e in m1.expressions][::-1]
    G = dict(reversed(list(zip(m1.tokens, m1.free_energies_eV, strict=True))))
    m2 = MicrokineticModel.from_expressions(exprs, G)
    u = np.linspace(-1.0, 0.0, 11)
    assert m1.sweep(u).as_dict() == m2.sweep(u).as_dict()


def test_result_and_model_round_trip() -> None:
    m = co2_to_co_model()
    r = m.sweep(np.linspace(-1.0, -0.5, 6), rate_control=True)
    assert KineticsResult.from_dict(r.as_dict()) == r
    m2 = MicrokineticModel.from_dict(m.as_dict())
    assert m2.sweep([-0.7]).as_dict() == m.sweep([-0.7]).as_dict()


def test_map2d_her_volcano() -> None:
    m = vh_model()
    gh = np.linspace(-0.6, 0.6, 9)
    u = np.linspace(-0.6, 0.0, 5)
    res = m.map2d(("H_t", gh), ("U", u))
    assert res.converged.all() and res.max_residual < 1e-10
    assert res.tof_per_s["H2"].shape == (5, 9)
    row = res.tof_per_s["H2"][2]  # at U = -0.3 V the activity peaks at intermediate H binding (a volcano)
    peak = int(np.argmax(row))
    assert 0 < peak < 8 and row[peak] > 10 * row[0] and row[peak] > 10 * row[-1]
    single = m.sweep([u[2]])  # same point solved alone
    assert m.map2d(("H_t", [0.1]), ("U", [u[2]])).tof_per_s["H2"][0, 0] == pytest.approx(single.tof_per_s["H2"][0])
    back = KineticsMap.from_dict(res.as_dict())
    assert np.array_equal(back.tof_per_s["H2"], res.tof_per_s["H2"])


@pytest.mark.parametrize(("exprs", "energies", "kwargs", "match"), [
    (["CO2_g + *_t + pe_g <-> CO_t"], {"CO2_g": 0, "CO_t": 0}, {}, r"expression 0: unbalanced .*'O': 1"),
    (["CO_t <-> CO_g"], {"CO_t": 0, "CO_g": 0}, {}, r"sites"),
    (["CO_g + *_t <-> CO_t"], {"CO_g": 0}, {}, r"missing free energy for CO_t"),
    (["CO_g + *_s <-> CO_s"], {"CO_g": 0, "CO_s": 0}, {}, r"site type 's'"),
    (["CO_g + *_t <-> CO_t"], {"CO_g": 0, "CO_t": 0}, {"pressures_bar": {"CO_g": -1}}, r"pressure of CO_g"),
    (["CO_g + *_t <-> CO_t"], {"CO_g": 0, "CO_t": 0}, {"pressures_bar": {"CX_g": 1}}, r"CX_g"),
    (["CO + *_t <-> CO_t"], {"CO_t": 0}, {}, r"no site"),
    (["Xx_g + *_t <-> Xx_t"], {}, {}, r"unknown element"),
    (["CO_g + *_t <-> CO_t; gamma=2"], {"CO_g": 0, "CO_t": 0}, {}, r"unknown option"),
    (["CO_g + *_t <-> CO_t; beta=1.5"], {"CO_g": 0, "CO_t": 0}, {}, r"beta"),
    (["CO_g + *_t <-> CO_t"], {"CO_g": 0, "CO_t": float("nan")}, {}, r"not a finite number"),
])
def test_bad_input_names_the_problem(exprs: list[str], energies: dict, kwargs: dict, match: str) -> None:
    with pytest.raises(InputError, match=match) as info:
        MicrokineticModel.from_expressions(exprs, energies, source="my.mkm", **kwargs)
    assert "my.mkm" in str(info.value)


def test_default_barrier_applies_to_electrochemical_steps_only() -> None:
    explicit = MicrokineticModel.from_expressions(
        ["CO_g + *_t <-> CO_t", "*_t + pe_g <-> H_t; Ea=0.6", "H_t + pe_g <-> H2_g + *_t; Ea=0.6"],
        {"CO_g": 0.0, "CO_t": -0.1, "H_t": 0.1, "H2_g": 0.0})
    default = MicrokineticModel.from_expressions(
        ["CO_g + *_t <-> CO_t", "*_t + pe_g <-> H_t", "H_t + pe_g <-> H2_g + *_t"],
        {"CO_g": 0.0, "CO_t": -0.1, "H_t": 0.1, "H2_g": 0.0}, default_barrier_eV=0.6)
    u = np.array([-0.7, -0.2])
    G = explicit.energy_matrix(2)
    assert np.array_equal(explicit.barriers(G, u)[0], default.barriers(G, u)[0])
    assert default.barriers(G, u)[0][:, 0].max() == 0.0  # CO adsorption (chemical, downhill) keeps max(0, dG)
