"""The user's own adsorbate, gas reference, product and reaction step in a screen (docs/thermo.md, C2H6).

Also the typed results (analysis, prediction) and the plan of a screen (every job and its key, none run).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from ase.build import molecule
from ase.io import write

from nanocat.atoms import build_cluster
from nanocat.atoms.adsorbates import AdsorbateSpec, GasReference
from nanocat.atoms.engines import EMTEngine, XTBEngine
from nanocat.atoms.screen_results import ScreenResult
from nanocat.atoms.screening import Screener, ScreenSettings
from nanocat.atoms.store import ResultStore
from nanocat.chem import products
from nanocat.errors import InputError
from nanocat.thermo import Correction, FreeEnergyAnalysis, Prediction
from nanocat.thermo.corrections import gas_correction

#: Ethane fundamentals (cm-1), T. Shimanouchi, Tables of Molecular Vibrational Frequencies, NSRDS-NBS 39 (1972),
#: doi:10.6028/NBS.NSRDS.39: a1g 2954 1388 995, a1u 289, a2u 2896 1379, eu 2969 1468 822, eg 2985 1469 1190 (x2).
ETHANE_CM = (2954.0, 1388.0, 995.0, 289.0, 2896.0, 1379.0, *[2969.0, 1468.0, 822.0, 2985.0, 1469.0, 1190.0] * 2)
#: ΔfG°(C2H6, g) = -32.82 kJ/mol, same NBS tables as the built-in products (Wagman et al. 1982, doi:10.1063/1.555845).
ETHANE_DFG_KJ_MOL = -32.82


@pytest.fixture()
def ethane_product():
    """C2H6(g) registered as a product for one test, then removed again."""
    product = products.register_product("C2H6(g)", ETHANE_DFG_KJ_MOL, "NBS 1982, doi:10.1063/1.555845")
    yield product
    products.DFG_KJ_MOL.pop("C2H6(g)")
    products.DEFAULT_PHASE.pop("C2H6", None)
    products._USER_SOURCES.pop("C2H6(g)", None)
    products._builtin.cache_clear()


def test_registered_product_has_its_hand_derived_potential(ethane_product: products.Product) -> None:
    # 2 CO2(g) + 14 (H+ + e-) -> C2H6(g) + 4 H2O(l): ΔrG° = -32.82 - 4(237.129) + 2(394.359) = -192.618 kJ/mol
    assert ethane_product.n_electrons == 14
    assert ethane_product.E0_V_RHE == pytest.approx(192.618e3 / (14 * 96485.332), abs=1e-4)  # +0.1426 V
    assert products.get_product("C2H6") == ethane_product
    with pytest.raises(products.ProductError, match="already known"):
        products.register_product("C2H6(g)", -30.0, "x")
    with pytest.raises(products.ProductError, match="phase"):
        products.register_product("C3H8", -23.4, "x")


def test_ethane_correction_matches_the_tabulated_entropy() -> None:
    corr = gas_correction("C2H6", ETHANE_CM, "nonlinear", 6)
    # S°(C2H6, g, 298.15 K) = 229.2 J/mol/K (NIST-JANAF, Chase 1998); TS in eV
    assert corr.ts_eV == pytest.approx(298.15 * 229.2 / 96485.332, abs=0.01)
    assert corr.zpe_eV == pytest.approx(1.98, abs=0.05)  # 0.5 * sum of fundamentals (harmonic estimate)


def test_adsorbate_from_a_file_with_a_marked_binding_atom(tmp_path: Path) -> None:
    methyl = molecule("CH3")
    methyl.info["binding_index"] = 0
    write(tmp_path / "methyl.extxyz", methyl)
    spec = AdsorbateSpec.from_file(tmp_path / "methyl.extxyz", name="methyl", species="CH3*")
    assert spec.binding == 0 and spec.geometry().get_chemical_formula() == "CH3"
    assert AdsorbateSpec.from_dict(json.loads(json.dumps(spec.as_dict()))) == spec
    tagged = molecule("CH3")
    tagged.set_tags([1, 0, 0, 0])
    assert AdsorbateSpec.from_atoms("methyl", tagged, species="CH3*").binding == 0
    with pytest.raises(InputError, match="mark the atom"):
        AdsorbateSpec.from_atoms("methyl", molecule("CH3"), species="CH3*")
    with pytest.raises(InputError, match="adsorbed"):
        AdsorbateSpec.from_atoms("methyl", tagged, species="CH3(g)")


def test_c2h6_example_end_to_end(tmp_path: Path, ethane_product: products.Product) -> None:
    """docs/thermo.md: CH3* + CH3* -> C2H6(g), with the user's CH3 (from a file), C2H6 gas and product."""
    methyl = molecule("CH3")
    methyl.info["binding_index"] = 0
    write(tmp_path / "methyl.extxyz", methyl)
    # CH2OH* and CH2* are not in Peterson's table: their corrections are set to zero on purpose, named as such
    none = Correction(source="none (electronic energy only; test)")
    adsorbates = ("COOH", "CO", "CHO", "CH2O", AdsorbateSpec("CH2OH", "CH2OH*", "H2COH", correction=none),
                  AdsorbateSpec("CH2", "CH2*", "CH2_s1A1d", correction=none),
                  AdsorbateSpec.from_file(tmp_path / "methyl.extxyz", name="methyl", species="CH3*"))
    ethane = GasReference.named("C2H6", correction=gas_correction("C2H6", ETHANE_CM, "nonlinear", 6))
    settings = ScreenSettings(engine="emt", adsorbates=adsorbates, gas_references=(*ScreenSettings().gas_references,
                              ethane), products=("CO", "CH4", "C2H6"), network_steps=("CH3* + CH3* -> C2H6(g) + 2*",),
                              n_orientations=1, max_sites=1, site_kinds=("top",), workers=1, max_steps=0)
    # single points on the placed geometries (EMT, a toy, would tear CH3 and COOH apart): the bookkeeping is tested
    result = Screener(settings, tmp_path / "c2h6.db", progress=False).screen(build_cluster("Cu13"))
    host = result.best_host
    c2h6 = host.analysis.product("C2H6")
    assert c2h6.complete, c2h6.missing_species
    # the coupling step by hand: G(C2H6) - 2 G(CH3*), the CHE references cancel
    methyl_row = next(r for r in result.rows if r.adsorbate == "methyl")
    e_ads = methyl_row.energy_eV - host.clean_energy_eV + (0.93 - 0.13)  # Peterson 2010 CH3* ZPE/TS, Cu(211)
    g_c2h6 = result.gas_energies_eV["C2H6(g)"] + ethane.correction.total_eV
    coupling = next(s for s in c2h6.steps if not s.electrochemical and "C2H6" in s.to_state)
    assert coupling.dG_U0_eV == pytest.approx(g_c2h6 - 2 * e_ads, abs=1e-6)
    assert result.settings["adsorbates"][-1]["name"] == "methyl"
    back = ScreenResult.from_dict(json.loads(json.dumps(result.as_dict())))
    assert back == result
    # the recorded recipe names the correction preset the engine chose (EMT: peterson2010)
    assert ScreenSettings.from_dict(result.settings) == replace(settings, corrections="peterson2010")


