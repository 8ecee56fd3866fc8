"""The screening report: ranking, free-energy diagrams, cluster pictures, ΔG tables and measured FE side by side."""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from ase import Atoms

from nanocat.atoms.analysis import METALS
from nanocat.atoms.screening import ScreenResult
from nanocat.errors import InputError
from nanocat.report import html as H
from nanocat.report.figures import cluster_picture_png
from nanocat.thermo import FreeEnergyAnalysis, plot_diagram
from nanocat.thermo.selectivity import (
    best_co2rr,
    chemical_step_threshold_eV,
    product_calls,
)

log = logging.getLogger(__name__)

#: Products shown in the summary table, in this order (H2 is HER on the same catalyst).
SUMMARY_PRODUCTS: tuple[str, ...] = ("CO", "HCOOH", "CH4", "CH3OH", "H2")


def limiting_potentials(result: ScreenResult) -> dict[str, float | None]:
    """U_L (V_RHE) per product of the best host, ``None`` where the path is incomplete."""
    return {name: call.limiting_potential_V_RHE for name, call in product_calls(result.best_host.analysis).items()}


def ul_cells(result: ScreenResult, products: Sequence[str] = SUMMARY_PRODUCTS) -> list[str | None]:
    """Table cells of U_L (V_RHE) per product; a dagger marks a product blocked by an uphill chemical step."""
    calls = product_calls(result.best_host.analysis)
    cells: list[str | None] = []
    for name in products:
        call = calls.get(name)
        if call is None or call.limiting_potential_V_RHE is None:
            cells.append(None)
        else:
            cells.append(f"{call.limiting_potential_V_RHE:+.2f}{' †' if call.blocked else ''}")
    return cells


BLOCKED_NOTE = ("† blocked: its route needs a chemical step (e.g. CO* → CO(g)) more than "
                f"{chemical_step_threshold_eV():.2f} eV uphill, which does not turn over at room temperature "
                "(transition-state theory, 1 s⁻¹ at 298 K).")


def rank(results: Sequence[ScreenResult]) -> list[ScreenResult]:
    """Clusters ranked by the U_L of their best open CO2RR product (least negative first)."""
    def score(r: ScreenResult) -> float:
        best = best_co2rr(r.best_host.analysis)
        return float("-inf") if best is None else best.limiting_potential_V_RHE

    return sorted(results, key=score, reverse=True)


def metal_composition(atoms: Atoms) -> dict[str, int]:
    """Metal atoms of a structure by element."""
    counts: dict[str, int] = {}
    for symbol in atoms.get_chemical_symbols():
        if symbol in METALS:
            counts[symbol] = counts.get(symbol, 0) + 1
    return counts


def matching_records(metals: Mapping[str, int], charge: int | None = None) -> list[Any]:
    """Knowledge-base catalysts of the same metal composition (exact counts first, then same elements)."""
    from nanocat.data import load_catalysts

    total = sum(metals.values())
    scored = []
    for record in load_catalysts():
        if record.kind != "cluster" or set(record.metals) != set(metals):
            continue
        counts = record.metals
        if all(v is not None for v in counts.values()):
            if dict(counts) != dict(metals):
                continue
            score = 3
        elif record.id.startswith(f"{next(iter(metals))}{total}") or f"{total}" in record.id.split("-")[0]:
            score = 2
        else:
            score = 1
        if charge is not None and record.charge == charge:
            score += 0.5
        scored.append((score, record))
    if not scored:
        return []
    best = max(s for s, _ in scored)
    return [r for s, r in sorted(scored, key=lambda sr: (-sr[0], sr[1].id)) if s >= min(best, 3) or s == best]


def _measured_section(records: Sequence[Any]) -> str:
    """Measured FE (and computed claims) the knowledge base holds for the screened cluster."""
    rows, claims = [], []
    for record in records:
        for m in record.measurements:
            potential = m.potential_V_RHE
            fe = f"{'~' if m.approximate else ''}{m.fe_percent:g}"
            rows.append([record.id, record.formula or record.label, m.product, fe,
                         f"{potential:+.2f}" if potential is not None else None, m.cell, m.doi or m.citation])
        for c in record.computed:
            claims.append(f"{record.id}: {c.get('statement') or c.get('quantity')} "
                          f"({c.get('value_eV')} eV, {c.get('method', '')})")
    parts = []
    if rows:
        parts.append(H.table(["catalyst", "formula", "product", "FE (%)", "U (V_RHE)", "cell", "source"], rows,
                             left=3))
    parts.extend(H.paragraph(c) for c in dict.fromkeys(claims))
    if not parts:
        return H.paragraph("The knowledge base holds no measurement for this cluster.", "muted")
    return "".join(parts)


