"""Property test: random well-posed models converge everywhere, conserve sites and obey detailed balance."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nanocat.kinetics import MicrokineticModel
from nanocat.kinetics.model import kT_eV

CHAIN = ["CO", "CHO", "CH2O", "CH3O", "CH3OH"]  # each one (H+ + e-) more than the last
KT = kT_eV(298.15)

energy = st.floats(-0.8, 0.8, allow_nan=False)
barrier = st.one_of(st.none(), st.floats(0.0, 1.2, allow_nan=False))


@st.composite
def models(draw: st.DrawFn) -> tuple[MicrokineticModel, float]:
    """A CO hydrogenation chain of 1-4 PCETs, optional HER (Heyrovsky and/or Tafel), random energies/barriers.

    Returns the model and the product's free energy that puts every overall reaction at equilibrium at 0 V.
    """
    k = draw(st.integers(1, 4))
    product = CHAIN[k]
    exprs = ["CO_g + *_t <-> CO_t"]
    G = {"CO_g": 0.0, "CO_t": draw(energy)}
    for i in range(k):
        a, b = CHAIN[i], CHAIN[i + 1]
        G[f"{b}_t"] = draw(energy)
        ea = draw(barrier)
        beta = draw(st.floats(0.3, 0.7))
        exprs.append(f"{a}_t + pe_g <-> {b}_t" + (f"; Ea={ea}" if ea is not None else "") + f"; beta={beta}")
    exprs.append(f"{product}_t <-> {product}_g + *_t")
    if draw(st.booleans()):
        G["H_t"] = draw(st.floats(-0.8, 0.8))
        G["H2_g"] = 0.0
        exprs.append(f"*_t + pe_g <-> H_t; Ea={draw(st.floats(0.0, 1.0))}")
        route = draw(st.sampled_from(["heyrovsky", "tafel", "both"]))
        if route in ("heyrovsky", "both"):
            exprs.append(f"H_t + pe_g <-> H2_g + *_t; Ea={draw(st.floats(0.0, 1.0))}")
        if route in ("tafel", "both"):
            exprs.append(f"2H_t <-> H2_g + 2*_t; Ea={draw(st.floats(0.0, 1.2))}")
    p_co = draw(st.floats(1e-3, 10.0))
    p_x = draw(st.floats(1e-3, 10.0))
    G[f"{product}_g"] = draw(energy)
    g_eq = -KT * math.log(p_x / p_co)  # G(product) making CO(g) + k (H+ + e-) <-> product(g) neutral at 0 V
    order = draw(st.permutations(range(len(exprs))))
    model = MicrokineticModel.from_expressions([exprs[i] for i in order], G,
                                               pressures_bar={"CO_g": p_co, f"{product}_g": p_x})
    return model, g_eq


# derandomize: the same 1000 models on every run, so CI time and outcome do not depend on the draw
@settings(max_examples=1000, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(models(), st.lists(st.floats(-1.2, 0.2), min_size=1, max_size=4))
def test_random_models_converge_and_obey_thermodynamics(case: tuple[MicrokineticModel, float],
                                                        potentials: list[float]) -> None:
    model, g_eq = case
    u = np.sort(np.array(potentials))
    r = model.sweep(u)
    assert r.all_converged and r.max_residual < 1e-10, (r.solver, r.residuals)
    for i in range(len(u)):  # site balance
        assert abs(sum(v[i] for v in r.coverages.values()) - 1.0) < 1e-9
    G = model.energy_matrix(len(u))
    lf, lr = model.log_rate_constants(G, u)
    assert np.allclose(lf - lr - (model._arrays["lp_f"] - model._arrays["lp_r"]),
                       -model.reaction_energies(G, u) / KT, rtol=0, atol=1e-9)
    # detailed balance: with every overall reaction at equilibrium at 0 V, every step's net rate vanishes
    product = next(t for t in model.gases if t not in ("CO_g", "H2_g"))
    ss, lkf, lkr = model.steady_state([0.0], energies={product: np.array([g_eq])})
    assert ss.converged.all()
    rf, rr = model.network.rates(ss.ln_theta, lkf, lkr)
    # to the solver's precision, which is relative to the largest gross flux through a species
    assert np.all(np.abs(rf - rr) <= 1e-9 * (rf + rr).max())