def test_typed_analysis_and_prediction_in_the_result(tmp_path: Path) -> None:
    settings = ScreenSettings(engine="emt", adsorbates=("H", "COOH", "CO"), n_orientations=1, max_sites=1,
                              workers=1, fmax_eV_A=0.2)
    result = Screener(settings, tmp_path / "t.db", progress=False).screen(build_cluster("Cu13"))
    host = result.hosts[0]
    assert isinstance(host.analysis, FreeEnergyAnalysis) and isinstance(result.prediction, Prediction)
    assert result.prediction == host.prediction and result.predicted_product == result.prediction.product
    document = result.as_dict()
    # DESIGN.md section 2 and nanocat 0.1's keys are all still there (additive changes only)
    old_keys = {"name", "formula", "charge", "multiplicity", "n_atoms", "method", "engine_settings", "settings",
                "hosts", "rows", "predicted_product", "reason", "computed", "reused", "failed", "nanocat_version",
                "notes"}
    assert old_keys <= set(document)
    assert {"name", "description", "clean_energy_eV", "sites", "n_site_candidates", "analysis",
            "best_species_site"} <= set(document["hosts"][0])
    assert {"products", "her", "selectivity", "energies", "potential_V_RHE"} <= set(document["hosts"][0]["analysis"])
    store = ResultStore(tmp_path / "t.db")
    for row in result.rows:
        if row.job_key is not None:  # every best geometry is found in the store by its key
            assert store.get(row.job_key).energy_eV == pytest.approx(row.energy_eV)
    assert store.get(host.clean_key).energy_eV == pytest.approx(host.clean_energy_eV)
    legacy = {k: v for k, v in document.items() if k not in ("prediction", "gas_energies_eV", "gas_keys")}
    assert ScreenResult.from_dict(legacy).predicted_product == result.predicted_product


def test_plan_lists_every_job_with_its_key_before_running(tmp_path: Path) -> None:
    settings = ScreenSettings(engine="emt", adsorbates=("H", "CO"), n_orientations=1, max_sites=2, workers=1,
                              fmax_eV_A=0.2, sites_on="input")
    screener = Screener(settings, tmp_path / "p.db", progress=False)
    plan = screener.plan(build_cluster("Cu13"))
    assert plan.complete and len(plan.clean_jobs) == 1 and len(plan.gas_jobs) == 8
    assert {j.adsorbate for j in plan.adsorbate_jobs} == {"H", "CO"}
    assert all(j.host == "Cu13" and j.adsorbate_indices for j in plan.adsorbate_jobs)
    keys = plan.keys("emt")
    assert len(keys) == len(plan.jobs) and len(ResultStore(tmp_path / "p.db")) == 0  # nothing ran
    assert plan.keys(XTBEngine("gfn1")).keys().isdisjoint(keys)  # keys depend on the engine
    result = screener.screen(build_cluster("Cu13"))
    stored = {r.key for r in ResultStore(tmp_path / "p.db").results()}
    assert stored == set(keys) and result.computed == len(keys)  # the screen ran exactly the planned jobs
    relaxed = Screener(ScreenSettings(engine="emt", adsorbates=("H",), max_sites=1, workers=1), progress=False)
    pending = relaxed.plan(build_cluster("Cu13"), engine=EMTEngine())
    assert pending.pending == ("Cu13",) and not pending.adsorbate_jobs  # sites of the relaxed cluster: not yet known
