"""The mean-field microkinetic model: steps, sites, CHE + β barriers, rate constants, steady-state solves.

Conventions (docs/kinetics.md has the derivations):

- Free energies G (eV) of every token are at U = 0 on the model's scale; gases at their reference pressure.
- Electrochemistry (computational hydrogen electrode): G(H+ + e-) = ½G(H2) - eU on the RHE scale; on the SHE
  scale G(H+ + e-) = ½G(H2) - eU_SHE - kT ln(10) pH. ``pe_g`` is the pair, ``ele_g`` an electron (-eU),
  ``H_g`` a proton (-kT ln(10) pH on SHE, 0 on RHE); given free energies of these tokens add to that.
- Reaction free energy of a step, dG(U) = dG(0) + n_e U (+ n_H+ kT ln10 pH on SHE), n_e = electrons consumed.
- Forward barrier: with a transition-state energy, an ``Ea=`` or a ``bep=`` (Ea(U0) = a dG(U0) + b),
  Ea(U) = max(0, dG(U), Ea(U0) + β n_e e (U - U0)), U0 = 0 V on the model's scale unless given; without any,
  Ea(U) = max(0, dG(U)) (the thermodynamic limit). The backward barrier is Ea - dG, so k_f / k_r = exp(-dG/kT)
  always (detailed balance exactly).
- Rate constants k = A exp(-Ea / kT), A = k_B T / h unless given; gas reactants enter with their pressure
  (bar) or activity; H+ and e- enter only through G.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
from ase.data import atomic_numbers, reference_states
from scipy.constants import Boltzmann, Planck, electron_volt

from nanocat.errors import InputError
from nanocat.kinetics.grammar import GAS_SITE, Expression, check_balance, parse_expression, parse_token
from nanocat.kinetics.solver import Network, SteadyState, steady_state

_A_CU = reference_states[atomic_numbers["Cu"]]["a"]  # Å, fcc lattice constant tabulated in ase.data
SITE_DENSITY_CU111_PER_CM2: float = 4.0 / (math.sqrt(3.0) * (_A_CU * 1e-8) ** 2)
"""Surface atoms per cm² of Cu(111), 4 / (√3 a²) with a = 3.61 Å (ase.data): 1.77e15 cm⁻²."""
P_MIN_BAR = 1e-20  # a zero pressure/activity is taken as this (a product not yet present), so ln p is finite
LN10 = math.log(10.0)


def kT_eV(temperature_K: float) -> float:
    """Thermal energy k_B T in eV."""
    return Boltzmann * temperature_K / electron_volt


def electrons_per_product(name: str) -> int:
    """Electrons (H+ + e- pairs) to make one C_xH_yO_z from x CO2 (+ H2O): 4x + y - 2z (0 for CO2, H2O)."""
    tok = parse_token(f"{name}_{GAS_SITE}")
    comp = dict(tok.composition)
    if set(comp) - {"C", "H", "O"}:
        return 0
    return 4 * comp.get("C", 0) + comp.get("H", 0) - 2 * comp.get("O", 0)


def _lookup(mapping: Mapping[Any, Any] | None, index: int, expr: Expression) -> Any:
    """A per-expression value given by index, label or expression text (None when absent)."""
    if not mapping:
        return None
    for key in (index, str(index), expr.label or None, expr.text, expr.equation):
        if key is not None and key in mapping:
            return mapping[key]
    return None


@dataclass(frozen=True, eq=False)
class MicrokineticModel:
    """A frozen mean-field model; build it with :meth:`from_expressions` or :meth:`from_free_energies`."""

    expressions: tuple[Expression, ...]
    species: tuple[str, ...]                 # unknown coverages: adsorbates and empty sites, canonical order
    site_types: tuple[str, ...]
    site_totals: tuple[float, ...]
    n_sites: tuple[int, ...]                 # per species
    gases: tuple[str, ...]
    pressures_bar: tuple[float, ...]
    tokens: tuple[str, ...]                  # every token with a free energy (columns of the G vector)
    free_energies_eV: tuple[float, ...]
    products: tuple[str, ...]                # gas tokens counted as products (FE, current)
    product_electrons: tuple[int, ...]
    temperature_K: float
    pH: float
    scale: Literal["RHE", "SHE"]
    site_density_per_cm2: float
    source: str
    labels: tuple[str, ...]                  # one per expression (label, else its equation)
    _arrays: dict[str, np.ndarray] = field(repr=False, default_factory=dict)

    # -- construction ------------------------------------------------------------------------------------------
    @classmethod
    def from_expressions(
        cls,
        expressions: Sequence[str],
        free_energies_eV: Mapping[str, float],
        *,
        sites: Mapping[str, float] | None = None,
        n_sites: Mapping[str, int] | None = None,
        pressures_bar: Mapping[str, float] | None = None,
        temperature_K: float = 298.15,
        prefactors_per_s: Mapping[Any, float] | None = None,
        beta: float = 0.5,
        pH: float = 0.0,
        scale: Literal["RHE", "SHE"] = "RHE",
        site_density_per_cm2: float = SITE_DENSITY_CU111_PER_CM2,
        source: str = "<expressions>",
        products: Mapping[str, int] | Sequence[str] | None = None,
        barriers_eV: Mapping[Any, float] | None = None,
        default_barrier_eV: float | None = None,
    ) -> MicrokineticModel:
        """Build a model from reaction expressions (CatMAP grammar) and free energies (eV at U = 0 on ``scale``).

        ``sites``: site type -> total (default ``{"t": 1.0}``); ``n_sites``: species -> sites occupied;
        ``pressures_bar``: gas/liquid token -> pressure (bar) or activity (default 1; 0 means 1e-20);
        ``prefactors_per_s``: per expression (index, label or text) -> A (default k_B T / h); ``beta``: default
        transfer coefficient; ``site_density_per_cm2``: for mA cm⁻² (default Cu(111), 1.77e15 cm⁻²);
        ``products``: gas tokens (or names) counted as products, or {name: electrons} (default every gas
        C_xH_yO_z needing electrons from CO2, e.g. CO, H2, HCOOH); ``barriers_eV``: Ea at U0 per expression;
        ``default_barrier_eV``: Ea at U0 of every electrochemical step given no barrier (else max(0, dG)).
        """
        sites = dict(sites) if sites is not None else {"t": 1.0}
        n_sites = dict(n_sites or {})
        if not expressions:
            raise InputError(f"{source}: no reaction expressions")
        if scale not in ("RHE", "SHE"):
            raise InputError(f"{source}: scale must be 'RHE' or 'SHE', not {scale!r}")
        if not (math.isfinite(temperature_K) and temperature_K > 0):
            raise InputError(f"{source}: temperature_K must be positive, got {temperature_K}")
        if not 0.0 <= beta <= 1.0:
            raise InputError(f"{source}: beta={beta} must lie between 0 and 1")
        if not (math.isfinite(site_density_per_cm2) and site_density_per_cm2 > 0):
            raise InputError(f"{source}: site_density_per_cm2 must be positive, got {site_density_per_cm2}")
        for t, total in sites.items():
            if not (math.isfinite(float(total)) and float(total) > 0):
                raise InputError(f"{source}: site total of {t!r} must be positive, got {total}")
        parsed: list[tuple[int, Expression]] = []
        for i, text in enumerate(expressions):
            expr = parse_expression(str(text), source, i)
            check_balance(expr, n_sites, f"{source}: expression {i}")
            parsed.append((i, expr))
        for token, n in n_sites.items():
            if int(n) < 1:
                raise InputError(f"{source}: n_sites of {token!r} must be a positive integer, got {n}")
        return _assemble(parsed, free_energies_eV, sites, n_sites, dict(pressures_bar or {}), float(temperature_K),
                         prefactors_per_s, float(beta), float(pH), scale, float(site_density_per_cm2), source,
                         products, barriers_eV, default_barrier_eV)

    @classmethod
    def from_free_energies(cls, fe: Any, products: Sequence[str] = ("CO", "HCOOH"), *, her: bool = True,
                           network: Any = None, **kwargs: Any) -> MicrokineticModel:
        """Model on nanocat's Scheme-1 network from formation free energies (eV, V_RHE): see nanocat.kinetics.readers."""
        from nanocat.kinetics.readers import model_from_free_energies

        return model_from_free_energies(fe, products, her=her, network=network, **kwargs)

    # -- rate constants ----------------------------------------------------------------------------------------
    @property
    def kT_eV(self) -> float:
        """k_B T in eV at the model's temperature."""
        return kT_eV(self.temperature_K)

    def energy_matrix(self, n_points: int, overrides: Mapping[str, np.ndarray] | None = None) -> np.ndarray:
        """Free energies (P, K) of every token, eV, with per-point values for the tokens in ``overrides``."""
        G = np.tile(np.asarray(self.free_energies_eV, float), (n_points, 1))
        for token, values in (overrides or {}).items():
            if token not in self.tokens:
                raise InputError(f"{self.source}: {token!r} is not a species or transition state of the model "
                                 f"(have {', '.join(self.tokens)})")
            G[:, self.tokens.index(token)] = np.broadcast_to(np.asarray(values, float), (n_points,))
        return G

    def reaction_energies(self, G: np.ndarray, potential_V: np.ndarray) -> np.ndarray:
        """dG (P, M) of every step (eV) at the potentials (V on the model's scale)."""
        a = self._arrays
        ph_term = self.kT_eV * LN10 * self.pH if self.scale == "SHE" else 0.0
        return G @ a["dstoich"].T + a["n_e"] * potential_V[:, None] + a["n_h"] * ph_term

    def barriers(self, G: np.ndarray, potential_V: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Forward barriers Ea and reaction energies dG (P, M), eV, at the potentials (V on the model's scale)."""
        a = self._arrays
        u = np.asarray(potential_V, float)
        dG = self.reaction_energies(G, u)
        dG0 = self.reaction_energies(G, np.zeros_like(u))
        ph_term = self.kT_eV * LN10 * self.pH if self.scale == "SHE" else 0.0
        u0 = a["U0"][None, :]
        dG_u0 = dG0 + a["n_e"] * u0
        g_is_u0 = G @ a["left"].T - a["e_left"] * u0 - a["h_left"] * ph_term
        ea_ref = np.select([a["mode"] == 1, a["mode"] == 2, a["mode"] == 3],
                           [G @ a["ts"].T - g_is_u0, np.broadcast_to(a["Ea"], dG.shape),
                            a["bep_a"] * dG_u0 + a["bep_b"]], default=-np.inf)
        shifted = ea_ref + a["beta"] * a["n_e"] * (u[:, None] - u0)
        return np.maximum(np.maximum(dG, 0.0), shifted), dG

    def log_rate_constants(self, G: np.ndarray, potential_V: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """ln k_f and ln k_r (P, M), gas pressures included (1/s per site); k_f/k_r = exp(-dG/kT) exactly."""
        a = self._arrays
        ea, dG = self.barriers(G, potential_V)
        kT = self.kT_eV
        lkf = a["lnA"] - ea / kT
        lkr = lkf + dG / kT
        return lkf + a["lp_f"], lkr + a["lp_r"]

    @property
    def network(self) -> Network:
        """The solver's array view of the model."""
        return self._arrays["network"]  # type: ignore[return-value]

    def with_conditions(self, pressures_bar: Mapping[str, float] | None = None,
                        pH: float | None = None) -> MicrokineticModel:
        """A copy at other gas pressures/activities (bar, by gas token) and pH; every other input unchanged."""
        a = dict(self._arrays)
        p = list(self.pressures_bar)
        for gas, value in (pressures_bar or {}).items():
            if gas not in self.gases:
                raise InputError(f"{self.source}: {gas!r} is not a gas of the model (have {', '.join(self.gases)})")
            if not (math.isfinite(float(value)) and float(value) >= 0):
                raise InputError(f"{self.source}: pressure of {gas} must be >= 0 bar, got {value}")
            k, new = self.gases.index(gas), max(float(value), P_MIN_BAR)
            shift = math.log(new) - math.log(p[k])
            col = a["left"][:, self.tokens.index(gas)]
            a["lp_f"] = a["lp_f"] + col * shift
            a["lp_r"] = a["lp_r"] + (col + a["dstoich"][:, self.tokens.index(gas)]) * shift
            p[k] = new
        new_pH = self.pH if pH is None else float(pH)
        if not math.isfinite(new_pH):
            raise InputError(f"{self.source}: pH must be a finite number, got {pH}")
        return replace(self, pressures_bar=tuple(p), pH=new_pH, _arrays=a)

    # -- solving -----------------------------------------------------------------------------------------------
    def steady_state(self, potential_V: Sequence[float] | np.ndarray,
                     energies: Mapping[str, np.ndarray] | None = None,
                     coords: np.ndarray | None = None) -> tuple[SteadyState, np.ndarray, np.ndarray]:
        """Solve a batch of points: steady state and the ln k_f, ln k_r it was solved with."""
        u = np.atleast_1d(np.asarray(potential_V, float))
        G = self.energy_matrix(len(u), energies)
        lkf, lkr = self.log_rate_constants(G, u)
        return steady_state(self.network, lkf, lkr, coords), lkf, lkr

    def solve(self, potential_V: float, **kwargs: Any) -> Any:
        """Steady state at one potential (V on the model's scale) as a one-point KineticsResult."""
        return self.sweep([potential_V], **kwargs)

    def sweep(self, potentials_V: Sequence[float] | np.ndarray, *, rate_control: bool = False) -> Any:
        """Steady states along potentials (V on the model's scale), continuation between points -> KineticsResult."""
        from nanocat.kinetics.results import sweep_result

        return sweep_result(self, np.asarray(potentials_V, float), rate_control=rate_control)

    def map2d(self, x: tuple[str, Sequence[float]], y: tuple[str, Sequence[float]],
              potential_V: float = 0.0) -> Any:
        """Steady states on a 2-D grid of descriptors ("U" or a token's free energy, eV) -> KineticsMap."""
        from nanocat.kinetics.results import map_result

        return map_result(self, x, y, potential_V)

    def as_dict(self) -> dict[str, Any]:
        """Plain record of the model's inputs (enough to rebuild it with :meth:`from_dict`)."""
        a = self._arrays
        return {"expressions": [e.text for e in self.expressions],
                "free_energies_eV": dict(zip(self.tokens, self.free_energies_eV, strict=True)),
                "sites": dict(zip(self.site_types, self.site_totals, strict=True)),
                "n_sites": {s: n for s, n in zip(self.species, self.n_sites, strict=True) if n != 1},
                "pressures_bar": dict(zip(self.gases, self.pressures_bar, strict=True)),
                "temperature_K": self.temperature_K, "pH": self.pH, "scale": self.scale,
                "prefactors_per_s": {str(i): float(np.exp(v)) for i, v in enumerate(a["lnA"])},
                "beta": [float(b) for b in a["beta"]], "site_density_per_cm2": self.site_density_per_cm2,
                "source": self.source, "products": dict(zip(self.products, self.product_electrons, strict=True))}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> MicrokineticModel:
        """Rebuild from :meth:`as_dict` output."""
        exprs = list(d["expressions"])
        betas = d.get("beta", [])
        texts = [e if "beta=" in e or i >= len(betas) else f"{e}; beta={betas[i]}" for i, e in enumerate(exprs)]
        return cls.from_expressions(
            texts, d["free_energies_eV"], sites=d["sites"], n_sites=d.get("n_sites"),
            pressures_bar=d.get("pressures_bar"), temperature_K=float(d["temperature_K"]),
            prefactors_per_s={int(k): float(v) for k, v in d.get("prefactors_per_s", {}).items()},
            pH=float(d["pH"]), scale=d["scale"], site_density_per_cm2=float(d["site_density_per_cm2"]),
            source=str(d.get("source", "<expressions>")), products=d.get("products"))


def _assemble(parsed: list[tuple[int, Expression]], energies: Mapping[str, float], sites: dict[str, float],
              n_sites: dict[str, int], pressures: dict[str, float], T: float, prefactors: Mapping[Any, float] | None,
              beta: float, pH: float, scale: Literal["RHE", "SHE"], site_density: float, source: str,
              products: Mapping[str, int] | Sequence[str] | None,
              barriers: Mapping[Any, float] | None, default_barrier: float | None = None) -> MicrokineticModel:
    """Arrays of the model from parsed expressions, in a canonical order (sorted species, sorted steps)."""
    # steps in canonical order so the arithmetic (and so the answer) never depends on how they were listed
    parsed = sorted(parsed, key=lambda ie: (ie[1].equation, ie[0]))
    all_tokens = sorted({t for _, e in parsed for t in e.tokens()})
    kinds = {t: parse_token(t).kind for t in all_tokens}
    for t in all_tokens:
        site = parse_token(t).site
        if site != GAS_SITE and site not in sites:
            raise InputError(f"{source}: {t!r} is on site type {site!r}, which is not in sites "
                             f"({', '.join(sorted(sites))})")
    unknown_n = sorted(set(n_sites) - {t for t in all_tokens if kinds[t] == "adsorbate"})
    if unknown_n:
        raise InputError(f"{source}: n_sites names unknown adsorbate(s) {unknown_n}")
    site_types = tuple(sorted(sites))
    species = tuple(sorted({t for t in all_tokens if kinds[t] == "adsorbate"} | {f"*_{s}" for s in site_types},
                           key=lambda t: (parse_token(t).site, t)))
    gases = tuple(t for t in all_tokens if kinds[t] == "gas")
    unknown_p = sorted(set(pressures) - set(gases))
    if unknown_p:
        raise InputError(f"{source}: pressures_bar names species not in the model as gases: {unknown_p}")
    p = []
    for g in gases:
        value = float(pressures.get(g, 1.0))
        if not math.isfinite(value) or value < 0:
            raise InputError(f"{source}: pressure of {g} must be >= 0 bar, got {pressures.get(g)}")
        p.append(max(value, P_MIN_BAR))
    tokens = tuple(t for t in all_tokens if kinds[t] != "empty")
    G0 = []
    for t in tokens:
        if t in energies:
            value = energies[t]
            if not isinstance(value, int | float) or not math.isfinite(float(value)):
                raise InputError(f"{source}: free energy of {t} is not a finite number: {value!r}")
            G0.append(float(value))
        elif kinds[t] in ("pe", "ele", "proton"):
            G0.append(0.0)
        else:
            where = next(e.text for _, e in parsed if t in e.tokens())
            raise InputError(f"{source}: missing free energy for {t} (used in {where!r})")
    M, N, K = len(parsed), len(species), len(tokens)
    sp_index = {s: i for i, s in enumerate(species)}
    tok_index = {t: i for i, t in enumerate(tokens)}
    Rf, Rr = np.zeros((M, N)), np.zeros((M, N))
    left, right, ts = np.zeros((M, K)), np.zeros((M, K)), np.zeros((M, K))
    n_e, n_h, e_left, h_left = np.zeros(M), np.zeros(M), np.zeros(M), np.zeros(M)
    lp_f, lp_r = np.zeros(M), np.zeros(M)
    mode, Ea, U0, b_arr = np.zeros(M, int), np.zeros(M), np.zeros(M), np.full(M, beta)
    bep_a, bep_b, lnA = np.zeros(M), np.zeros(M), np.zeros(M)
    ln_kT_h = math.log(Boltzmann * T / Planck)
    labels = []
    for m, (i, e) in enumerate(parsed):
        labels.append(e.label or e.equation)
        for terms, R, E, sign in ((e.left, Rf, left, 1), (e.right, Rr, right, -1)):
            for t, n in terms:
                kind = kinds[t]
                if t in sp_index:
                    R[m, sp_index[t]] += n
                if t in tok_index:
                    E[m, tok_index[t]] += n
                if kind in ("pe", "ele"):
                    n_e[m] += sign * n
                    e_left[m] += n if sign > 0 else 0
                if kind in ("pe", "proton"):
                    n_h[m] += sign * n
                    h_left[m] += n if sign > 0 else 0
                if kind == "gas":
                    lp = n * math.log(p[gases.index(t)])
                    if sign > 0:
                        lp_f[m] += lp
                    else:
                        lp_r[m] += lp
        if e.beta is not None:
            b_arr[m] = e.beta
        if e.U0_V is not None:
            U0[m] = e.U0_V
        given = _lookup(barriers, i, e)
        if e.ts is not None:
            mode[m] = 1
            ts[m, tok_index[e.ts]] = 1.0
        elif e.Ea_eV is not None or given is not None:
            mode[m], Ea[m] = 2, float(e.Ea_eV if e.Ea_eV is not None else given)
        elif e.bep is not None:
            mode[m], (bep_a[m], bep_b[m]) = 3, e.bep
        elif default_barrier is not None and n_e[m] != 0:
            mode[m], Ea[m] = 2, float(default_barrier)
        A = _lookup(prefactors, i, e)
        if A is not None and not (math.isfinite(float(A)) and float(A) > 0):
            raise InputError(f"{source}: prefactor of expression {i} must be positive, got {A}")
        lnA[m] = math.log(float(A)) if A is not None else ln_kT_h
    prod_names, prod_e = _products(products, gases, source)
    Pg = np.zeros((len(prod_names), M))
    for k, g in enumerate(prod_names):
        j = tok_index[g]
        Pg[k] = right[:, j] - left[:, j]
    n_sites_arr = np.array([int(n_sites.get(s, 1)) for s in species], float)
    site_of = np.array([site_types.index(parse_token(s).site) for s in species])
    net = Network(Rf, Rr, site_of, np.array([species.index(f"*_{s}") for s in site_types]), n_sites_arr,
                  np.array([float(sites[s]) for s in site_types]))
    dstoich = right - left
    arrays = {"dstoich": dstoich, "left": left, "ts": ts, "n_e": n_e, "n_h": n_h, "e_left": e_left,
              "h_left": h_left, "lp_f": lp_f, "lp_r": lp_r, "mode": mode, "Ea": Ea, "U0": U0, "beta": b_arr,
              "bep_a": bep_a, "bep_b": bep_b, "lnA": lnA, "product_stoich": Pg, "network": net,
              "null_space": _null_space(Rr - Rf)}
    return MicrokineticModel(
        tuple(e for _, e in parsed), species, site_types, tuple(float(sites[s]) for s in site_types),
        tuple(int(n) for n in n_sites_arr), gases, tuple(p), tokens, tuple(G0), prod_names, prod_e, T, pH, scale,
        site_density, source, tuple(labels), arrays)


def _products(products: Mapping[str, int] | Sequence[str] | None, gases: tuple[str, ...],
              source: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """Product gas tokens and electrons per product molecule."""
    if products is None:
        names = [g for g in gases if electrons_per_product(parse_token(g).name) > 0]
        return tuple(names), tuple(electrons_per_product(parse_token(g).name) for g in names)
    items = products.items() if isinstance(products, Mapping) else [(p, None) for p in products]
    out: dict[str, int] = {}
    for name, n in items:
        token = name if name.endswith(f"_{GAS_SITE}") else f"{name}_{GAS_SITE}"
        if token not in gases:
            raise InputError(f"{source}: product {name!r} is not a gas/liquid species of the model "
                             f"(have {', '.join(gases)})")
        out[token] = int(n) if n is not None else electrons_per_product(parse_token(token).name)
    return tuple(sorted(out)), tuple(out[k] for k in sorted(out))


def _null_space(net_stoich: np.ndarray) -> np.ndarray:
    """Basis (M, k) of step-rate vectors that leave every coverage unchanged (steady-state flux modes)."""
    from scipy.linalg import null_space

    return null_space(net_stoich.T) if net_stoich.size else np.zeros((net_stoich.shape[0], 0))
