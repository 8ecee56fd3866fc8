"""``nanocat analyze FILE_OR_BUILTIN``: structure analysis and unique adsorption sites of a cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer


def _load(target: str, charge: int) -> Any:
    """An existing structure file (ase.io), else a built-in cluster by name."""
    from nanocat.atoms.structures import build_cluster, read_structure

    path = Path(target)
    if path.exists() or path.suffix:
        return read_structure(path, charge=charge)  # a missing file with a suffix is reported as such
    return build_cluster(target, charge=charge)


def register(app: typer.Typer) -> None:
    """Add the ``analyze`` command to the app."""

    @app.command("analyze")
    def analyze(
        target: str = typer.Argument(..., metavar="FILE_OR_BUILTIN",
                                     help="structure file (any ase.io format) or built-in name, e.g. Cu12Co"),
        charge: int = typer.Option(0, "--charge", "-q", help="net charge of the cluster (e)"),
        as_json: bool = typer.Option(False, "--json", help="print one JSON document"),
    ) -> None:
        """Core/shell/staples, CN/GCN, ligands, implied formula, hydrides, M···M contacts and unique sites."""
        from nanocat.atoms.analysis import analyze_structure
        from nanocat.atoms.sites import SiteFinder
        from nanocat.cli._output import emit_json, print_table

        atoms = _load(target, charge)
        an = analyze_structure(atoms)
        finder = SiteFinder()
        sites = finder.find(atoms, analysis=an)
        if as_json:
            emit_json({"structure": {"name": atoms.info["name"], "source": atoms.info["source"],
                                     "charge": atoms.info["charge"], "multiplicity": atoms.info["multiplicity"],
                                     "n_atoms": len(atoms)},
                       "analysis": an.as_dict(),
                       "sites": [s.as_dict() for s in sites],
                       "site_search": {"n_candidates": finder.n_candidates, "n_unique": finder.n_unique,
                                       "dedup_method": finder.method_used}})
            return
        from collections import Counter

        gcn = [m.gcn for m in an.metal_sites]
        rows = [
            ("structure", f"{atoms.info['name']} ({len(atoms)} atoms, charge {an.charge}, "
                          f"multiplicity {atoms.info['multiplicity']})"),
            ("implied formula", an.implied_formula),
            ("formula check", an.formula_check),
            ("metals", ", ".join(f"{el} {n}" for el, n in an.metals.items())),
            ("core", f"{len(an.core_indices)} ({len(an.interior_indices)} interior + {len(an.shell_indices)} shell)"),
            ("staples", ", ".join(f"{n} × {f}" for f, n in Counter(s.formula for s in an.staples).items()) or "none"),
            ("ligands", ", ".join(f"{n} × {f}" for f, n in an.ligand_counts.items()) or "none"),
            ("hydrides", ", ".join(f"{n} {loc}" for loc, n in Counter(h.location for h in an.hydrides).items())
             or "none"),
            ("CN (metal)", ", ".join(f"{cn}: {n}" for cn, n in sorted(Counter(m.cn for m in an.metal_sites).items()))),
            ("GCN range", f"{min(gcn):.2f}–{max(gcn):.2f}"),
        ]
        rows += [(f"{c.pair} contacts < {c.threshold_A:.2f} Å",
                  f"{c.count}" + (f" (min {c.min_A:.3f}, mean {c.mean_A:.3f} Å)" if c.count else ""))
                 for c in an.contacts]
        print_table("Structure analysis", ("property", "value"), rows)
        print_table(f"Unique sites ({finder.n_unique} of {finder.n_candidates} candidates, {finder.method_used} dedup)",
                    ("site", "kind", "equivalent", "atoms", "GCN", "removes"),
                    [(s.label, s.kind, s.n_equivalent, " ".join(map(str, s.indices)), s.gcn,
                      len(s.removed) or None) for s in sites])
