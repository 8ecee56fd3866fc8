"""CatMAP models: .mkm read without executing it, free energies as CatMAP computes them, model keyword arguments.

Hand values use ASE's thermochemistry classes directly, the way catmap/thermodynamics/enthalpy_entropy.py calls
them (IdealGasThermo H - TS at 1 bar; HarmonicThermo Helmholtz energy), with the example tables'
formation energies and frequencies (tests/data/catmap/*.txt).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ase.build import molecule
from ase.thermochemistry import HarmonicThermo, IdealGasThermo
from ase.units import invcm

from nanocat.cli import main
from nanocat.errors import InputError
from nanocat.kinetics.catmap import CatMAPSetup, read_mkm
from nanocat.thermo.io import load_energies, read_catmap_table

DATA = Path(__file__).parent / "data" / "catmap"
T = 298.15
COOH_CM = [3600.0, 1550.0, 1250.0, 1050.0, 650.0, 550.0, 350.0, 300.0, 250.0, 200.0, 150.0, 100.0]
CO_CM = [2000.0, 350.0, 300.0, 250.0, 150.0, 100.0]
H_CM = [1100.0, 800.0, 650.0]
MODEL_KEYS = {"expressions", "free_energies_eV", "sites", "n_sites", "pressures_bar", "temperature_K",
              "prefactors_per_s", "beta", "pH", "scale", "source"}


def harmonic_F(freqs_cm: list[float], temperature: float = T) -> float:
    """Helmholtz energy of harmonic modes, eV (CatMAP harmonic_adsorbate)."""
    return HarmonicThermo([f * invcm for f in freqs_cm]).get_helmholtz_energy(temperature, verbose=False)


def ideal_gas_G(name: str, freqs_cm: list[float], geometry: str, sigma: int, temperature: float = T) -> float:
    """H - TS of an ideal gas at 1 bar, eV (CatMAP ideal_gas)."""
    th = IdealGasThermo([f * invcm for f in freqs_cm], geometry, atoms=molecule(name), symmetrynumber=sigma, spin=0)
    return th.get_enthalpy(temperature, verbose=False) - temperature * th.get_entropy(temperature, 1e5, verbose=False)


@pytest.fixture(scope="module")
def co2r() -> CatMAPSetup:
    return read_mkm(DATA / "CO2R.mkm")


@pytest.fixture(scope="module")
def her() -> CatMAPSetup:
    return read_mkm(DATA / "HER.mkm")


def test_co2r_setup_is_read(co2r: CatMAPSetup) -> None:
    assert len(co2r.steps) == 3 and co2r.surface_names == ("Au", "Ag", "Cu")
    assert co2r.scale == "RHE" and co2r.pH == 7.0 and co2r.beta == 0.5
    assert co2r.potential_range_V == (-1.0, 0.0) and co2r.points == 21 and co2r.temperature_K == 298.15
    assert co2r.sites == {"s": 1.0}
    assert co2r.pressures_bar == {"CO2_g": 1.0, "CO_g": 0.0, "H2O_g": 0.035}  # pe_g is no gas to the model
    assert co2r.extra["scaler"] == "ThermodynamicScaler" and co2r.extra["tolerance"] == 1e-50
    assert Path(co2r.input_file or "").samefile(DATA / "CO2R_energies.txt")
    assert co2r.gas_thermo_mode == "ideal_gas" and co2r.adsorbate_thermo_mode == "harmonic_adsorbate"
    assert co2r.prefactors_per_s() == {"2": 1e8}


def test_co2r_model_kwargs(co2r: CatMAPSetup) -> None:
    kw = co2r.to_model_kwargs(surface="Au")
    assert set(kw) == MODEL_KEYS
    assert kw["expressions"] == ["CO2_g + *_s + pe_g <-> COO-pe_s <-> COOH_s",
                                 "COOH_s + pe_g <-> COOH-pe_s <-> CO_s + H2O_g",
                                 "CO_s <-> CO_g + *_s"]  # '->' is reversible to CatMAP too; prefactor moved out
    assert kw["prefactors_per_s"] == {"2": 1e8} and kw["scale"] == "RHE" and kw["pH"] == 7.0
    assert kw["sites"] == {"s": 1.0} and kw["n_sites"] is None and kw["temperature_K"] == 298.15
    assert set(kw["free_energies_eV"]) == {"CO2_g", "COO-pe_s", "COOH_s", "COOH-pe_s", "CO_s", "H2O_g", "CO_g",
                                           "pe_g"}
    assert kw["source"].endswith("CO2R.mkm")
    json.dumps(kw)  # plain data only
    with pytest.raises(InputError, match="choose one surface"):
        co2r.to_model_kwargs()


def test_co2r_free_energies_by_hand(co2r: CatMAPSetup) -> None:
    G = co2r.free_energies_eV(surface="Au")
    f_cooh, f_co = harmonic_F(COOH_CM), harmonic_F(CO_CM)
    assert G["CO2_g"] == pytest.approx(-0.40 + ideal_gas_G("CO2", [1333, 667, 667, 2349], "linear", 2), abs=1e-6)
    assert G["CO_g"] == pytest.approx(ideal_gas_G("CO", [2143], "linear", 1), abs=1e-6)
    assert G["H2O_g"] == pytest.approx(ideal_gas_G("H2O", [3657, 1595, 3756], "nonlinear", 2), abs=1e-6)
    assert G["COOH_s"] == pytest.approx(-0.70 + f_cooh, abs=1e-6)
    assert G["CO_s"] == pytest.approx(-0.10 + f_co, abs=1e-6)
    # TS without frequencies: mean of the IS and FS adsorbate corrections (gases and sites excluded)
    assert G["COO-pe_s"] == pytest.approx(-0.40 + 0.5 * (0.0 + f_cooh), abs=1e-6)
    assert G["COOH-pe_s"] == pytest.approx(-0.10 + 0.5 * (f_cooh + f_co), abs=1e-6)
    assert G["pe_g"] == 0.0
    # Ag's COOH row has no frequencies: CatMAP takes those of the same species on the same site name elsewhere
    assert co2r.free_energies_eV(surface="Ag")["COOH_s"] == pytest.approx(-0.40 + f_cooh, abs=1e-6)
    # another temperature
    assert co2r.free_energies_eV(350.0, "Au")["COOH_s"] == pytest.approx(-0.70 + harmonic_F(COOH_CM, 350.0))


def test_co2r_trends(co2r: CatMAPSetup) -> None:
    """Stronger COOH binding (Au) -> less negative onset than Ag; Cu binds CO too strongly (uphill desorption)."""
    dG = {}
    for s in co2r.surface_names:
        G = co2r.free_energies_eV(surface=s)
        dG[s] = (G["COOH_s"] - G["CO2_g"] - G["pe_g"],                 # CO2 -> COOH*
                 G["CO_s"] + G["H2O_g"] - G["COOH_s"] - G["pe_g"],      # COOH* -> CO*
                 G["CO_g"] - G["CO_s"])                                 # CO* -> CO(g), chemical
    onset = {s: -max(d[0], d[1]) for s, d in dG.items()}
    assert onset["Au"] > onset["Ag"]
    assert onset["Au"] == pytest.approx(-dG["Au"][0])  # CO2 -> COOH* limits on Au and Ag
    assert dG["Cu"][2] > 0 > max(dG["Au"][2], dG["Ag"][2])
    totals = [sum(d) for d in dG.values()]  # CO2 + 2(H+ + e-) -> CO + H2O does not depend on the surface
    assert max(totals) - min(totals) < 1e-9


def test_her_setup_and_she_proton(her: CatMAPSetup) -> None:
    assert her.scale == "SHE" and her.pH == 7.0 and her.potential_range_V == (-1.0, -0.2) and her.points == 17
    assert her.species_definitions["s"]["interaction_response_parameters"] == {"cutoff": 0.25, "smoothing": 0.05}
    kw = her.to_model_kwargs(surface="Pt")
    assert kw["expressions"][1] == "H_s + H_g + ele_g <-> H-H-ele_s <-> H2_g + *_s; beta=0.45"
    assert kw["expressions"][2] == "H_s + H_s <-> H-H_s + *_s <-> H2_g + *_s + *_s"  # 2*_s written out
    assert kw["pressures_bar"] == {"H2_g": 1.0} and kw["scale"] == "SHE"
    G = kw["free_energies_eV"]
    g_h2 = ideal_gas_G("H2", [4161], "linear", 2)
    assert G["H2_g"] == pytest.approx(g_h2, abs=1e-6)
    assert G["H_g"] == pytest.approx(0.5 * g_h2, abs=1e-6)  # CatMAP: G(H+) = G(H2)/2 at pH 0
    assert "ele_g" not in G
    assert G["H-ele_s"] == pytest.approx(0.35 + 0.5 * harmonic_F(H_CM), abs=1e-6)


def test_her_sabatier_trend(her: CatMAPSetup) -> None:
    """ΔG_H* by hand; the Volmer-Heyrovsky limiting potential -|ΔG_H*| is least negative on Pt."""
    dg = {}
    for s, e_h in (("Pt", -0.33), ("Cu", 0.00), ("Au", 0.21)):
        G = her.free_energies_eV(surface=s)
        dg[s] = G["H_s"] - G["H_g"]
        assert dg[s] == pytest.approx(e_h + harmonic_F(H_CM) - 0.5 * ideal_gas_G("H2", [4161], "linear", 2), abs=1e-6)
    assert min(dg, key=lambda s: abs(dg[s])) == "Pt"
    assert dg["Pt"] < 0 < dg["Cu"] < dg["Au"]


def test_round_trip(co2r: CatMAPSetup, her: CatMAPSetup) -> None:
    for setup in (co2r, her):
        data = json.loads(json.dumps(setup.as_dict()))
        back = CatMAPSetup.from_dict(data)
        assert back.as_dict() == setup.as_dict()
        assert back.to_model_kwargs(surface=setup.surface_names[0]) == setup.to_model_kwargs(
            surface=setup.surface_names[0])


CO_OX = """\
# CO oxidation written as in CatMAP's tutorials: default site via '*', stoichiometry, arithmetic
rxn_expressions = [
               '*_s + CO_g -> CO*',
               '2*_s + O2_g <-> O-O* + *_s -> 2O*',
               'CO* +  O* <-> O-CO* + * -> CO2_g + 2*',
                   ]