def _summary_rows(results: Sequence[ScreenResult]) -> list[list[Any]]:
    """One row per cluster: name, method, U_L per product, prediction, work done."""
    rows = []
    for r in rank(results):
        rows.append([r.name, r.method, *ul_cells(r), r.predicted_product,
                     f"{r.computed}/{r.reused}/{r.failed}"])
    return rows


Table = tuple[list[str], list[list[Any]]]


def refinement_tables(result: ScreenResult) -> tuple[Table, Table]:
    """(header, rows) of ΔG per refined configuration (eV) and of U_L per product (V_RHE), both levels side by side.

    U_L comes from each level's best host; ``None`` marks a product incomplete at that level (an unrefined
    intermediate on its route).
    """
    ref = result.refinement
    if ref is None:
        raise InputError(f"{result.name}: the screen has no refinement")
    screen_level, refined_level = result.method, ref.method
    dG_rows = [[r.host, r.site, r.species, r.dG_screen_eV, r.dG_eV,
                None if r.dG_eV is None or r.dG_screen_eV is None else r.dG_eV - r.dG_screen_eV,
                r.status if r.error is None else f"{r.status} ({r.error.split(':')[0]})"] for r in ref.rows]
    dG_head = ["host", "site", "species", f"ΔG {screen_level} (eV)", f"ΔG {refined_level} (eV)", "Δ (eV)", "status"]
    screen_calls = product_calls(result.best_host.analysis)
    best = ref.best_host
    refined_calls = product_calls(best.analysis) if best.analysis is not None else {}

    def cell(calls: Mapping[str, Any], name: str) -> str | None:
        call = calls.get(name)
        if call is None or call.limiting_potential_V_RHE is None:
            return None
        return f"{call.limiting_potential_V_RHE:+.2f}{' †' if call.blocked else ''}"

    def pds(calls: Mapping[str, Any], name: str) -> str | None:
        call = calls.get(name)
        return None if call is None or not call.complete else call.potential_determining_step

    ul_rows = [[p, cell(screen_calls, p), cell(refined_calls, p), pds(screen_calls, p), pds(refined_calls, p)]
               for p in SUMMARY_PRODUCTS]
    ul_rows.append(["predicted", result.predicted_product, ref.predicted_product, None, None])
    ul_head = ["product", f"U_L {screen_level} (V)", f"U_L {refined_level} (V)", f"PDS {screen_level}",
               f"PDS {refined_level}"]
    return (dG_head, dG_rows), (ul_head, ul_rows)


def _refinement_section(result: ScreenResult) -> list[str]:
    """HTML of the refinement: both levels side by side, the refined diagram, the work done."""
    ref = result.refinement
    if ref is None:
        return []
    (dG_head, dG_rows), (ul_head, ul_rows) = refinement_tables(result)
    which = "the best configuration on every site" if ref.all_sites else "the configuration each diagram uses"
    parts = [f"<h3>Refinement: {escape(ref.method)} single points on {escape(result.method)} geometries</h3>",
             H.paragraph(f"Predicted product: {result.predicted_product or 'none'} at {result.method}, "
                         f"{ref.predicted_product or 'none'} at {ref.method} — {ref.reason}", "pred"),
             H.paragraph(f"Free-energy corrections at the refined level: {ref.corrections}. Refined "
                         f"{which}; single points {ref.computed} computed, {ref.reused} reused, {ref.failed} failed.",
                         "muted"),
             H.table(ul_head, ul_rows, left=1), H.table(dG_head, dG_rows, left=3)]
    analyses = {f"{result.name} {level}": a for level, a in ((result.method, result.best_host.analysis),
                                                            (ref.method, ref.best_host.analysis)) if a is not None}
    fed = _fed_png(analyses, ["CO", "HCOOH", "CH4", "H2"])
    if fed is not None:
        parts.append(H.figure_row({"both levels": fed}))
    parts.extend(H.paragraph(n, "muted") for n in ref.notes)
    return parts


def _fed_png(analyses: Mapping[str, FreeEnergyAnalysis], products: Sequence[str] | None) -> bytes | None:
    """Free-energy diagram PNG of one or more analyses (None when no path is complete)."""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            path = plot_diagram(dict(analyses), Path(tmp) / "fed.png", products=products)
        except InputError as exc:
            log.warning("no free-energy diagram: %s", exc)
            return None
        return path.read_bytes()


