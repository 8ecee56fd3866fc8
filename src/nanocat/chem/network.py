"""Scheme 1 of the seed as a reaction network: species, balanced steps, and routes from CO2 to each product.

Steps are proton-coupled electron transfers (``X* + H+ + e- -> Y*``, potential dependent) or chemical
steps (desorption, *CO dimerisation, Tafel). A route to a product is an ordered tuple of steps: the routes
to every adsorbed co-reactant come first (a C2 route makes both *CO before coupling them), and adsorbates
left behind (the O* of ``OCH3* + H+ + e- -> CH4(g) + O*``) are reduced off the site afterwards.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import networkx as nx

from nanocat.chem.products import DFG_KJ_MOL
from nanocat.chem.species import Species, SpeciesError, parse_species

BASE_SPECIES: frozenset[str] = frozenset({"CO2(g)", "H2O(l)", "*"})
"""Species taken from (or given back to) the reservoirs: a route never has to make them."""

_TERM = re.compile(r"^(?:(?P<n>\d+)\s*)?(?P<name>.+)$")


class NetworkError(SpeciesError):
    """An unbalanced or unreadable reaction step, or a product the network cannot reach."""


@dataclass(frozen=True)
class Step:
    """One elementary step: reactants -> products, consuming ``n_electrons`` (H+ + e-) pairs."""

    reactants: tuple[Species, ...]
    products: tuple[Species, ...]
    n_electrons: int = 0
    label: str = ""

    def __post_init__(self) -> None:
        """Check elements, charge and sites: an unbalanced step is refused with its imbalance named."""
        self.check_balance(self.n_electrons, self.n_electrons)

    def check_balance(self, n_protons: int, n_electrons: int) -> None:
        """Raise NetworkError unless elements, charge (protons = electrons) and sites balance."""
        left: Counter[str] = Counter({"H": n_protons} if n_protons else {})
        right: Counter[str] = Counter()
        for s in self.reactants:
            left.update(s.elements())
        for s in self.products:
            right.update(s.elements())
        problems = []
        if left != right:
            diff = {el: left[el] - right[el] for el in set(left) | set(right) if left[el] != right[el]}
            problems.append(f"elements differ (left minus right: {diff})")
        if n_protons != n_electrons:
            problems.append(f"charge: {n_protons} H+ but {n_electrons} e-")
        sites_l = sum(s.adsorbed for s in self.reactants)
        sites_r = sum(s.adsorbed for s in self.products)
        if sites_l != sites_r:
            problems.append(f"sites: {sites_l} on the left, {sites_r} on the right (add '*' to balance)")
        if problems:
            raise NetworkError(f"unbalanced step {self.equation!r}: " + "; ".join(problems))

    @property
    def electrochemical(self) -> bool:
        """True for a proton-coupled electron transfer (its ΔG depends on the potential)."""
        return self.n_electrons > 0

    @property
    def equation(self) -> str:
        """The step as text, e.g. ``COOH* + H+ + e- -> CO* + H2O(l)``."""
        left = [s.name for s in self.reactants] + ["H+ + e-"] * (1 if self.n_electrons == 1 else 0)
        if self.n_electrons > 1:
            left.append(f"{self.n_electrons} (H+ + e-)")
        return f"{' + '.join(left)} -> {' + '.join(s.name for s in self.products)}"

    @classmethod
    def parse(cls, text: str, label: str = "") -> Step:
        """Read ``'COOH* + H+ + e- -> CO* + H2O(l)'`` (coefficients like ``2CO*`` allowed)."""
        if text.count("->") != 1:
            raise NetworkError(f"a step needs exactly one '->': {text!r}")
        sides: list[list[Species]] = [[], []]
        protons = electrons = 0
        for i, side in enumerate(text.replace("(H+ + e-)", "H+ + e-").split("->")):
            for term in (t.strip() for t in re.split(r"\s\+\s", f" {side.strip()} ")):
                if not term:
                    continue
                m = _TERM.match(term)
                n = int(m.group("n")) if m and m.group("n") else 1
                name = m.group("name").strip() if m else term
                if name in ("H+", "e-"):
                    if i == 1:
                        raise NetworkError(f"write reductions only (H+ and e- on the left): {text!r}")
                    protons += n if name == "H+" else 0
                    electrons += n if name == "e-" else 0
                    continue
                sides[i].extend([parse_species(name)] * n)
        if protons != electrons:
            raise NetworkError(f"unbalanced step {text!r}: charge: {protons} H+ but {electrons} e-")
        return cls(tuple(sides[0]), tuple(sides[1]), protons, label)

    def as_dict(self) -> dict[str, Any]:
        """Plain record: equation, reactants, products, n_electrons, electrochemical, label."""
        return {"equation": self.equation, "reactants": [s.name for s in self.reactants],
                "products": [s.name for s in self.products], "n_electrons": self.n_electrons,
                "electrochemical": self.electrochemical, "label": self.label}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Step:
        """Rebuild from :meth:`as_dict` output."""
        return cls.parse(str(data["equation"]), str(data.get("label", "")))


def _liquid_phases(formula: str) -> list[str]:
    """Every phase of ``formula`` with a tabulated ΔfG° (so each can end a route)."""
    return [n for n in DFG_KJ_MOL if n.rsplit("(", 1)[0] == formula]


_SCHEME1 = [
    # first PCET: *COOH (C-bound) to CO, *OCHO (O-bound) to HCOOH (Scheme 1; Feaster 2017)
    ("CO2(g) + * -> CO2*", "CO2 adsorption"),
    ("CO2* + H+ + e- -> COOH*", ""), ("CO2* + H+ + e- -> OCHO*", ""),
    ("CO2(g) + * + H+ + e- -> COOH*", ""), ("CO2(g) + * + H+ + e- -> OCHO*", ""),
    ("COOH* + H+ + e- -> CO* + H2O(l)", ""),
    ("CO* -> CO(g) + *", "CO desorption"),
    # C1 beyond CO (Peterson 2010: CO* -> CHO* -> CH2O* -> OCH3* -> CH4 + O*)
    ("CO* + H+ + e- -> CHO*", ""), ("CO* + H+ + e- -> COH*", ""),
    ("CHO* + H+ + e- -> CH2O*", ""), ("CH2O* -> CH2O(g) + *", "formaldehyde release"), ("CHO* + H+ + e- -> CHOH*", ""), ("COH* + H+ + e- -> CHOH*", ""),
    ("COH* + H+ + e- -> C* + H2O(l)", ""), ("CHOH* + H+ + e- -> CH* + H2O(l)", ""),
    ("CHOH* + H+ + e- -> CH2OH*", ""), ("CH2O* + H+ + e- -> OCH3*", ""), ("CH2O* + H+ + e- -> CH2OH*", ""),
    ("CH2OH* + H+ + e- -> CH2* + H2O(l)", ""),
    ("C* + H+ + e- -> CH*", ""), ("CH* + H+ + e- -> CH2*", ""), ("CH2* + H+ + e- -> CH3*", ""),
    ("CH3* + H+ + e- -> CH4(g) + *", ""), ("OCH3* + H+ + e- -> CH4(g) + O*", ""),
    ("O* + H+ + e- -> OH*", ""), ("OH* + H+ + e- -> H2O(l) + *", ""),
    # C2: *CO dimerisation and *CO + *CHO coupling (Scheme 1), on to ethylene, acetaldehyde, ethanol
    ("CO* + CO* -> OCCO* + *", "CO dimerisation"), ("CO* + CHO* -> COCHO* + *", "CO-CHO coupling"),
    ("OCCO* + H+ + e- -> OCCOH*", ""), ("OCCO* + H+ + e- -> COCHO*", ""),
    ("OCCOH* + H+ + e- -> CCO* + H2O(l)", ""), ("COCHO* + H+ + e- -> COCHOH*", ""),
    ("COCHOH* + H+ + e- -> HCCO* + H2O(l)", ""), ("CCO* + H+ + e- -> HCCO*", ""),
    ("HCCO* + H+ + e- -> H2CCO*", ""), ("H2CCO* + H+ + e- -> CH2CHO*", ""),
    ("CH2CHO* + H+ + e- -> C2H4(g) + O*", ""), ("CH2CHO* + H+ + e- -> CH3CHO*", ""),
    ("CH3CHO* + H+ + e- -> CH3CH2O*", ""),
    # hydrogen evolution
    ("* + H+ + e- -> H*", "Volmer"), ("H* + H+ + e- -> H2(g) + *", "Heyrovsky"), ("H* + H* -> H2(g) + 2*", "Tafel"),
]
_DESORB = [  # PCET or desorption ending in a liquid product: one step per phase with a tabulated ΔfG°
    ("COOH* + H+ + e- -> {} + *", "HCOOH"), ("OCHO* + H+ + e- -> {} + *", "HCOOH"),
    ("OCH3* + H+ + e- -> {} + *", "CH3OH"), ("CH2OH* + H+ + e- -> {} + *", "CH3OH"),
    ("CH3CHO* -> {} + *", "CH3CHO"), ("CH3CH2O* + H+ + e- -> {} + *", "C2H5OH"),
]


def scheme1_steps() -> list[Step]:
    """The built-in steps (Scheme 1 of doi:10.1039/d5nh00138b, with Peterson 2010's C1 and common C2 routes)."""
    steps = [Step.parse(text, label) for text, label in _SCHEME1]
    for template, formula in _DESORB:
        steps += [Step.parse(template.format(name), f"{formula} release") for name in _liquid_phases(formula)]
    return steps


@dataclass(frozen=True)
class Route:
    """An ordered tuple of steps turning CO2(g) (and H+ + e-) into one product, sites left clean."""

    product: str
    steps: tuple[Step, ...]

    def species(self) -> list[str]:
        """Every species the route passes through, in order of first appearance (no reservoir species)."""
        seen: dict[str, None] = {}
        for step in self.steps:
            for s in (*step.reactants, *step.products):
                if s.name not in BASE_SPECIES:
                    seen.setdefault(s.name)
        return list(seen)

    def states(self) -> list[Counter[str]]:
        """Species present before the first step and after each step (H2O(l) and '*' not tracked)."""
        n_co2 = sum(1 for st in self.steps for s in st.reactants if s.name == "CO2(g)")
        state: Counter[str] = Counter({"CO2(g)": n_co2} if n_co2 else {})
        out = [state.copy()]
        for step in self.steps:
            for s in step.reactants:
                if s.name in ("*", "H2O(l)"):
                    continue
                if state[s.name] <= 0:
                    raise NetworkError(f"route to {self.product}: {s.name} used before it is made")
                state[s.name] -= 1
            for s in step.products:
                if s.name not in ("*", "H2O(l)"):
                    state[s.name] += 1
            state = +state
            out.append(state.copy())
        return out


def state_label(state: Counter[str]) -> str:
    """Readable name of a state: ``'CO* + COOH*'``, ``'2CO2(g)'``, ``'*'`` for the clean site."""
    parts = [f"{n if n > 1 else ''}{name}" for name, n in sorted(state.items()) if n > 0]
    return " + ".join(parts) if parts else "*"


class ReactionNetwork:
    """Species and balanced steps as a networkx graph; enumerates routes from CO2(g) to a product."""

    def __init__(self, steps: Iterable[Step | str] | None = None, max_routes: int = 2000) -> None:
        """Start from ``steps`` (default: :func:`scheme1_steps`); ``max_routes`` caps enumeration per product."""
        self.steps: list[Step] = []
        self.max_routes = max_routes
        self._routes: dict[str, list[Route]] = {}  # per product; cleared whenever a step is added
        for step in scheme1_steps() if steps is None else steps:
            self.add_step(step)

    def add_step(self, step: Step | str, label: str = "") -> Step:
        """Add a step (a Step or its equation as text); an unbalanced step raises NetworkError."""
        obj = Step.parse(step, label) if isinstance(step, str) else step
        if obj not in self.steps:
            self.steps.append(obj)
            self._routes.clear()
        return obj

    @property
    def species(self) -> list[Species]:
        """Every species that appears in a step."""
        seen: dict[str, Species] = {}
        for step in self.steps:
            for s in (*step.reactants, *step.products):
                seen.setdefault(s.name, s)
        return list(seen.values())

    def graph(self) -> nx.MultiDiGraph:
        """Species as nodes, one edge per (reactant, product) pair of a step, the step stored on the edge."""
        g = nx.MultiDiGraph()
        for s in self.species:
            g.add_node(s.name, phase=s.phase, composition=dict(s.composition))
        for step in self.steps:
            for r in step.reactants:
                for p in step.products:
                    if r.name != p.name:
                        g.add_edge(r.name, p.name, equation=step.equation, electrochemical=step.electrochemical)
        return g

    def _routes_to(self, name: str, stack: frozenset[str]) -> list[tuple[Step, ...]]:
        """Every step sequence making one ``name`` from reservoir species (AND-OR recursion, no cycles)."""
        if name in BASE_SPECIES:
            return [()]
        out: list[tuple[Step, ...]] = []
        for step in self.steps:
            if name not in (p.name for p in step.products):
                continue
            needed = [r.name for r in step.reactants if r.name not in BASE_SPECIES]
            if any(n in stack or n == name for n in needed):
                continue
            options = [self._routes_to(n, stack | {name}) for n in needed]
            for combo in itertools.product(*options):
                out.append(tuple(itertools.chain.from_iterable(combo)) + (step,))
                if len(out) >= self.max_routes:
                    return out
        return out

    def _clean_off(self, name: str, stack: frozenset[str]) -> list[tuple[Step, ...]]:
        """Step sequences reducing a leftover adsorbate (e.g. O*) to reservoir species only."""
        if name in BASE_SPECIES:
            return [()]
        out: list[tuple[Step, ...]] = []
        for step in self.steps:
            needed = [r.name for r in step.reactants if r.name not in BASE_SPECIES]
            made = [p.name for p in step.products if p.name not in BASE_SPECIES]
            if needed != [name] or len(made) > 1 or any(m in stack for m in made):
                continue
            for rest in self._clean_off(made[0], stack | {name}) if made else [()]:
                out.append((step, *rest))
        return out

    def routes(self, product: str) -> list[Route]:
        """Every route from CO2(g) (or H+ + e- for H2) to ``product`` (name with phase), sites left clean."""
        target = parse_species(product).name
        if target in self._routes:
            return list(self._routes[target])
        if target not in {s.name for s in self.species}:
            raise NetworkError(f"no step of the network makes {product!r}; add one with add_step()")
        routes = []
        for core in self._routes_to(target, frozenset()):
            leftovers = Route(target, core).states()[-1]
            leftovers[target] -= 1
            extra = [n for n, k in (+leftovers).items() for _ in range(k)]
            for tails in itertools.product(*[self._clean_off(n, frozenset()) for n in extra]):
                routes.append(Route(target, core + tuple(itertools.chain.from_iterable(tails))))
        self._routes[target] = routes
        return list(routes)

    def as_dict(self) -> dict[str, Any]:
        """Plain record: species (name, phase, composition) and steps."""
        return {"species": [{"name": s.name, "phase": s.phase, "composition": dict(s.composition)}
                            for s in self.species],
                "steps": [s.as_dict() for s in self.steps]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReactionNetwork:
        """Rebuild from :meth:`as_dict` output."""
        return cls([Step.from_dict(d) for d in data["steps"]])


@lru_cache(maxsize=1)
def default_network() -> ReactionNetwork:
    """The built-in Scheme 1 network (cached; copy it with ``ReactionNetwork(default_network().steps)``)."""
    return ReactionNetwork()