surface_names = ['Pt', 'Ag']
descriptor_names= ['O_s','CO_s'] #descriptor names
descriptor_ranges = [[-1,3],[-0.5,4]]
resolution = 15
temperature = 500
species_definitions = {}
species_definitions['CO_g'] = {'pressure':1.}
species_definitions['O2_g'] = {'pressure':1./3.}
species_definitions['CO2_g'] = {'pressure':0}
species_definitions['s'] = {'site_names': ['111'], 'total':1}
species_definitions['s']['interaction_response_parameters'] = {'cutoff':0.25,'smoothing':0.01}
scaling_constraint_dict = {'O_s':['+',0,None], 'O-CO_s':'initial_state'}
gas_thermo_mode = "shomate_gas"
adsorbate_thermo_mode = "frozen_adsorbate"
input_file = 'energies.txt'
"""


def test_catmap_tutorial_syntax(tmp_path: Path) -> None:
    path = tmp_path / "CO_oxidation.mkm"
    path.write_text(CO_OX)
    setup = read_mkm(path)
    assert setup.steps[1].initial == ("*_s", "*_s", "O2_g") and setup.steps[1].final == ("O_s", "O_s")
    assert setup.steps[1].transition == ("O-O_s", "*_s")
    assert setup.steps[2].expression() == "CO_s + O_s <-> O-CO_s + *_s <-> CO2_g + *_s + *_s"
    assert setup.pressures_bar["O2_g"] == pytest.approx(1 / 3)
    assert setup.resolution == 15 and setup.points == 15 and setup.potential_range_V is None
    assert setup.temperature_K == 500.0 and setup.scale == "RHE"
    assert setup.extra["scaling_constraint_dict"]["O-CO_s"] == "initial_state"
    assert setup.lines["rxn_expressions[2]"] == 5
    with pytest.raises(InputError, match=r"CO_oxidation.mkm:\d+: gas_thermo_mode 'shomate_gas' is not supported"):
        setup.free_energies_eV(surface="Pt")


@pytest.mark.parametrize(("code", "line", "what"), [
    ("import os\nos.system('touch {flag}')\n", 2, "an import"),
    ("x = __import__('os').system('touch {flag}')\n", 2, "a function call"),
    ("open('{flag}', 'w').write('x')\n", 2, "a function call"),
    ("import os\n", 2, "an import"),
    ("input_file = os.path\n", 2, "attribute access"),
    ("def f():\n    open('{flag}', 'w')\nf()\n", 2, "a function definition"),
    ("for i in range(1):\n    open('{flag}', 'w')\n", 2, "a loop"),
    ("beta = [open('{flag}', 'w') for i in (1,)]\n", 2, "a comprehension"),
    ("beta = (lambda: open('{flag}', 'w'))()\n", 2, "a function call"),
])
def test_code_in_mkm_is_refused_not_run(tmp_path: Path, code: str, line: int, what: str) -> None:
    flag = tmp_path / "pwned"
    path = tmp_path / "evil.mkm"
    path.write_text("rxn_expressions = ['CO_s -> CO_g + *_s']\n" + code.format(flag=flag))
    with pytest.raises(InputError) as info:
        read_mkm(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}:{line}: {what}") and "without executing" in msg and "\n" not in msg
    assert not flag.exists()


def write(tmp_path: Path, mkm: str, table: str | None = None) -> Path:
    """A .mkm (and its table) in tmp_path."""
    if table is not None:
        (tmp_path / "e.txt").write_text(table)
    path = tmp_path / "m.mkm"
    path.write_text(mkm)
    return path


HEAD = "surface_name\tsite_name\tspecies_name\tformation_energy\tfrequencies\treference\n"
GOOD_TABLE = HEAD + ("None\tgas\tCO\t0.0\t[2143.0]\tx\n"
                     "Au\t211\tCO\t-0.1\t[2000.0, 350.0, 300.0]\tx\n")
GOOD_MKM = ("rxn_expressions = ['CO_s <-> CO_g + *_s']\nsurface_names = ['Au']\ntemperature = 300\n"
            "species_definitions = {}\nspecies_definitions['CO_g'] = {'pressure': 1.0}\n"
            "species_definitions['s'] = {'site_names': ['211'], 'total': 1}\ninput_file = 'e.txt'\n")


def test_minimal_model_and_bad_inputs(tmp_path: Path) -> None:
    setup = read_mkm(write(tmp_path, GOOD_MKM, GOOD_TABLE))
    assert setup.free_energies_eV()["CO_s"] == pytest.approx(-0.1 + harmonic_F([2000, 350, 300], 300.0))
    # missing energy names the species and the table
    read_mkm(write(tmp_path, GOOD_MKM.replace("['Au']", "['Au', 'Ag']"), GOOD_TABLE))
    with pytest.raises(InputError, match=r"e.txt: no energy for CO_s .*surface 'Ag'"):
        read_mkm(tmp_path / "m.mkm").free_energies_eV(surface="Ag")
    # missing input_file
    (tmp_path / "e.txt").unlink()
    with pytest.raises(InputError, match=r"m.mkm:7: input_file '.*e.txt' not found"):
        read_mkm(tmp_path / "m.mkm").free_energies_eV(surface="Au")
    # malformed table line
    write(tmp_path, GOOD_MKM, GOOD_TABLE + "Au\t211\tCOOH\n")
    with pytest.raises(InputError, match=r"e.txt, line 4: expected tab-separated fields"):
        read_mkm(tmp_path / "m.mkm").free_energies_eV()
    write(tmp_path, GOOD_MKM, GOOD_TABLE + "Au\t211\tCOOH\t-0.2\t[1, x]\tref\n")
    with pytest.raises(InputError, match=r"e.txt, line 4, field 'frequencies'"):
        read_mkm(tmp_path / "m.mkm").free_energies_eV()


@pytest.mark.parametrize(("old", "new", "match"), [
    ("{'pressure': 1.0}", "{'pressure': -1.0}", r"m.mkm:5: species_definitions\['CO_g'\]\['pressure'\] = -1.0"),
    ("'CO_s <-> CO_g + *_s'", "'CO_s <-> CO2_g + *_s'", r"m.mkm:1: unbalanced reaction \(mass balance\)"),
    ("'CO_s <-> CO_g + *_s'", "'CO_s <-> CO_g + 2*_s'", r"m.mkm:1: unbalanced reaction \(site balance\)"),
    ("'CO_s <-> CO_g + *_s'", "'Xq_s <-> Xq_g + *_s'", r"m.mkm:1: species 'Xq_s': unknown element"),
    ("'CO_s <-> CO_g + *_s'", "'CO_s + *_s'", r"m.mkm:1: expected 'IS -> FS'"),
    ("'CO_s <-> CO_g + *_s'", "'CO_t <-> CO_g + *_t'", r"m.mkm:4: site 't' is used in rxn_expressions"),
    ("temperature = 300", "temperature = -3", r"m.mkm:3: temperature must be positive"),
    ("temperature = 300", "temperature = 300 +", r"m.mkm:3: not valid .mkm \(Python\) syntax"),
    ("temperature = 300", "temperature = undefined_name", r"m.mkm:3: name 'undefined_name' is not defined"),
    ("temperature = 300", "beta = 1.5", r"m.mkm:3: beta = 1.5 must lie in \[0, 1\]"),
])
def test_bad_mkm_names_file_and_line(tmp_path: Path, old: str, new: str, match: str) -> None:
    assert old in GOOD_MKM
    path = write(tmp_path, GOOD_MKM.replace(old, new), GOOD_TABLE)
    with pytest.raises(InputError, match=match):
        read_mkm(path)


def test_missing_mkm_and_input_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="CatMAP setup file not found"):
        read_mkm(tmp_path / "nope.mkm")
    setup = read_mkm(write(tmp_path, GOOD_MKM.replace("input_file = 'e.txt'\n", "")))
    with pytest.raises(InputError, match="no input_file"):
        setup.free_energies_eV()


def test_real_catmap_table_rows_load_in_fed(capsys: pytest.CaptureFixture[str]) -> None:
    """A CatMAP table with its fictitious 'OH'/'pe' gas rows and TS rows loads in load_energies and `nanocat fed`."""
    rows = read_catmap_table(DATA / "CO2R_energies.txt")
    assert any(r.species_name == "OH" and r.is_gas for r in rows)
    fe = load_energies(DATA / "CO2R_energies.txt", surface="Au")
    assert {"COOH*", "CO*"} <= set(fe.G_eV) and "OH(g)" not in fe.G_eV
    assert main(["fed", str(DATA / "CO2R_energies.txt"), "--surface", "Au", "--json", "--product", "CO"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out


ECHEM_TABLE = HEAD + ("None\tgas\tH2\t0.0\t[4161.0]\tx\n"
                      "None\tgas\tH2O\t0.0\t[3657.0, 1595.0, 3756.0]\tx\n"
                      "None\tgas\tCO2\t-0.4\t[1333.0, 667.0, 667.0, 2349.0]\tx\n"
                      "None\tgas\tCO\t0.0\t[2143.0]\tx\n"
                      "Au\t211\tH\t0.2\t[1100.0, 800.0, 650.0]\tx\n"
                      "Au\t211\tCOOH\t-0.7\t[]\tx\n"
                      "Au\t211\tCO\t-0.1\t[]\tx\n")
ECHEM_MKM = ("rxn_expressions = [\n    'H2O_g + ele_g + *_s <-> H_s + OH_g',\n"
             "    'CO2_g + *_s + pe_g -> ^0.30eV_s -> COOH_s; beta=0.4',\n"
             "    'COOH_s + pe_g <-> CO_s + H2O_g',\n]\n"
             "surface_names = ['Au']\ntemperature = 298.15\npH = 13\n"
             "species_definitions = {'s': {'site_names': ['211'], 'total': 1.0}}\ninput_file = 'e.txt'\n")


def test_echem_pseudo_species_and_barrier_token(tmp_path: Path) -> None:
    """OH_g = G(H2O) - G(H2)/2 and CatMAP's '^Ea_site' electrochemical TS (generate_echem_TS_energies at 0 V)."""
    setup = read_mkm(write(tmp_path, ECHEM_MKM, ECHEM_TABLE))
    assert setup.scale == "SHE"  # ele_g/OH_g: CatMAP's pH-dependent proton
    G = setup.free_energies_eV()
    g_h2, g_h2o = ideal_gas_G("H2", [4161], "linear", 2), ideal_gas_G("H2O", [3657, 1595, 3756], "nonlinear", 2)
    assert G["OH_g"] == pytest.approx(g_h2o - 0.5 * g_h2, abs=1e-6)
    assert "H2_g" not in G and "H_g" not in G  # only species of the network
    assert setup.steps[1].expression() == "CO2_g + *_s + pe_g <-> echemTS-1_s <-> COOH_s; beta=0.4"
    g_is, g_fs = G["CO2_g"] + G["pe_g"], G["COOH_s"]
    assert G["echemTS-1_s"] == pytest.approx(g_fs + 0.30 + (1 - 0.4) * (g_is - g_fs))
    assert G["COOH_s"] == -0.7  # harmonic_adsorbate without frequencies: 0 correction, as CatMAP