def _cluster_section(result: ScreenResult, atoms: Atoms | None) -> str:
    """Everything about one screened cluster."""
    host = result.best_host
    parts = [H.paragraph(f"Predicted product: {result.predicted_product or 'none'} — {result.reason}", "pred"),
             *(H.callout("Implausible ΔG", f"{f.species} {f.dG_eV:+.2f} eV on {f.metal}",
                         f"window [{f.low_eV:+.2f}, {f.high_eV:+.2f}] eV ({', '.join('doi:' + d for d in f.dois)}); "
                         "check with a DFT refinement") for f in host.flags),
             H.paragraph(f"{result.formula}, charge {result.charge:+d}, multiplicity {result.multiplicity}; "
                         f"engine {result.method}; {len(result.hosts)} host(s); best host {host.name} "
                         f"({host.description}); {len(host.sites)} unique sites of {host.n_site_candidates} "
                         f"candidates ({host.n_site_candidates - len(host.sites)} computations saved by symmetry).",
                         "muted")]
    figures: dict[str, bytes] = {}
    if atoms is not None:
        figures["structure and sites"] = cluster_picture_png(atoms, host.sites, title=result.name)
    fed = _fed_png({result.name: host.analysis}, None)
    if fed is not None:
        figures["free-energy diagrams"] = fed
    parts.append(H.figure_row(figures))
    site_rows = [[n, s["id"], s["kind"], "-".join(s["elements"]), len(s.get("equivalent") or [1]), s.get("gcn")]
                 for n, s in enumerate(host.sites, start=1)]
    parts.append(H.table(["#", "site", "kind", "atoms", "equivalent", "GCN"], site_rows, left=4))
    dG_rows = [[row.host, row.site, row.species, row.dG_eV if not row.flags else f"{row.dG_eV:+.2f} (!)",
                row.energy_eV, f"{row.n_tried}/{row.n_rearranged}/{row.n_failed}"] for row in result.rows]
    parts.append(H.paragraph("Formation free energy of each intermediate on each site (eV, U = 0 V_RHE, relative to "
                             "CO2(g), H2(g), H2O(l)); tried / rearranged / failed relaxations; (!) outside its cited "
                             "plausible window (see docs/thermo.md).", "muted"))
    parts.append(H.table(["host", "site", "species", "ΔG (eV)", "E (eV)", "tried/rearr./failed"], dG_rows, left=3))
    parts.extend(H.callout(c.question, c.answer, c.reason) for c in host.analysis.selectivity)
    if result.notes:
        parts.extend(H.paragraph(n, "muted") for n in result.notes)
    parts.extend(_refinement_section(result))
    metals = metal_composition(atoms) if atoms is not None else {}
    parts.append("<h3>Measured in the knowledge base</h3>")
    parts.append(_measured_section(matching_records(metals, result.charge)) if metals else "")
    return H.section(result.name, *parts)


def write_screen_report(results: Sequence[ScreenResult], out_dir: str | Path,
                        structures: Mapping[str, Atoms] | None = None, title: str = "nanocat screening report",
                        intro: str = "") -> Path:
    """Write ``report.html`` (self-contained) and ``results.json`` into ``out_dir``; returns the HTML path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    structures = structures or {}
    ranked = rank(results)
    columns = ["cluster", "engine", *(f"U_L {p} (V)" for p in SUMMARY_PRODUCTS), "predicted",
               "computed/reused/failed"]
    summary = [H.paragraph(intro)] if intro else []
    summary.append(H.table(columns, _summary_rows(ranked), left=2))
    summary.append(H.paragraph("Limiting potential U_L = −max ΔG_i/e over the electrochemical steps of the best "
                               "route (computational hydrogen electrode, V vs RHE); less negative is easier. "
                               "Clusters ranked by the U_L of their best open CO2RR product. " + BLOCKED_NOTE,
                               "muted"))
    if len(ranked) > 1:
        fed = _fed_png({r.name: r.best_host.analysis for r in ranked}, ["CO", "HCOOH", "CH4", "H2"])
        if fed is not None:
            summary.append(H.figure_row({"comparison": fed}))
    sections = [H.section("Ranking", *summary)]
    sections += [_cluster_section(r, structures.get(r.name)) for r in ranked]
    document = H.render_page(title, sections, subtitle=f"{len(results)} cluster(s) screened.")
    (out / "results.json").write_text(json.dumps([r.as_dict() for r in results], indent=1), encoding="utf-8")
    return H.write_html(out / "report.html", document)
