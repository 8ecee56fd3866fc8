"""Molecular Kohn-Sham DFT with PySCF as an ASE calculator (energy in eV, forces in eV/Å).

Recipe in the constructor, system in :meth:`PySCFCalculator.calculate`, as every ASE calculator:

1. build a ``pyscf.gto.Mole`` from the atoms (Å), the charge and ``spin = multiplicity - 1``; def2 basis sets
   get their def2 effective core potentials on elements beyond Kr (Ag, Cd, Pd, Pt, Au: 28 or 60 core
   electrons), because PySCF's def2 basis for those elements is a valence basis that is wrong without its ECP;
2. restricted Kohn-Sham (RKS) for singlets, unrestricted (UKS) otherwise; density fitting by default (the
   auxiliary basis PySCF picks for the orbital basis and functional: def2-universal-jfit for def2 and a pure
   functional); optional Fermi or Gaussian smearing of width ``smearing_Ha`` (Hartree) at fixed spin;
3. SCF from the previous geometry's density matrix when the atoms, basis and spin are unchanged (a relaxation
   step costs a few cycles instead of a full SCF), raising :class:`ase.calculators.calculator.SCFError` when
   it does not converge in ``max_cycle`` iterations;
4. analytic nuclear gradients (``nuc_grad_method``), computed only when forces are asked for; optional D3(BJ)/D3(0) via ``dftd3`` or D4 via ``dftd4``,
   added to energy and forces.

With smearing, ``energy`` is the zero-width estimate ``E - sigma*S/2`` and ``free_energy`` the Mermin free
energy ``E - sigma*S`` of which the forces are the gradient (ASE's convention for smeared calculators).

PySCF uses ``OMP_NUM_THREADS`` (read when it is first imported) unless ``threads`` is given.
"""

from __future__ import annotations

import logging
import math
import time
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

import numpy as np
from ase.calculators.calculator import Calculator, SCFError, all_changes
from ase.units import Bohr, Hartree

from nanocat._version import __version__
from nanocat.errors import EngineError, InputError

if TYPE_CHECKING:
    from ase import Atoms

log = logging.getLogger(__name__)

#: Dispersion corrections: name -> (package, label suffix).
DISPERSION_MODELS: dict[str, tuple[str, str]] = {
    "d3bj": ("dftd3", "D3BJ"),
    "d3zero": ("dftd3", "D3(0)"),
    "d4": ("dftd4", "D4"),
}
SMEARING_METHODS = ("fermi", "gaussian")
#: First atomic number whose def2 basis needs a def2 ECP (Rb, Z = 37; Weigend & Ahlrichs 2005,
#: doi 10.1039/b508541a).
_FIRST_ECP_Z = 37


def _pretty_basis(basis: str) -> str:
    """``def2-svp`` -> ``def2-SVP``; other names unchanged."""
    low = basis.lower()
    if low.startswith("def2-"):
        return "def2-" + basis[5:].upper()
    return basis


def _package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


