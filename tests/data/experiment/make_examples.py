"""Write the synthetic example runs in this folder (deterministic: numpy seed 8). Run: python make_examples.py

Physics used to *generate* the files (the analysis code is not used):
- partial current densities from Tafel kinetics on the RHE scale, |j_i| = j0_i · 10^(−E_RHE / b_i)
  (CO: b = 118 mV/dec, j0 = 1.74e-5 mA cm-2; H2: b = 150 mV/dec, j0 = 3.25e-4 mA cm-2; HCOOH: 4 % of
  j_CO), which gives 1-30 mA cm-2 between -0.50 and -0.70 V_RHE;
- measured potential vs the stated reference: E_meas = E_RHE − E_ref(SHE) − 0.05916·pH + I·R_u·(1 − f);
- current noise: Gaussian, 1 % of the mean; GC ppm: x_i = |I| FE_i / (z_i F Ṅ) with Ṅ from sccm at 273.15 K,
  101.325 kPa (ideal gas, scipy.constants); HCOOH in the catholyte: n = Q FE / (2F) over 30 mL.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from scipy.constants import R, physical_constants

F = physical_constants["Faraday constant"][0]
HERE = Path(__file__).parent
RNG = np.random.default_rng(8)
AGCL_SAT_V_SHE, PH, RU, FRAC, AREA = 0.197, 7.2, 8.0, 0.85, 1.0
NERNST = math.log(10) * R * 298.15 / F
FLOW = 101.325e3 * 20.0e-6 / 60 / (R * 273.15)  # mol/s at 20 sccm, 273.15 K, 101.325 kPa
TAFEL = {"CO": (1.74e-5, 0.118), "H2": (3.25e-4, 0.150)}
T = np.arange(0.0, 1800.0 + 1e-9, 10.0)


def currents(e_rhe: float) -> tuple[float, dict[str, float]]:
    """Total current (A, cathodic negative) and FE (%) per product at e_rhe."""
    j = {p: j0 * 10 ** (-e_rhe / b) for p, (j0, b) in TAFEL.items()}
    j["HCOOH"] = 0.04 * j["CO"]
    total = sum(j.values())
    return -total * AREA * 1e-3, {p: 100 * v / total for p, v in j.items()}


def record(e_rhe: float) -> tuple[np.ndarray, np.ndarray, float, dict[str, float]]:
    """Time series of current and measured potential (V vs Ag/AgCl sat.) at one set E_RHE."""
    i_mean, fe = currents(e_rhe)
    i = i_mean * (1 + 0.01 * RNG.standard_normal(T.size))
    e_meas = e_rhe - AGCL_SAT_V_SHE - NERNST * PH + i * RU * (1 - FRAC)
    return i, e_meas, i_mean, fe


def gc_ppm(i_mean: float, fe: dict[str, float]) -> dict[str, float]:
    """GC ppm of the gas products for a current and FE."""
    z = {"CO": 2, "H2": 2}
    return {p: round(abs(i_mean) * fe[p] / 100 / (z[p] * F * FLOW) * 1e6, 1) for p in z}


def hcooh_mM(i: np.ndarray, fe: float) -> float:
    """Formate concentration (mM) in 30 mL after the whole record."""
    q = abs(np.trapezoid(i, T))
    return round(q * fe / 100 / (2 * F) / 30e-6, 4)


def write_csv(path: Path, i: np.ndarray, e: np.ndarray, sep: str = ",") -> None:
    rows = [sep.join(("time_s", "current_A", "potential_V"))]
    rows += [sep.join((f"{t:.1f}", f"{a:.6e}", f"{b:.5f}")) for t, a, b in zip(T, i, e, strict=True)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def write_mpt(path: Path, i: np.ndarray, e: np.ndarray) -> None:
    head = ["EC-Lab ASCII FILE", "Nb header lines : 12", "", "Chronoamperometry / Chronocoulometry", "",
            "Run on channel : 1 (SN 0000)", "Electrode surface area : 1.000 cm²",
            "Acquisition started on : 03/15/2025 10:02:11.000", "Ei (V)              -1.300",
            "vs.                 Ref", "record              <I>",
            "mode\tox/red\terror\tcontrol changes\ttime/s\tcontrol/V\tEwe/V\t<I>/mA\tdQ/C\tI Range"]
    rows = [f"2\t0\t0\t0\t{t:.4f}\t{b:.4f}\t{b:.6f}\t{a * 1e3:.6f}\t0.0\t41" for t, a, b in zip(T, i, e, strict=True)]
    path.write_text("\n".join(head + rows) + "\n", encoding="latin-1")


def write_dta(path: Path, i: np.ndarray, e: np.ndarray) -> None:
    head = ["EXPLAIN", "TAG\tCHRONOA", "TITLE\tLABEL\tChronoamperometry Scan\tTest &Identifier",
            "DATE\tLABEL\t3/15/2025\tDate", "TIME\tLABEL\t11:05:42\tTime", "NOTES\tNOTES\t1\t&Notes...",
            "\tsynthetic nanocat example", "PSTAT\tPSTAT\tREF600-00000\tPotentiostat",
            f"VPRESTEP\tPOTEN\t{e[0]:.5E}\tF\tPre-step V&oltage (V)",
            "SAMPLETIME\tQUANT\t1.00000E+001\tSample &Period (s)",
            "AREA\tQUANT\t1.00000E+000\tSample &Area (cm^2)", f"CURVE\tTABLE\t{T.size}",
            "\tPt\tT\tVf\tIm\tVu\tSig\tAch\tIERange\tOver", "\t#\ts\tV vs. Ref.\tA\tV\tV\tV\t#\tbits"]
    rows = [f"\t{k}\t{t:.5E}\t{b:.5E}\t{a:.5E}\t0.00000E+000\t{b:.5E}\t0.00000E+000\t9\t..........."
            for k, (t, a, b) in enumerate(zip(T, i, e, strict=True))]
    path.write_text("\n".join(head + rows) + "\n", encoding="latin-1")


def write_chi(path: Path, i: np.ndarray, e_set: float) -> None:
    head = ["Mar. 15, 2025   12:10:05", "Amperometric i-t Curve", "File: C:\\CHI\\au25_step3.bin",
            "Data Source: Experiment", "Instrument Model:  CHI660E", "Header:", "Note:", "",
            f"Init E (V) = {e_set:.4f}", "Sample Interval (s) = 10", "Run Time (sec) = 1800", "Quiet Time (sec) = 2",
            "Scales during Run = 1", "Sensitivity (A/V) = 1.e-2", "", "Time/sec, Current/A", ""]
    rows = [f"{t:.3f}, {a:.4e}" for t, a in zip(T, i, strict=True)]
    path.write_text("\n".join(head + rows) + "\n", encoding="utf-8")


def main() -> None:
    # the minimal run (run.yaml, its numbers): -10.5 mA at -0.57 V_RHE makes its GC and NMR add up
    i = -10.5e-3 * (1 + 0.01 * RNG.standard_normal(T.size))
    write_csv(HERE / "step1.csv", i, -0.57 - AGCL_SAT_V_SHE - NERNST * PH + i * RU * (1 - FRAC))
    # a five-step series, one file format per step
    series = [(-0.50, "s1.mpt"), (-0.55, "s2.DTA"), (-0.60, "s3.txt"), (-0.65, "s4.csv"), (-0.70, "s5.tsv")]
    lines = ["# synthetic Au25 potential series (make_examples.py); one potentiostat format per step",
             'electrode: {area_cm2: 1.0, loading_ug_cm2: 100.0, catalyst: "[Au25(PET)18]-", catalyst_id: Au25-example}',
             'reference: {electrode: "Ag/AgCl (sat. KCl)"}', 'electrolyte: {name: "0.5 M KHCO3", pH: 7.2}',
             "resistance: {R_u_ohm: 8.0, compensated_fraction: 0.85}", "temperature_K: 298.15", "cell: H-cell",
             "study: {id: exp-au25-example, title: Synthetic Au25 potential series}", "steps:"]
    for e_rhe, name in series:
        i, e, i_mean, fe = record(e_rhe)
        if name.endswith(".mpt"):
            write_mpt(HERE / name, i, e)
        elif name.endswith(".DTA"):
            write_dta(HERE / name, i, e)
        elif name.endswith(".txt"):  # CHI holds the potential: write the set value
            write_chi(HERE / name, i, float(np.mean(e)))
        else:
            write_csv(HERE / name, i, e, sep="\t" if name.endswith(".tsv") else ",")
        ppm = gc_ppm(i_mean, fe)
        c_mM = hcooh_mM(i, fe["HCOOH"])
        lines += [f"  - potentiostat: {name}",
                  "    gas: {flow_sccm: 20.0, reference_T_K: 273.15, reference_p_kPa: 101.325,",
                  f"          injections: [{{time_s: 600, ppm: {{CO: {ppm['CO']}, H2: {ppm['H2']}}}}},",
                  f"                       {{time_s: 1500, ppm: {{CO: {ppm['CO']}, H2: {ppm['H2']}}}}}]}}",
                  f"    liquid: {{volume_mL: 30.0, sampled_at_s: 1800, concentration_mM: {{HCOOH: {c_mM}}}}}"]
    (HERE / "series.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
