"""nanocat.cell: speciation, H-cell boundary layer and GDE checked against analytic invariants and hand numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.constants import physical_constants

from nanocat.cell import HCell, HCellResult, HCellSweep, bulk_state, get_preset, parse_electrolyte
from nanocat.cell.electrolyte import BulkState, Electrolyte, sechenov_factor
from nanocat.cell.faradaic import check_fe, flux_per_current, parse_fe
from nanocat.cell.gde import GDE, GDEResult, GDESweep
from nanocat.cell.parameters import GUPTA2006, GUPTA2006_PAPER, SPECIES, CellParameters
from nanocat.cell.transport import NU, S, Assembler, refine
from nanocat.chem.products import get_product
from nanocat.errors import InputError

F = physical_constants["Faraday constant"][0]
GUPTA_FE = {"CH4": 25, "C2H4": 20, "CO": 5, "HCOOH": 10, "H2": 40}  # Gupta 2006 FE split at 5 mA cm⁻²


@pytest.fixture(scope="module")
def gupta() -> HCell:
    return HCell("0.5 M KHCO3", 100, params=GUPTA2006_PAPER)


# -- electrolyte --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, cation, anion, c", [("0.1 M KHCO3", "K", "HCO3", 0.1), ("1 M KOH", "K", "OH", 1.0),
                                                    ("0.1 M CsHCO3", "Cs", "HCO3", 0.1),
                                                    ("500 mM NaHCO3", "Na", "HCO3", 0.5),
                                                    ("0.5 M K2CO3", "K", "CO3", 0.5)])
def test_parse_electrolyte(text: str, cation: str, anion: str, c: float) -> None:
    e = parse_electrolyte(text)
    assert (e.cation, e.anion, e.concentration_M) == (cation, anion, pytest.approx(c))
    assert Electrolyte.from_dict(e.as_dict()) == e


@pytest.mark.parametrize("text", ["-0.1 M KHCO3", "0 M KHCO3", "0.1 KHCO3", "0.1 M LiHCO3", "0.1 M KCl", ""])
def test_bad_electrolyte(text: str) -> None:
    with pytest.raises(InputError):
        parse_electrolyte(text)


def test_gupta_bulk_matches_the_paper_table() -> None:
    """Gupta 2006 bulk 0.5 M KHCO3 under 1 atm CO2: CO2 34.2, HCO3⁻ 499, CO3²⁻ 0.76 mM (as in echemfem's gupta.py).

    Our CO2 is the Sander (2015) solubility at 1 bar, 33.0 mM (-3.5 %); the rest follows from charge balance.
    """
    b = bulk_state(parse_electrolyte("0.5 M KHCO3"), GUPTA2006_PAPER)
    c = b.concentrations_mM
    assert c["CO2"] == pytest.approx(33.0, rel=1e-12)
    assert c["HCO3"] == pytest.approx(499.0, rel=0.005)
    assert c["CO3"] == pytest.approx(0.76, rel=0.06)
    assert b.pH == pytest.approx(7.53, abs=0.02)
    # charge balance and both acid equilibria exactly
    assert b.cation_mM + c["H"] == pytest.approx(c["HCO3"] + 2 * c["CO3"] + c["OH"], rel=1e-12)
    p = GUPTA2006_PAPER
    assert c["HCO3"] * c["H"] / c["CO2"] * 1e-3 == pytest.approx(p.Ka1_M, rel=1e-10)
    assert c["CO3"] * c["H"] / c["HCO3"] * 1e-3 == pytest.approx(p.Ka2_M, rel=1e-10)
    assert -math.log10(p.Ka1_M) == pytest.approx(6.35, abs=0.01)   # textbook pKa1, from Gupta's k1f/k1r and Kw
    assert -math.log10(p.Ka2_M) == pytest.approx(10.33, abs=0.01)  # textbook pKa2


# Independent implementation of the Gupta 2006 model: J. W. Ager, github.com/joelager/CO2-electrochemical-reaction-
# diffusion, notebook "1D CO2 reaction diffusion-SciPy.ipynb" (scipy solve_bvp, steady state), stored output:
# "surface CO2 (mM) = 17.69", "surface pH = 9.05" for bulk CO2 33.4 mM, 500 mM KHCO3, L = 100 µm, j = 5 mA cm⁻²,
# FE formate 100 %; constants from its CO2parameters.py: Gupta's k1f, k1r, k2f, k2r (Gupta 2006, DOI
# 10.1007/s10800-005-9058-y), Kw = 1e-14, D(HCO3⁻) = 1.19e-9 and D(CO3²⁻) = 9.23e-10 m² s⁻¹ (the two swapped
# relative to the paper's Table 2), only CO2 + OH⁻ and HCO3⁻ + OH⁻ (no CO2 hydration R3, no R4), pH = -log(Kw/[OH⁻]).
# Its FEniCS notebook prints "With no chemistry CO2 at surface would be 19.834 mM" for the same flux and layer.
AGER_SURFACE_CO2_MM, AGER_SURFACE_PH = 17.69, 9.05
AGER_NO_CHEMISTRY_CO2_MM = 19.834
AGER_PCO2_BAR = 33.4e-3 / GUPTA2006_PAPER.henry_M_bar  # pure-water solubility: 33.4 mM of CO2


def ager_params() -> CellParameters:
    """gupta2006_paper set up as Ager's notebook: his D's and Kw, R3/R4 switched off (1e-30: constants must be > 0)."""
    d = dict(GUPTA2006_PAPER.D_m2_s, HCO3=1.19e-9, CO3=9.23e-10)
    return GUPTA2006_PAPER.with_changes(Kw_M2=1e-14, D_m2_s=d, k3f_s=1e-30, k4r_M_s=1e-30)


def test_gupta_model_matches_an_independent_solve_bvp_implementation() -> None:
    p = ager_params()
    cell = HCell("0.5 M KHCO3", 100, params=p, pCO2_bar=AGER_PCO2_BAR)
    assert cell.bulk.concentrations_mM["CO2"] == pytest.approx(33.4, rel=1e-12)
    s = cell.solve(5.0, {"HCOOH": 100}).surface
    # his solve_bvp stops at a relative residual of 1e-3 and prints two decimals
    assert s["CO2_mM"] == pytest.approx(AGER_SURFACE_CO2_MM, rel=2e-3)
    assert -math.log10(p.Kw_M2 / (s["OH_mM"] * 1e-3)) == pytest.approx(AGER_SURFACE_PH, abs=0.01)
    flat = HCell("0.5 M KHCO3", 100, params=p, pCO2_bar=cell.bulk.pCO2_bar, reactions=False)
    assert flat.solve(5.0, {"HCOOH": 100}).surface["CO2_mM"] == pytest.approx(AGER_NO_CHEMISTRY_CO2_MM, abs=6e-4)


def test_co2_hydration_which_gupta_omit_lowers_surface_co2() -> None:
    """Same configuration with CO2 + H2O ⇌ HCO3⁻ + H⁺ (k3f = 0.037 s⁻¹, Schulz 2006) on: below pH 8.8 it is faster
    than CO2 + OH⁻ (k1f [OH⁻] = 0.06 s⁻¹ at the surface, 0.002 s⁻¹ in the bulk), so surface CO2 drops by ~8 %."""
    p = ager_params().with_changes(k3f_s=GUPTA2006_PAPER.k3f_s, k4r_M_s=GUPTA2006_PAPER.k4r_M_s)
    s = HCell("0.5 M KHCO3", 100, params=p, pCO2_bar=AGER_PCO2_BAR).solve(5.0, {"HCOOH": 100}).surface
    assert 0.88 < s["CO2_mM"] / AGER_SURFACE_CO2_MM < 0.95


def test_sechenov_by_hand() -> None:
    """log10(c0/c) = Σ (h_i + h_G) c_i with K⁺ 0.0922, HCO3⁻ 0.0967, h_G(CO2, 25 °C) = -0.0172 L/mol."""
    ions = {"K": 0.5, "HCO3": 0.5}
    assert sechenov_factor(ions, 298.15) == pytest.approx(10 ** -((0.0922 - 0.0172) * 0.5 + (0.0967 - 0.0172) * 0.5))
    b = bulk_state(parse_electrolyte("0.5 M KHCO3"), GUPTA2006)
    assert b.concentrations_mM["CO2"] == pytest.approx(33.0 * b.salting_out_factor, rel=1e-12)
    assert 0.82 < b.salting_out_factor < 0.85
    # NaHCO3 salts out more than KHCO3 (h_Na > h_K), CsHCO3 less
    f = {cat: bulk_state(parse_electrolyte(f"0.5 M {cat}HCO3"), GUPTA2006).salting_out_factor
         for cat in ("Na", "K", "Cs")}
    assert f["Na"] < f["K"] < f["Cs"]


def test_henry_temperature_dependence() -> None:
    assert GUPTA2006.henry_at(308.15) / GUPTA2006.henry_at(298.15) == pytest.approx(
        math.exp(2400 * (1 / 308.15 - 1 / 298.15)))


def test_koh_is_co2_free_unless_asked() -> None:
    b = bulk_state(parse_electrolyte("1 M KOH"), GUPTA2006)
    assert b.pH == pytest.approx(14.0, abs=0.01) and b.concentrations_mM["CO2"] < 1e-12
    b2 = bulk_state(parse_electrolyte("1 M KOH"), GUPTA2006, pCO2_bar=1.0)  # saturated: a bicarbonate solution
    assert b2.pH < 9 and b2.concentrations_mM["HCO3"] > 900


def test_parameters_round_trip_and_swap() -> None:
    p = CellParameters.from_dict(GUPTA2006.as_dict())
    assert p == GUPTA2006
    q = GUPTA2006.with_changes(k1f_M_s=1e4)
    assert q.k1f_M_s == 1e4 and q.name == "gupta2006+custom" and GUPTA2006.k1f_M_s == 5.93e3
    with pytest.raises(InputError):
        GUPTA2006.with_changes(k2r_s=-1.0)
    with pytest.raises(InputError):
        get_preset("nope")


# -- faradaic stoichiometry ---------------------------------------------------------------------------------------
def test_fluxes_from_product_stoichiometry() -> None:
    e = 10.0 / F  # mol e⁻ m⁻² s⁻¹ per mA cm⁻²
    assert flux_per_current({"CO": 100}) == pytest.approx({"CO2": -e / 2, "OH": e})
    assert flux_per_current({"HCOOH": 100}) == pytest.approx({"CO2": -e / 2, "OH": e / 2})  # formate keeps one H
    assert flux_per_current({"C2H4": 100}) == pytest.approx({"CO2": -e * 2 / 12, "OH": e})
    assert flux_per_current({"H2": 100}) == pytest.approx({"CO2": 0.0, "OH": e})


def test_fe_parsing() -> None:
    assert parse_fe("CO=90,H2=10") == {"CO": 90.0, "H2": 10.0}
    assert parse_fe("HCOOH=100") == {"HCOOH": 100.0}
    assert check_fe({"CO": 80}) == {"CO": 80.0, "H2": 20.0}  # the unassigned charge is hydrogen
    for bad in ("CO=90,H2=20", "CO=-5", "CO", "XYZ=10", ""):
        with pytest.raises(InputError):
            parse_fe(bad)


# -- H-cell invariants --------------------------------------------------------------------------------------------
def test_zero_current_is_bulk_equilibrium_everywhere(gupta: HCell) -> None:
    r = gupta.solve(0.0, GUPTA_FE)
    for s in SPECIES:
        prof = np.asarray(r.profiles[f"{s}_mM"])
        assert np.allclose(prof, gupta.bulk.concentrations_mM[s], rtol=1e-10, atol=0)
    rate, _ = gupta.asm.rates(np.asarray([gupta.bulk.vector()]))
    kf, _ = gupta.asm.kf, gupta.asm.kr
    assert np.all(np.abs(rate) <= 1e-9 * np.maximum(kf, 1e-30) * 1e3)  # every reaction at equilibrium in the bulk


@pytest.mark.parametrize("fe", [{"CO": 100}, {"C2H4": 60, "H2": 40}, GUPTA_FE])
def test_without_reactions_profile_is_linear_and_jlim_is_nFDc_over_delta(fe: dict) -> None:
    h = HCell("0.5 M KHCO3", 80, params=GUPTA2006_PAPER, reactions=False)
    c_b = h.bulk.concentrations_mM["CO2"]
    D = GUPTA2006_PAPER.D_m2_s["CO2"]
    co2_per_e = sum(v / 100 * get_product(p).n_co2 / get_product(p).n_electrons for p, v in check_fe(fe).items())
    j_lim_exact = F * D * c_b / 80e-6 / co2_per_e / 10.0  # A m⁻² -> mA cm⁻²
    assert h.limiting_current(fe) == pytest.approx(j_lim_exact, rel=1e-9)
    r = h.solve(0.6 * j_lim_exact, fe)
    x = np.asarray(r.profiles["x_um"])
    co2 = np.asarray(r.profiles["CO2_mM"])
    assert co2[0] == pytest.approx(0.4 * c_b, rel=1e-9)
    assert np.allclose(co2, co2[0] + (c_b - co2[0]) * x / 80.0, rtol=1e-9, atol=1e-9 * c_b)


def test_reactions_lower_the_limit_and_raise_ph(gupta: HCell) -> None:
    no_rx = HCell("0.5 M KHCO3", 100, params=GUPTA2006_PAPER, reactions=False)
    assert gupta.limiting_current({"CO": 100}) < no_rx.limiting_current({"CO": 100})
    sweep = gupta.sweep([1, 5, 10, 20], GUPTA_FE)
    assert all(np.diff(sweep.surface["pH"]) > 0) and all(np.diff(sweep.surface["CO2_mM"]) < 0)


def test_mass_and_charge_conservation(gupta: HCell) -> None:
    r = gupta.solve(5.0, GUPTA_FE)
    assert r.conservation["carbon_flux_rel"] < 1e-7
    assert r.conservation["charge_flux_rel"] < 1e-7


def test_fast_and_slow_buffer_reactions_at_the_surface(gupta: HCell) -> None:
    """Gupta 2006 at 5 mA cm⁻²: HCO3⁻ + OH⁻ ⇌ CO3²⁻ (k2f = 1e8 M⁻¹ s⁻¹, reaction length ~10 nm << δ) stays near
    equilibrium at the surface, CO2 + OH⁻ ⇌ HCO3⁻ (k1f [OH⁻] ~ 0.1 s⁻¹, length ~100 µm ~ δ) does not."""
    r = gupta.solve(5.0, GUPTA_FE).surface
    p = GUPTA2006_PAPER
    q2 = r["CO3_mM"] / (r["HCO3_mM"] * r["OH_mM"]) * 1e3 / p.K2_per_M
    q1 = p.K1_per_M * r["CO2_mM"] * r["OH_mM"] * 1e-3 / r["HCO3_mM"]
    assert 0.8 < q2 <= 1.0 and q1 > 10.0
    assert r["pH"] > gupta.bulk.pH + 1.0 and r["CO2_mM"] < gupta.bulk.concentrations_mM["CO2"]


def test_grid_convergence_below_0p1_percent() -> None:
    coarse = HCell("0.5 M KHCO3", 100, params=GUPTA2006_PAPER)
    fine = HCell("0.5 M KHCO3", 100, params=GUPTA2006_PAPER, nodes_m=refine(coarse.domain.x))
    a, b = coarse.solve(15.0, GUPTA_FE), fine.solve(15.0, GUPTA_FE)
    for key in ("CO2_mM", "HCO3_mM", "CO3_mM", "OH_mM"):
        assert a.surface[key] == pytest.approx(b.surface[key], rel=1e-3)
    assert a.co2_limiting_current_mA_cm2 == pytest.approx(b.co2_limiting_current_mA_cm2, rel=1e-3)


def test_analytic_jacobian_matches_finite_differences() -> None:
    """Coarse grid (so finite differences resolve every entry): every column of dF/d ln c against central FD."""
    cell = HCell("0.5 M KHCO3", 100, params=GUPTA2006_PAPER, n_cells=12, first_cell_nm=2000)
    asm: Assembler = cell.asm
    n = len(cell.domain.h)
    rng = np.random.default_rng(1)
    u = np.log(np.tile(cell.domain.bulk, (n, 1))) + 0.3 * rng.standard_normal((n, S))
    left = np.zeros(S)
    left[0], left[3] = -1e-4, 2e-4
    _, ab = asm.assemble(u, left)
    J = asm.to_sparse(ab).toarray()
    row_scale = np.abs(J).max(axis=1)
    for k in range(n):
        for i in range(S):
            du = np.zeros_like(u)
            du[k, i] = 1e-6
            fd = (asm.assemble(u + du, left)[0] - asm.assemble(u - du, left)[0]) / 2e-6
            assert np.all(np.abs(J[:, k * S + i] - fd) <= 1e-6 * row_scale), (k, i)


def test_above_the_limit_is_a_clear_input_error(gupta: HCell) -> None:
    j_lim = gupta.limiting_current({"CO": 100})
    with pytest.raises(InputError, match="limiting current"):
        gupta.solve(1.01 * j_lim, {"CO": 100})
    sweep = gupta.sweep([1.0, 0.5 * j_lim, 2 * j_lim], {"CO": 100})
    assert sweep.above_limit == (False, False, True) and sweep.surface["pH"][2] is None
    with pytest.raises(InputError):
        gupta.solve(-1.0, {"CO": 100})


def test_pure_hydrogen_has_no_co2_limit(gupta: HCell) -> None:
    r = gupta.solve(3.0, {"H2": 100})
    assert r.co2_limiting_current_mA_cm2 is None
    assert r.surface["pH"] > gupta.bulk.pH


def test_results_round_trip(gupta: HCell) -> None:
    r = gupta.solve(2.0, {"CO": 90, "H2": 10})
    assert HCellResult.from_dict(r.as_dict()) == r
    s = gupta.sweep([1.0, 2.0], {"CO": 90, "H2": 10})
    assert HCellSweep.from_dict(s.as_dict()) == s
    assert BulkState.from_dict(gupta.bulk.as_dict()) == gupta.bulk


# -- GDE ----------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def gde() -> GDE:
    return GDE("1 M KOH", catalyst_layer_um=5.0, porosity=0.6, boundary_layer_um=50.0)


def test_gde_carbon_balance_and_current(gde: GDE) -> None:
    fe = {"CO": 90, "H2": 10}
    r = gde.solve(100.0, fe)
    n = len(gde.domain.h)
    z, _ = gde._state(100.0, check_fe(fe))
    u = z[:-1].reshape(n, S)
    K = math.exp(z[-1])
    c = np.exp(u)
    reduced = float((K * c[:, 0] * gde.domain.cl).sum())           # mol CO2 m⁻² s⁻¹ reduced
    assert reduced == pytest.approx(0.9 * 100 * 10 / F / 2, rel=1e-9)  # = FE_CO j / (2F)
    J = gde.asm.face_fluxes(u)
    carbon_out = float(J[-1, :3].sum())                             # inorganic carbon leaving to the bulk
    rate, _ = gde.asm.rates(c[:1])
    # node 0 holds CO2 at saturation: the gas supplies what node 0's CO2 balance lacks
    gas_in = float(J[0, 0] - gde.domain.vol[0] * (rate @ NU.T)[0, 0] + K * c[0, 0] * gde.domain.cl[0])
    assert gas_in == pytest.approx(reduced + carbon_out, rel=1e-8)
    assert r.co2_fraction_reaching_electrolyte < 0.01  # in KOH nearly all CO2 is reduced or captured as CO3²⁻


def test_gde_reaction_diffusion_length_shrinks_with_current(gde: GDE) -> None:
    lr = [gde.solve(j, {"CO": 100}).reaction_diffusion_length_um for j in (20, 100, 300)]
    assert lr[0] > lr[1] > lr[2]
    r = gde.solve(300, {"CO": 100})
    assert r.co2_consumed_within_layer and r.reaction_diffusion_length_um < 5.0
    D_eff = GUPTA2006.D_m2_s["CO2"] * 0.6 ** 1.5                       # Bruggeman
    z, _ = gde._state(300.0, {"CO": 100.0})
    assert r.reaction_diffusion_length_um == pytest.approx(math.sqrt(D_eff / math.exp(z[-1])) * 1e6, rel=1e-9)
    assert r.reaction_diffusion_length_with_homogeneous_um < r.reaction_diffusion_length_um
    assert GDEResult.from_dict(r.as_dict()) == r
    sweep = gde.sweep([50.0, 150.0], {"CO": 100})
    assert GDESweep.from_dict(sweep.as_dict()) == sweep and sweep.surface["pH"][0] == pytest.approx(
        gde.solve(50.0, {"CO": 100}).surface["pH"], rel=1e-9)


def test_gde_needs_a_co2_product(gde: GDE) -> None:
    with pytest.raises(InputError, match="CO2-reduction product"):
        gde.solve(10, {"H2": 100})


@pytest.mark.parametrize("n", [12, 200, 1600])
def test_graded_grid_spans_the_layer(n: int) -> None:
    from nanocat.cell.transport import graded_nodes

    x = graded_nodes(1e-4, n, 1e-10)
    h = np.diff(x)
    assert len(x) == n + 1 and x[0] == 0 and x[-1] == 1e-4 and h[0] == pytest.approx(1e-10)
    assert np.all(h[1:-1] / h[:-2] == pytest.approx(h[1] / h[0]))  # one geometric ratio


@pytest.mark.parametrize("n", [12, 250, 1600])
def test_grid_graded_at_both_ends(n: int) -> None:
    """Grid graded at both ends: 0.1 nm at the electrode, 100 nm at the bulk edge, one ratio in between."""
    from nanocat.cell.transport import graded_nodes

    x = graded_nodes(1e-4, n, 1e-10, 1e-7)
    h = np.diff(x)
    assert len(x) == n + 1 and x[0] == 0 and x[-1] == 1e-4 and np.all(h > 0)
    assert h[0] == pytest.approx(1e-10) and h[-1] == pytest.approx(1e-7, rel=1e-6)
    peak = int(np.argmax(h))
    r = h[1] / h[0]
    assert np.allclose(h[1:peak] / h[:peak - 1], r) and np.allclose(h[peak + 1:-1] / h[peak + 2:], r)
    with pytest.raises(InputError, match="cannot span"):
        graded_nodes(1e-4, 2, 1e-6, 1e-6)


def test_bulk_edge_is_resolved() -> None:
    """Near the bulk edge pH ~ log [CO3²⁻] bends over ~1 µm; adjacent nodes there differ by < 0.1 pH at 25 mA cm⁻²
    (the electrode-only grading left ~4 µm cells and a 1-pH jump over the last one)."""
    r = HCell("0.5 M KHCO3", 100, params=GUPTA2006_PAPER).solve(25.0, GUPTA_FE)
    x, ph = np.array(r.profiles["x_um"]), np.array(r.profiles["pH"])
    assert r.parameters["last_cell_nm"] == pytest.approx(30.0, rel=1e-6)
    assert np.abs(np.diff(ph)).max() < 0.1 and ph[-1] == pytest.approx(r.bulk["pH"], abs=1e-12)
