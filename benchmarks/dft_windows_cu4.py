"""PBE/def2-SVP formation free energies of H*, OCHO*, COOH*, CO* on Cu4 (evidence for plausible_windows.yaml).

Protocol (DESIGN.md §5: "same geometry for every method"): relax Cu4, each intermediate on every
symmetry-unique site of Cu4 (nanocat's SiteFinder and placement, one orientation) and the gas references with
GFN1-xTB (tblite); keep the lowest GFN1 site per intermediate; then PySCF PBE/def2-SVP single points
(density fitting, unrestricted for open shells) on those geometries, and formation free energies with the
``xtb-raw`` preset (Peterson 2010 adsorbate ZPE/TS, IdealGasThermo gases, no RPBE gas fixes, no solvation,
gases as computed): G_f(X*) from CO2(g), H2(g), H2O(l) at 0 V_RHE, as FormationEnergies.

Run: ``OMP_NUM_THREADS=2 nice -n 10 python benchmarks/dft_windows_cu4.py`` (needs pyscf; ~10-30 min on 2 cores).
"""

from __future__ import annotations

import json
import time

import numpy as np
from ase.build import molecule
from ase.optimize import LBFGS
from ase.units import Hartree

ADSORBATES = {"H": "H*", "OCHO": "OCHO*", "COOH": "COOH*", "CO": "CO*"}


def gfn1(atoms, multiplicity):
    """Relaxed copy with GFN1-xTB (nanocat's default SCF settings) and its energy (eV)."""
    from tblite.ase import TBLite

    work = atoms.copy()
    work.calc = TBLite(method="GFN1-xTB", multiplicity=multiplicity, electronic_temperature=300.0,
                       max_iterations=250, mixer_memory=250, verbosity=0)
    LBFGS(work, logfile=None).run(fmax=0.05, steps=300)
    return work, float(work.get_potential_energy())


def pbe(atoms, multiplicity):
    """PBE/def2-SVP single-point energy (eV), density fitting, UKS when open-shell."""
    from pyscf import dft, gto

    mol = gto.M(atom=[(s, p) for s, p in zip(atoms.get_chemical_symbols(), atoms.positions, strict=True)],
                basis="def2-svp", spin=multiplicity - 1, charge=0, verbose=0)
    mf = (dft.UKS(mol) if multiplicity > 1 else dft.RKS(mol)).density_fit()
    mf.xc = "pbe"
    mf.conv_tol = 1e-8
    mf.max_cycle = 200
    e = mf.kernel()
    if not mf.converged:
        mf = mf.newton()
        e = mf.kernel()
    return float(e) * Hartree, bool(mf.converged)


def main() -> None:
    from nanocat.atoms.adsorbates import adsorbate_candidates
    from nanocat.atoms.sites import SiteFinder
    from nanocat.atoms.structures import build_cluster, lowest_multiplicity
    from nanocat.thermo import formation_energies_from_electronic

    t0 = time.time()
    cu4, _ = gfn1(build_cluster("Cu4"), 1)
    gases = {name: gfn1(molecule(name), 1)[0] for name in ("H2", "CO2", "H2O")}
    sites = SiteFinder(kinds=("top", "bridge", "hollow")).find(cu4)
    best = {}
    for ads, species in ADSORBATES.items():
        for site in sites:
            start = adsorbate_candidates(cu4, site, ads, 1)[0]
            mult = lowest_multiplicity(start)
            atoms, e = gfn1(start, mult)
            if species not in best or e < best[species][1]:
                best[species] = (atoms, e, site.label, mult)
    e_cu4, ok = pbe(cu4, 1)
    gas_eV = {}
    for name, atoms in gases.items():
        gas_eV[f"{name}(g)"], _ = pbe(atoms, 1)
    out = {"method": "PBE/def2-SVP (PySCF, density fitting) // GFN1-xTB geometries", "rows": []}
    for species, (atoms, _, label, mult) in best.items():
        e, converged = pbe(atoms, mult)
        fe = formation_energies_from_electronic(e_cu4, {species: e}, gas_eV, "xtb-raw", "PBE/def2-SVP")
        row = {"species": species, "site": label, "multiplicity": mult, "converged": converged,
               "E_eV": e, "G_f_eV": round(fe.G_eV[species], 3)}
        out["rows"].append(row)
        print(json.dumps(row), flush=True)
    out["E_Cu4_eV"], out["gas_eV"], out["wall_s"] = e_cu4, gas_eV, round(time.time() - t0)
    print(json.dumps(out, default=float))


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    main()