class PySCFCalculator(Calculator):
    """Kohn-Sham DFT of a molecule or cluster with PySCF: energy (eV), free energy (eV), forces (eV/Å).

    Parameters
    ----------
    xc
        Exchange-correlation functional, any libxc name PySCF accepts (default PBE).
    basis
        Orbital basis set name (default def2-svp).
    ecp
        Effective core potential: ``"auto"`` gives def2 basis sets their def2 ECP on elements beyond Kr and
        none otherwise; ``None`` is all-electron; any other string is passed to PySCF for every element.
    charge
        Net charge, e.
    multiplicity
        Spin multiplicity 2S+1; 1 runs RKS, anything else UKS.
    density_fit
        Density fitting of the Coulomb (and exchange) integrals.
    auxbasis
        Auxiliary basis for density fitting; None lets PySCF choose (def2-universal-jfit for def2 basis sets
        and pure functionals).
    grid_level
        PySCF integration grid level 0-9 (PySCF's default 3).
    conv_tol
        SCF energy convergence threshold, Hartree.
    max_cycle
        Maximum SCF iterations; exceeding them raises SCFError.
    smearing_Ha
        Smearing width sigma, Hartree (0.005 Ha = 0.136 eV, kT at 1579 K); None for integer occupations.
    smearing_method
        ``"fermi"`` (Fermi-Dirac) or ``"gaussian"``.
    dispersion
        None, ``"d3bj"``, ``"d3zero"`` (package ``dftd3``) or ``"d4"`` (package ``dftd4``); parameters are those
        the package has for ``xc``.
    reuse_density
        Start each SCF from the previous converged density matrix when atoms, basis and spin are unchanged.
    threads
        OpenMP threads for PySCF; None keeps what PySCF took from OMP_NUM_THREADS.
    max_memory_MB
        PySCF memory limit, MB; None keeps PySCF's default.
    verbose
        PySCF verbosity (0 silent, 4 prints every SCF cycle).
    """

    implemented_properties = ["energy", "free_energy", "forces"]
    default_parameters: dict[str, Any] = {
        "xc": "PBE",
        "basis": "def2-svp",
        "ecp": "auto",
        "charge": 0,
        "multiplicity": 1,
        "density_fit": True,
        "auxbasis": None,
        "grid_level": 3,
        "conv_tol": 1e-9,
        "max_cycle": 100,
        "smearing_Ha": None,
        "smearing_method": "fermi",
        "dispersion": None,
        "reuse_density": True,
        "threads": None,
        "max_memory_MB": None,
        "verbose": 0,
    }

    def __init__(self, **kwargs: Any) -> None:
        unknown = sorted(set(kwargs) - set(self.default_parameters) - {"label", "atoms", "directory"})
        if unknown:
            valid = ", ".join(self.default_parameters)
            raise InputError(f"unknown PySCF setting(s) {', '.join(unknown)}; valid settings: {valid}")
        super().__init__(**kwargs)
        self._validate()
        self._dm: Any = None
        self._dm_key: tuple[Any, ...] | None = None
        self._mf: Any = None  # last converged mean field: forces at the same geometry need only its gradient
        self._g_disp = np.zeros((0, 3))
        #: What the last calculation did: SCF cycles, AO count, wall times (s), energies (Hartree).
        self.last_run: dict[str, Any] = {}

    # -- settings ------------------------------------------------------------------------------------------

    def set(self, **kwargs: Any) -> dict[str, Any]:
        """Change settings (ASE semantics: results are reset when anything changes), then validate them."""
        changed = super().set(**kwargs)
        if hasattr(self, "_dm"):
            self._validate()
        return changed

    def _validate(self) -> None:
        p = self.parameters
        p["xc"] = str(p["xc"])
        p["basis"] = str(p["basis"])
        try:
            p["charge"] = int(p["charge"])
            p["multiplicity"] = int(p["multiplicity"])
            p["grid_level"] = int(p["grid_level"])
            p["max_cycle"] = int(p["max_cycle"])
            p["conv_tol"] = float(p["conv_tol"])
        except (TypeError, ValueError) as exc:
            raise InputError(f"PySCF settings: charge, multiplicity, grid_level, max_cycle must be integers "
                             f"and conv_tol a number ({exc})") from exc
        if p["multiplicity"] < 1:
            raise InputError(f"multiplicity must be >= 1 (2S+1), got {p['multiplicity']}")
        if not 0 <= p["grid_level"] <= 9:
            raise InputError(f"grid_level must be 0-9 (PySCF grid levels), got {p['grid_level']}")
        if p["max_cycle"] < 1:
            raise InputError(f"max_cycle must be >= 1, got {p['max_cycle']}")
        if not (math.isfinite(p["conv_tol"]) and p["conv_tol"] > 0):
            raise InputError(f"conv_tol must be > 0 Hartree, got {p['conv_tol']}")
        sigma = p["smearing_Ha"]
        if sigma is not None:
            sigma = float(sigma)
            if not (math.isfinite(sigma) and sigma > 0):
                raise InputError(f"smearing_Ha must be > 0 Hartree (or None for no smearing), got {sigma}")
            p["smearing_Ha"] = sigma
        if p["smearing_method"] not in SMEARING_METHODS:
            raise InputError(f"smearing_method must be one of {', '.join(SMEARING_METHODS)}, "
                             f"got {p['smearing_method']!r}")
        disp = p["dispersion"]
        if disp is not None:
            disp = str(disp).strip().lower().replace("(", "").replace(")", "").replace("-", "")
            if disp not in DISPERSION_MODELS:
                raise InputError(f"dispersion must be one of {', '.join(DISPERSION_MODELS)} or None, "
                                 f"got {p['dispersion']!r}")
            p["dispersion"] = disp
        if p["threads"] is not None and int(p["threads"]) < 1:
            raise InputError(f"threads must be >= 1, got {p['threads']}")
        self._check_functional(p["xc"])

    @staticmethod
    def _check_functional(xc: str) -> None:
        dft = _import_pyscf().dft
        try:
            dft.libxc.parse_xc(xc)
        except (KeyError, ValueError) as exc:
            raise InputError(f"unknown exchange-correlation functional {xc!r} for PySCF/libxc ({exc})") from exc

    @property
    def method_label(self) -> str:
        """Method label stored with every energy, e.g. ``PBE/def2-SVP(PySCF,DF)-D3BJ+smear(0.005Ha)``."""
        p = self.parameters
        tags = ["PySCF"] + (["DF"] if p["density_fit"] else [])
        label = f"{p['xc'].upper()}/{_pretty_basis(p['basis'])}({','.join(tags)})"
        if p["dispersion"]:
            label += "-" + DISPERSION_MODELS[p["dispersion"]][1]
        if p["smearing_Ha"]:
            kind = "smear" if p["smearing_method"] == "fermi" else "gsmear"
            label += f"+{kind}({p['smearing_Ha']:g}Ha)"
        return label

    def settings(self) -> dict[str, Any]:
        """Every setting that fixes an energy, plus library versions (plain JSON).

        The thread count is not among them: it does not change the energy, and it differs between a screen's
        parent (2 threads) and its workers (1), so it would split one job into two cache keys; it is in
        :attr:`last_run`.
        """
        p = self.parameters
        settings: dict[str, Any] = {"engine": "pyscf", "method_label": self.method_label}
        settings.update({key: p[key] for key in self.default_parameters if key not in ("threads", "verbose")})
        settings["scf"] = "RKS" if p["multiplicity"] == 1 else "UKS"
        settings["smearing_fixed_spin"] = bool(p["smearing_Ha"]) and p["multiplicity"] != 1
        if p["auxbasis"] is None and p["density_fit"]:
            settings["auxbasis_resolved"] = self.last_run.get("auxbasis")
        settings["versions"] = {
            "nanocat": __version__,
            "pyscf": _package_version("pyscf"),
            "ase": _package_version("ase"),
        }
        if p["dispersion"]:
            package = DISPERSION_MODELS[p["dispersion"]][0]
            settings["versions"][package] = _package_version(package)
        return settings

    # -- the calculation -----------------------------------------------------------------------------------

    def calculate(self, atoms: Atoms | None = None, properties: list[str] | None = None,
                  system_changes: list[str] = all_changes) -> None:
        """Run the SCF (and gradients) on ``atoms``; fill ``results`` in eV and eV/Å."""
        properties = properties or ["energy"]
        if not system_changes and self._mf is not None and "energy" in self.results and "forces" in properties:
            self._add_forces(self._mf, self.atoms)  # same geometry: only the gradient was missing
            return
        super().calculate(atoms, properties, system_changes)
        atoms = self.atoms
        p = self.parameters
        pyscf = _import_pyscf()
        if p["threads"] is not None:
            pyscf.lib.num_threads(int(p["threads"]))
        if len(atoms) == 0:
            raise InputError("empty structure: nothing for PySCF to compute")
        if atoms.pbc.any():
            raise InputError("PySCFCalculator is molecular: set atoms.pbc = False (clusters need no periodic box)")
        mol = self._build_mole(atoms)
        mf = self._mean_field(mol)
        key = (tuple(atoms.numbers), p["basis"], p["ecp"], p["charge"], p["multiplicity"])
        dm0 = self._dm if (p["reuse_density"] and key == self._dm_key) else None
        self._mf = None
        t0 = time.perf_counter()
        e_tot = float(mf.kernel(dm0=dm0))
        t_scf = time.perf_counter() - t0
        cycles = int(getattr(mf, "cycles", -1))
        if not mf.converged:
            hint = ("a larger max_cycle, a larger smearing_Ha or another multiplicity" if p["smearing_Ha"]
                    else "smearing_Ha=0.005 (metal clusters) or a larger max_cycle")
            raise SCFError(f"{self.method_label}: SCF not converged in {p['max_cycle']} cycles on "
                           f"{atoms.get_chemical_formula()} (charge {p['charge']}, multiplicity "
                           f"{p['multiplicity']}); try {hint}")
        self._dm, self._dm_key, self._mf = mf.make_rdm1(), key, mf
        e_free = float(getattr(mf, "e_free", None) or e_tot)
        e_zero = float(getattr(mf, "e_zero", None) or e_tot)
        e_disp, self._g_disp = self._dispersion(atoms)
        self.results["energy"] = (e_zero + e_disp) * Hartree
        self.results["free_energy"] = (e_free + e_disp) * Hartree
        self.last_run = {
            "threads": int(pyscf.lib.num_threads()),
            "n_ao": int(mol.nao_nr()),
            "scf_cycles": cycles,
            "restart_density": dm0 is not None,
            "scf_s": t_scf,
            "gradient_s": None,
            "e_tot_Ha": e_tot,
            "e_free_Ha": e_free,
            "e_zero_Ha": e_zero,
            "e_dispersion_Ha": e_disp,
            "auxbasis": getattr(getattr(mf, "with_df", None), "auxbasis", None),
        }
        log.info("%s on %s: %d AO, %d SCF cycles (%.1f s)", self.method_label, atoms.get_chemical_formula(),
                 mol.nao_nr(), cycles, t_scf)
        if "forces" in properties:
            self._add_forces(mf, atoms)

    def _add_forces(self, mf: Any, atoms: Atoms) -> None:
        """Analytic gradient of the converged SCF plus dispersion, as forces in eV/Å."""
        t1 = time.perf_counter()
        grad_Ha_Bohr = np.asarray(mf.nuc_grad_method().kernel(), dtype=float)
        self.last_run["gradient_s"] = time.perf_counter() - t1
        self.results["forces"] = -(grad_Ha_Bohr + self._g_disp) * Hartree / Bohr

    def _ecp(self, symbols: list[str]) -> str | dict[str, str] | None:
        from ase.data import atomic_numbers

        p = self.parameters
        if p["ecp"] != "auto":
            return p["ecp"]
        if not p["basis"].lower().startswith("def2"):
            return None
        heavy = {s: p["basis"] for s in set(symbols) if atomic_numbers[s] >= _FIRST_ECP_Z}
        return heavy or None

    def _build_mole(self, atoms: Atoms) -> Any:
        """A built ``pyscf.gto.Mole`` (Å) or InputError naming the setting PySCF rejected."""
        pyscf = _import_pyscf()
        p = self.parameters
        symbols = atoms.get_chemical_symbols()
        mol = pyscf.gto.Mole()
        mol.atom = [(s, tuple(float(x) for x in xyz)) for s, xyz in zip(symbols, atoms.positions, strict=True)]
        mol.unit = "Angstrom"
        mol.basis = p["basis"]
        ecp = self._ecp(symbols)
        if ecp:
            mol.ecp = ecp
        mol.charge = p["charge"]
        mol.spin = p["multiplicity"] - 1
        mol.verbose = int(p["verbose"])
        if p["max_memory_MB"] is not None:
            mol.max_memory = float(p["max_memory_MB"])
        formula = atoms.get_chemical_formula()
        try:
            mol.build(parse_arg=False, dump_input=False)
        except pyscf.lib.exceptions.BasisNotFoundError as exc:
            raise InputError(f"PySCF has no basis {p['basis']!r} (or ECP {ecp!r}) for an element of "
                             f"{formula}: {str(exc).splitlines()[0]}") from exc
        except (RuntimeError, KeyError, ValueError) as exc:
            first = str(exc).splitlines()[0]
            if "spin" in first and "not consistent" in first:
                raise InputError(f"{formula} with charge {p['charge']}: multiplicity {p['multiplicity']} is "
                                 f"impossible ({first}; multiplicity = 2S+1 must have the other parity of "
                                 "the electron count)") from exc
            raise InputError(f"PySCF rejected {formula} with basis {p['basis']!r}: {first}") from exc
        return mol

    def _mean_field(self, mol: Any) -> Any:
        pyscf = _import_pyscf()
        p = self.parameters
        mf = pyscf.dft.RKS(mol) if p["multiplicity"] == 1 else pyscf.dft.UKS(mol)
        mf.xc = p["xc"]
        mf.grids.level = p["grid_level"]
        mf.conv_tol = p["conv_tol"]
        mf.max_cycle = p["max_cycle"]
        mf.verbose = int(p["verbose"])
        if p["density_fit"]:
            mf = mf.density_fit(auxbasis=p["auxbasis"])
        if p["smearing_Ha"]:
            # fixed spin: separate alpha/beta Fermi levels keep the requested multiplicity
            mf = pyscf.scf.addons.smearing_(mf, sigma=p["smearing_Ha"], method=p["smearing_method"],
                                            fix_spin=p["multiplicity"] != 1)
        return mf

    def _dispersion(self, atoms: Atoms) -> tuple[float, np.ndarray]:
        """Dispersion energy (Hartree) and gradient (Hartree/Bohr); zeros without dispersion."""
        p = self.parameters
        model = p["dispersion"]
        if model is None:
            return 0.0, np.zeros((len(atoms), 3))
        package = DISPERSION_MODELS[model][0]
        positions_bohr = atoms.positions / Bohr
        try:
            if package == "dftd3":
                from dftd3.interface import DispersionModel, RationalDampingParam, ZeroDampingParam

                damping = RationalDampingParam if model == "d3bj" else ZeroDampingParam
                disp = DispersionModel(atoms.numbers, positions_bohr)
                out = disp.get_dispersion(damping(method=p["xc"]), grad=True)
            else:
                from dftd4.interface import DampingParam
                from dftd4.interface import DispersionModel as D4Model

                disp = D4Model(atoms.numbers, positions_bohr, charge=float(p["charge"]))
                out = disp.get_dispersion(DampingParam(method=p["xc"]), grad=True)
        except ImportError as exc:
            raise EngineError(f"dispersion {model!r} needs the {package} package: pip install "
                              f"'nanocat[dft]' ({exc})") from exc
        except RuntimeError as exc:  # the packages raise RuntimeError for a functional they have no parameters for
            raise InputError(f"{package} has no {model} parameters for functional {p['xc']!r}: {exc}") from exc
        return float(out["energy"]), np.asarray(out["gradient"], dtype=float)


def _import_pyscf() -> Any:
    """The pyscf package with its dft, scf, gto and lib submodules loaded, or EngineError saying how to install."""
    try:
        import pyscf
        import pyscf.df
        import pyscf.dft
        import pyscf.gto
        import pyscf.lib
        import pyscf.scf
        import pyscf.scf.addons  # noqa: F401  (smearing_)
    except ImportError as exc:
        raise EngineError(f"the PySCF engine needs pyscf: pip install 'nanocat[dft]' ({exc})") from exc
    return pyscf