@pytest.mark.parametrize(("lines", "co_s", "co_g"), [
    ("gas_thermo_mode = 'frozen_gas'\nadsorbate_thermo_mode = 'frozen_adsorbate'\n", -0.1, 0.0),
    ("gas_thermo_mode = 'zero_point_gas'\nadsorbate_thermo_mode = 'zero_point_adsorbate'\n",
     -0.1 + 0.5 * 2650.0 * 1.239842e-4, 0.5 * 2143.0 * 1.239842e-4),
    ("gas_thermo_mode = 'fixed_entropy_gas'\nelectrochemical_thermo_mode = 'hbond_electrochemical'\n",
     -0.1 + harmonic_F([2000, 350, 300], 300.0) - 0.10, 0.5 * 2143.0 * 1.239842e-4 - 300 * 0.002),
])
def test_other_thermo_modes(tmp_path: Path, lines: str, co_s: float, co_g: float) -> None:
    G = read_mkm(write(tmp_path, GOOD_MKM + lines, GOOD_TABLE)).free_energies_eV()
    assert G["CO_s"] == pytest.approx(co_s, abs=1e-6) and G["CO_g"] == pytest.approx(co_g, abs=1e-6)


def test_thermal_term_and_row_records_round_trip() -> None:
    from nanocat.thermo.corrections import Correction, adsorbate_correction
    from nanocat.thermo.io import CatMAPRow

    plain, full = adsorbate_correction(H_CM), adsorbate_correction(H_CM, thermal=True)
    assert plain.thermal_eV == 0.0 and full.thermal_eV > 0
    assert full.total_eV == pytest.approx(harmonic_F(H_CM))  # ZPE + ∫Cv dT − TS = Helmholtz energy
    assert Correction.from_dict(full.as_dict()) == full
    row = read_catmap_table(DATA / "HER_energies.txt")[2]
    assert (row.surface_name, row.species_name, row.frequencies_cm) == ("Pt", "H", tuple(H_CM))
    assert CatMAPRow.from_dict(json.loads(json.dumps(row.as_dict()))) == row
