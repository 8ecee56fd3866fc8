"""Models from nanocat's own data: formation free energies on the Scheme-1 network, screen results, files.

nanocat species map onto the grammar as ``X*`` -> ``X_t``, ``*`` -> ``*_t``, ``X(g)``/``X(l)``/``X(aq)`` ->
``X_g`` (fixed pressure/activity) and a step's ``n (H+ + e-)`` -> ``n pe_g``; energies are formation free
energies at 0 V_RHE (nanocat.thermo), so the model is on the RHE scale. Molecules without an energy in the
file take their tabulated ΔfG° (nanocat.thermo's EnergyResolver).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from nanocat.chem.network import ReactionNetwork, Step, default_network
from nanocat.chem.products import get_product
from nanocat.chem.species import Species, SpeciesError, parse_species
from nanocat.errors import InputError
from nanocat.kinetics.model import MicrokineticModel
from nanocat.thermo.che import FormationEnergies
from nanocat.thermo.diagram import EnergyResolver

HER_LABELS = ("Volmer", "Heyrovsky", "Tafel")
log = logging.getLogger(__name__)


def grammar_token(species: Species | str, site: str = "t") -> str:
    """The grammar token of a nanocat species: ``COOH*`` -> ``COOH_t``, ``*`` -> ``*_t``, ``CO(g)`` -> ``CO_g``."""
    sp = parse_species(species) if isinstance(species, str) else species
    if sp.phase == "site":
        return f"*_{site}"
    if sp.phase == "ads":
        return f"{sp.formula}_{site}"
    return f"{sp.formula}_g"


def step_expression(step: Step, site: str = "t") -> str:
    """A network step as a grammar expression (``COOH* + H+ + e- -> CO* + H2O(l)`` -> ``COOH_t + pe_g <-> ...``)."""
    def side(items: Sequence[Species], n_pe: int) -> str:
        counts: dict[str, int] = {}
        for s in items:
            token = grammar_token(s, site)
            counts[token] = counts.get(token, 0) + 1
        terms = [f"{n if n > 1 else ''}{t}" for t, n in counts.items()]
        if n_pe:
            terms.append(f"{n_pe if n_pe > 1 else ''}pe_g")
        return " + ".join(terms)

    text = f"{side(step.reactants, step.n_electrons)} <-> {side(step.products, 0)}"
    return f"{text}; label={step.label}" if step.label else text


def model_from_free_energies(fe: FormationEnergies, products: Sequence[str] = ("CO", "HCOOH"), *, her: bool = True,
                             network: ReactionNetwork | None = None, **kwargs: Any) -> MicrokineticModel:
    """Model on the Scheme-1 network: every route to ``products`` whose species all have energies, plus HER.

    ``kwargs`` go to :meth:`MicrokineticModel.from_expressions` (beta, pH, pressures_bar with grammar tokens,
    barriers_eV keyed by step label/equation, ...). Energies are formation free energies (eV, 0 V_RHE).
    """
    net = network or default_network()
    res = EnergyResolver(fe)
    steps: dict[str, Step] = {}
    gas_products: list[str] = []
    for name in products:
        try:
            target = get_product(name).name
        except SpeciesError as exc:
            raise InputError(str(exc)) from None
        complete = [r for r in net.routes(target) if all(res.get(n)[0] is not None for n in r.species())]
        if not complete:
            missing = sorted({n for r in net.routes(target) for n in r.species() if res.get(n)[0] is None})
            raise InputError(f"no route to {target} has every free energy (missing e.g. {', '.join(missing[:6])})")
        gas_products.append(grammar_token(target))
        for route in complete:
            for st in route.steps:
                steps.setdefault(st.equation, st)
    if her:
        if fe.get("H*") is None:
            raise InputError("HER needs the free energy of H* (or pass her=False)")
        for st in net.steps:
            if st.label in HER_LABELS:
                steps.setdefault(st.equation, st)
        gas_products.append("H2_g")
    expressions = [step_expression(st) for st in steps.values()]
    energies: dict[str, float] = {}
    for st in steps.values():
        for sp in (*st.reactants, *st.products):
            if sp.phase != "site":
                energies[grammar_token(sp)] = float(res.get(sp.name)[0])  # type: ignore[arg-type]
    kwargs.setdefault("source", f"free energies ({fe.method})")
    kwargs.setdefault("products", sorted(set(gas_products)))
    return MicrokineticModel.from_expressions(expressions, energies, scale="RHE", **kwargs)


def read_expressions(path: str | Path) -> list[str]:
    """Expressions from a text file, one per line (``#`` starts a comment; blank lines skipped)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"mechanism file not found: {p}")
    out = []
    for line in p.read_text(encoding="utf-8").splitlines():
        text = line.split("#", 1)[0].strip()
        if text:
            out.append(text)
    if not out:
        raise InputError(f"{p}: no reaction expressions (one per line, e.g. 'CO2_g + *_t + pe_g <-> COOH_t')")
    return out


def energies_as_tokens(fe: FormationEnergies) -> dict[str, float]:
    """Formation free energies keyed by grammar token (references CO2_g, H2_g, H2O_g and tabulated molecules)."""
    from nanocat.chem.products import DEFAULT_PHASE, DFG_KJ_MOL

    res = EnergyResolver(fe)
    out = {"CO2_g": 0.0, "H2_g": 0.0, "H2O_g": 0.0}
    for name in sorted(DFG_KJ_MOL):
        sp = parse_species(name)
        if sp.phase == DEFAULT_PHASE.get(sp.formula, "g") and grammar_token(name) not in out:
            value = res.get(name)[0]
            if value is not None:
                out[grammar_token(name)] = float(value)
    for name, value in fe.G_eV.items():
        out[grammar_token(name)] = float(value)
    return out


def model_from_energies_file(path: str | Path, mechanism: str | Path | Sequence[str] = ("CO", "HCOOH"),
                             surface: str | None = None, **kwargs: Any) -> MicrokineticModel:
    """Model from anything ``nanocat fed`` reads plus a mechanism: a file of expressions or a products list."""
    from nanocat.thermo.io import load_energies

    fe = load_energies(path, surface=surface)
    if isinstance(mechanism, str | Path) and Path(mechanism).is_file():
        kwargs.setdefault("source", str(mechanism))
        return MicrokineticModel.from_expressions(read_expressions(mechanism), energies_as_tokens(fe), scale="RHE",
                                                  **kwargs)
    products = [m.strip() for m in str(mechanism).split(",")] if isinstance(mechanism, str | Path) else mechanism
    kwargs.setdefault("source", str(path))
    # HER is always in the model (FE includes H2), so naming H2 among the products adds nothing
    return model_from_free_energies(fe, [p for p in products if p and p not in ("H2", "H2(g)")], **kwargs)


def is_screen_result(data: Any) -> bool:
    """True for what ``nanocat screen`` writes: one result (``--json``) or a list of them (``results.json``)."""
    if isinstance(data, list):
        return bool(data) and all(is_screen_result(d) for d in data)
    return isinstance(data, Mapping) and isinstance(data.get("hosts"), list) and "rows" in data


def _best_host(hosts: list[Mapping[str, Any]]) -> Mapping[str, Any]:
    """The host with the highest (least negative) U_L of a complete CO2RR product (ties: first listed)."""
    def score(h: Mapping[str, Any]) -> float:
        values = [p["limiting_potential_V_RHE"] for p in h.get("analysis", {}).get("products", [])
                  if p.get("complete") and p.get("limiting_potential_V_RHE") is not None]
        return max(values) if values else float("-inf")
    return max(hosts, key=score)


def model_from_screen(result: str | Path | Mapping[str, Any], products: Sequence[str] = ("CO", "HCOOH"),
                      host: str | None = None, level: str = "screen", **kwargs: Any) -> MicrokineticModel:
    """Model from a ``nanocat screen --json`` result (file or parsed JSON): one host's free energies, Scheme 1.

    ``level="refined"`` takes the free energies of the screen's refinement (``--refine``, e.g. PBE//GFN1).
    """
    where = str(result) if isinstance(result, str | Path) else str(kwargs.get("source", "screen result"))
    if isinstance(result, str | Path):
        try:
            data = json.loads(Path(result).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(f"{result}: cannot read a screen result ({exc})") from None
    else:
        data = result
    if not is_screen_result(data):
        raise InputError(f"{where}: not a 'nanocat screen' result (no 'hosts')")
    if level not in ("screen", "refined"):
        raise InputError(f"level must be 'screen' or 'refined', got {level!r}")
    documents = data if isinstance(data, list) else [data]
    if level == "refined":
        if not all(d.get("refinement") for d in documents):
            raise InputError(f"{where}: no refinement in this screen result (run the screen with --refine ENGINE)")
        hosts = [h for d in documents for h in d["refinement"]["hosts"] if h.get("analysis")]
    else:
        hosts = [h for d in documents for h in d["hosts"]]
    if not hosts:
        raise InputError(f"{where}: the screen result has no hosts")
    if host is not None:
        chosen = [h for h in hosts if h.get("name") == host]
        if not chosen:
            raise InputError(f"{where}: no host {host!r} (have {', '.join(h.get('name', '?') for h in hosts)})")
        picked = chosen[0]
    else:
        picked = _best_host(hosts)
    try:
        fe = FormationEnergies.from_dict(picked["analysis"]["energies"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{where}: host {picked.get('name')!r} has no free energies ({exc})") from None
    usable = [p for p in products if _has_route(fe, p)]
    if not usable and fe.get("H*") is None:
        raise InputError(f"{where}: host {picked.get('name')!r} has no complete route to any of {list(products)} "
                         "and no H*")
    if len(usable) < len(products):
        log.warning("%s: no complete route to %s on host %s: left out of the model", where,
                    ", ".join(p for p in products if p not in usable), picked.get("name"))
    kwargs["source"] = f"{where} (host {picked.get('name')}{', refined' if level == 'refined' else ''})"
    return model_from_free_energies(fe, usable, **kwargs)


def _has_route(fe: FormationEnergies, product: str) -> bool:
    """True when some Scheme-1 route to ``product`` has every free energy."""
    res = EnergyResolver(fe)
    try:
        routes = default_network().routes(get_product(product).name)
    except SpeciesError:
        return False
    return any(all(res.get(n)[0] is not None for n in r.species()) for r in routes)
