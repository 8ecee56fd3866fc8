"""Energy files: CSV (G or E), YAML, CatMAP tables; bad input names file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from nanocat.errors import EnergyInputError
from nanocat.thermo import formation_energies_from_electronic, get_preset, load_energies
from nanocat.thermo.corrections import adsorbate_correction

DATA = Path(__file__).parent / "data"
# the electronic energies tests/data/catmap_energies.txt was written from (references CO(g), H2O(g), H2(g))
RAW_GAS = {"CO2(g)": -23.05, "CO(g)": -14.80, "H2(g)": -6.77, "H2O(g)": -14.22, "CH4(g)": -24.05,
           "CH2O(g)": -22.10}
RAW_CLEAN = -100.0
RAW_ADS = {"H*": -103.62, "OCHO*": -126.00, "CO*": -115.10, "CHO*": -118.30, "OH*": -110.95, "O*": -107.30}
COOH_FREQS = [3620.0, 1250.0, 1100.0, 650.0, 420.0, 300.0, 250.0, 150.0, 100.0]


def test_csv_formation_energies() -> None:
    fe = load_energies(DATA / "thermo_synthetic.csv")
    assert fe.G_eV["COOH*"] == 0.40 and fe.G_eV["O*"] == -0.50 and len(fe.G_eV) == 10


def test_csv_and_yaml_electronic_match_api(tmp_path: Path) -> None:
    expected = formation_energies_from_electronic(RAW_CLEAN, RAW_ADS, RAW_GAS, "xtb", method="GFN1-xTB")
    csv_file = tmp_path / "e.csv"
    rows = [("*", RAW_CLEAN), *RAW_ADS.items(), *RAW_GAS.items()]
    csv_file.write_text("species,E_eV\n" + "".join(f"{k},{v}\n" for k, v in rows))
    assert load_energies(csv_file, "xtb", method="GFN1-xTB").G_eV == pytest.approx(expected.G_eV)
    yml = tmp_path / "e.yaml"
    yml.write_text("method: GFN1-xTB\ncorrections: xtb\nclean_eV: -100.0\nadsorbed_eV:\n"
                   + "".join(f"  '{k}': {v}\n" for k, v in RAW_ADS.items()) + "gas_eV:\n"
                   + "".join(f"  '{k}': {v}\n" for k, v in RAW_GAS.items()))
    fe = load_energies(yml)
    assert fe.G_eV == pytest.approx(expected.G_eV) and fe.method == "GFN1-xTB" and fe.corrections == "xtb"
    yml_g = tmp_path / "g.yaml"
    yml_g.write_text("G_eV:\n  'CO*': -0.2\n  'H*': 0.1\n")
    assert load_energies(yml_g).G_eV == {"CO*": -0.2, "H*": 0.1}


def test_catmap_table_is_rereferenced() -> None:
    fe = load_energies(DATA / "catmap_energies.txt", "peterson2010", surface="Cu")
    direct = formation_energies_from_electronic(RAW_CLEAN, RAW_ADS, RAW_GAS, "peterson2010")
    for name in RAW_ADS:
        assert fe.G_eV[name] == pytest.approx(direct.G_eV[name], abs=2e-4)  # table rounded to 0.1 meV
    assert fe.G_eV["CH4(g)"] == pytest.approx(direct.G_eV["CH4(g)"], abs=2e-4)
    # COOH*: ZPE/TS from the table's frequencies (HarmonicThermo), Peterson's solvation kept
    harm = adsorbate_correction(COOH_FREQS)
    pet = get_preset("peterson2010").get("COOH*")
    shift = (harm.zpe_eV - harm.ts_eV - 0.25) - pet.total_eV
    raw_cooh = formation_energies_from_electronic(RAW_CLEAN, {"COOH*": -125.70}, RAW_GAS, "peterson2010")
    assert fe.G_eV["COOH*"] == pytest.approx(raw_cooh.G_eV["COOH*"] + shift, abs=2e-4)
    assert "HarmonicThermo" in fe.sources["COOH*"]
    assert "OC-CO*" not in fe.G_eV  # transition state skipped


def test_catmap_needs_surface_choice() -> None:
    with pytest.raises(EnergyInputError, match="several surfaces"):
        load_energies(DATA / "catmap_energies.txt")
    assert load_energies(DATA / "catmap_energies.txt", surface="Ag").G_eV.keys() >= {"CO*"}


@pytest.mark.parametrize(("content", "match"), [
    ("species,G_eV\nCO*,-0.1\nCOOH,0.3\n", r"line 3: field 'species'"),
    ("species,G_eV\nCO*,abc\n", r"line 2, field 'G_eV': 'abc' is not a number"),
    ("species,G_eV\nCO*,-0.1\nCO*,0.2\n", r"line 3: species 'CO\*' given twice"),
    ("name,G\nCO*,-0.1\n", r"line 1: header"),
    ("species,E_eV\n*,-100\nCO*,-115\nCO2(g),-23\nH2(g),-6.8\n", r"missing reference gas energies: H2O\(g\)"),
    ("species,E_eV\nCO*,-115\n", r"clean catalyst"),
    ("species,G_eV\nCO*\n", r"line 2: expected two fields"),
])
def test_bad_csv_names_file_line_field(tmp_path: Path, content: str, match: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(EnergyInputError, match=match) as info:
        load_energies(path)
    assert "bad.csv" in str(info.value)


def test_bad_catmap_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "cm.txt"
    path.write_text("surface_name\tsite_name\tspecies_name\tformation_energy\tfrequencies\treference\n"
                    "Cu\t211\tCO\t-0.3\t[12, x]\tref\n")
    with pytest.raises(EnergyInputError, match=r"cm.txt, line 2, field 'frequencies'"):
        load_energies(path)
    path.write_text("surface_name\tsite_name\tspecies_name\tformation_energy\n"
                    "Cu\t211\tCO\tlow\n")
    with pytest.raises(EnergyInputError, match=r"line 2, field 'formation_energy'"):
        load_energies(path)
    with pytest.raises(EnergyInputError, match="not found"):
        load_energies(tmp_path / "nope.csv")
