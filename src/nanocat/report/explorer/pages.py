"""HTML of the explorer's pages: the catalyst index, one page per catalyst, per screen and per kinetics sweep.

Pages are static files that work from ``file://``: the index's data sit in ``assets/data.js`` (a script, not a
fetched JSON file, which file:// forbids), figures are Plotly fragments drawn by the bundled plotly.min.js.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from nanocat._version import __version__
from nanocat.data import CatalystRecord
from nanocat.report.explorer import plots
from nanocat.report.explorer.catalog import citations, hydride_tag, measurement_row, theory_or_experiment
from nanocat.report.explorer.sources import KineticsView, ScreenView


def esc(value: Any) -> str:
    """Escaped text; None as an en dash; floats to 2 decimals with sign."""
    if value is None:
        return "&ndash;"
    if isinstance(value, float):
        return f"{value:+.2f}"
    return html.escape(str(value))


def doi_link(doi: str | None) -> str:
    """A https://doi.org link, or an en dash."""
    if not doi:
        return "&ndash;"
    return f'<a href="https://doi.org/{html.escape(doi)}">doi:{html.escape(doi)}</a>'


def table(columns: Sequence[str], rows: Sequence[Sequence[str]], css: str = "") -> str:
    """A table of already-escaped HTML cells."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def page(title: str, body: str, depth: int, scripts: Sequence[str] = (), plotly: bool = False) -> str:
    """A whole document; ``depth`` is how many folders below the index it sits (for relative links)."""
    up = "../" * depth
    # plotly first and blocking (figure fragments call it inline); page scripts deferred until the body exists
    tags = (f'<script src="{up}assets/plotly.min.js"></script>' if plotly else "") + "".join(
        f'<script defer src="{up}assets/{s}"></script>' for s in scripts)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<link rel="icon" href="data:,"><title>{html.escape(title)}</title>'
            f'<link rel="stylesheet" href="{up}assets/explorer.css">{tags}</head><body>'
            f'<nav><a href="{up}index.html">nanocat explorer</a></nav><main><h1>{html.escape(title)}</h1>{body}</main>'
            f'<footer>nanocat {__version__} · knowledge base quoted from Ghosh et al., Nanoscale Horiz. 2025 '
            f'{doi_link("10.1039/d5nh00138b")}</footer></body></html>')


def index_page(n_catalysts: int, screens: Sequence[ScreenView], sweeps: Sequence[KineticsView],
               options: Mapping[str, Sequence[str]]) -> str:
    """The index: filters, the sortable catalyst table (filled by explorer.js from data.js), results lists."""
    def select(name: str, label: str) -> str:
        opts = "".join(f'<option value="{html.escape(v)}">{html.escape(v)}</option>' for v in options[name])
        return f'<label>{label} <select id="f-{name}"><option value="">any</option>{opts}</select></label>'

    filters = (
        '<form id="filters" onsubmit="return false">'
        + select("metal", "metal") + select("product", "product")
        + '<label>FE ≥ <input id="f-minfe" type="number" min="0" max="100" step="1" placeholder="%"> %</label>'
        + select("cell", "cell") + select("hydrides", "hydrides") + select("model", "exp. / comp.")
        + '<label>search <input id="f-text" type="search" placeholder="id, formula, author"></label>'
        + '<button id="f-reset" type="button">reset</button></form>'
        + '<p class="muted" id="count"></p>'
        + '<p class="muted">Product, FE and cell filters apply to the same measurement. A lower bound (">80 %") '
          'counts as 80–100 %, an upper bound ("<10 %") as 0–10 %. Click a column head to sort.</p>')
    cols = [("id", "id"), ("formula", "formula"), ("kind", "kind"), ("model", "exp. / comp."),
            ("metals", "metals"), ("electron_count", "e⁻"), ("hydrides", "hydrides"), ("products", "products"),
            ("best_fe", "best FE"), ("cells", "cell"), ("n_measurements", "# FE")]
    head = "".join(f'<th data-key="{k}" class="sortable">{html.escape(label)}</th>' for k, label in cols)
    table_html = (f'<table id="catalysts" class="data"><thead><tr>{head}</tr></thead><tbody></tbody></table>'
                  '<noscript>The table needs JavaScript.</noscript>')
    results = ""
    if screens or sweeps:
        items = "".join(f'<li><a class="screen-link" href="screen/{s.slug}.html">{html.escape(s.name)}</a> '
                        f'<span class="muted">{html.escape(s.source)} · predicted {esc(s.predicted_product)}</span></li>'
                        for s in screens)
        items += "".join(f'<li><a href="kinetics/{k.slug}.html">{html.escape(k.name)}</a> '
                         f'<span class="muted">{html.escape(k.source)}</span></li>' for k in sweeps)
        results = f"<section><h2>Computed results</h2><ul>{items}</ul></section>"
    body = (f'<p class="muted">{n_catalysts} catalysts of the knowledge base; pass ase.db stores with '
            '<code>--db</code> and result JSON with <code>--result</code> to add screens.</p>'
            + results + f"<section><h2>Catalysts</h2>{filters}{table_html}</section>")
    return page("nanocat explorer", body, 0, scripts=("data.js", "explorer.js"))


def _anchor(ligand: Mapping[str, Any]) -> str:
    """", S-anchored" from a ligand's donor atoms (one name or a list of them), or nothing."""
    anchor = ligand.get("anchor")
    if not anchor:
        return ""
    atoms = [anchor] if isinstance(anchor, str) else list(dict.fromkeys(anchor))
    return f", {'/'.join(atoms)}-anchored"


def catalyst_page(record: CatalystRecord, screens: Sequence[ScreenView]) -> str:
    """One catalyst: chemistry, measurements with FE bars, other claims, citations, matching screens."""
    charge = "charge not stated" if record.charge is None else (f"{record.charge:+d}" if record.charge else "0")
    ligands = ", ".join(f"{lig.get('name')}×{lig.get('count')} ({lig.get('kind', '?')}-type{_anchor(lig)})"
                        for lig in record.ligands) or "none"
    hydrides = hydride_tag(record) + (f" ({record.hydrides.count} H)" if record.hydrides and record.hydrides.count
                                      else "")
    chem = table(["quantity", "value"], [
        ["formula", esc(record.formula or record.label)], ["kind", esc(f"{record.kind}, {theory_or_experiment(record)}")],
        ["metals", esc(", ".join(f"{m}{'' if n is None else n}" for m, n in record.metals.items()))],
        ["charge", esc(charge)], ["superatom electrons", esc(record.electron_count)], ["ligands", esc(ligands)],
        ["hydrides", esc(hydrides)]], "kv")
    parts = [f"<section><h2>Chemistry</h2>{chem}</section>"]
    meas = [measurement_row(m) for m in record.measurements]
    if meas:
        rows = [[esc(m["product"]), esc(m["fe_text"]), esc(m["potential"]), esc(m["cell"]), esc(m["electrolyte"]),
                 esc(m["study"]), doi_link(m["doi"])] for m in meas]
        parts.append("<section><h2>Measured faradaic efficiencies</h2>" + plots.fe_bars(meas)
                     + table(["product", "FE (%)", "U (V vs RHE)", "cell", "electrolyte", "study", "DOI"], rows, "data")
                     + "</section>")
    else:
        parts.append('<section><h2>Measured faradaic efficiencies</h2><p class="muted">None recorded.</p></section>')
    claims = [esc(c.get("statement") or c.get("quantity")) for c in (*record.findings, *record.computed, *record.ratios)]
    if claims:
        parts.append("<section><h2>Findings and computed claims</h2><ul>"
                     + "".join(f"<li>{c}</li>" for c in claims) + "</ul></section>")
    refs = []
    for study in citations(record):
        cites = "".join(f"<li>{esc(c['text'])} · {doi_link(c['doi'])}</li>" for c in study["citations"])
        refs.append(f"<li><b>{esc(study['study'])}</b> {esc(study['title'])}<ul>{cites}</ul></li>")
    parts.append(f"<section><h2>Citations</h2><ul class=\"refs\">{''.join(refs)}</ul></section>")
    if screens:
        links = "".join(f'<li><a href="../screen/{s.slug}.html">{html.escape(s.name)}</a></li>' for s in screens)
        parts.append(f"<section><h2>Screens of this cluster</h2><ul>{links}</ul></section>")
    if record.notes:
        parts.append(f'<p class="muted">{esc(record.notes)}</p>')
    return page(record.id, "".join(parts), 1, plotly=bool(meas))


def _paths(view: ScreenView) -> dict[str, tuple[list[str], list[float]]]:
    """States and G (eV, at the analysis potential) of every complete product path, HER included."""
    out: dict[str, tuple[list[str], list[float]]] = {}
    assert view.analysis is not None
    for result in (*view.analysis.products.values(), view.analysis.her):
        if result.complete and result.steps:
            out[result.product] = ([result.steps[0].from_state, *(s.to_state for s in result.steps)],
                                   result.state_energies_eV())
    return out


def screen_page(view: ScreenView, matches: Sequence[CatalystRecord], catalyst_href: Mapping[str, str]) -> str:
    """One screen: prediction, free-energy diagram, U_L table, ΔG per site, 3-D view, measured vs computed."""
    counts = f"{view.n_done} relaxations finished, {view.n_failed} failed, {view.n_pending} pending"
    charge = f"charge {view.charge:+d}" if view.charge else "neutral"
    parts = [f'<p class="call">predicted: <b id="predicted">{esc(view.predicted_product)}</b> — {esc(view.reason)}</p>'
             f'<p class="muted">{esc(view.method)} · {esc(view.formula)} ({charge}) · {esc(counts)} · '
             f"source {esc(view.source)}</p>"]
    if view.notes:
        parts.append('<ul class="notes">' + "".join(f"<li>{esc(n)}</li>" for n in view.notes) + "</ul>")
    computed_rows: list[list[str]] = []
    if view.analysis is not None:
        parts.append("<section><h2>Free-energy diagram</h2>" + plots.free_energy_diagram(
            _paths(view), view.analysis.potential_V_RHE) + "</section>")
        for r in (*view.analysis.products.values(), view.analysis.her):
            computed_rows.append([esc(r.product), esc(r.limiting_potential_V_RHE) if r.complete else "incomplete",
                                  esc(r.potential_determining_step if r.complete else
                                      "missing " + ", ".join(r.missing_species))])
    parts.append('<section><h2>Cluster and sites</h2>' + plots.cluster_3d(view.atoms, view.sites)
                 + ("" if view.atoms is not None else '<p class="muted">The geometry is not in this result: pass the '
                    "store it was computed in with --db to see the atoms.</p>") + "</section>")
    if view.rows:
        rows = [[esc(r.site), esc(r.adsorbate), esc(r.dG_eV), esc(r.n_tried), esc(r.n_failed),
                 esc(r.n_rearranged - r.n_host_rearranged), esc(r.n_host_rearranged), esc(r.n_pending)]
                for r in view.rows]
        parts.append("<section><h2>ΔG of every intermediate on every site (eV, U = 0 V vs RHE)</h2>"
                     + table(["site", "intermediate", "ΔG (eV)", "tried", "failed", "adsorbate rearranged or desorbed",
                                    "catalyst rearranged", "pending"],
                             rows, "data") + "</section>")
    measured = []
    for record in matches:
        for m in record.measurements:
            row = measurement_row(m)
            link = f'<a href="{catalyst_href[record.id]}">{esc(record.id)}</a>'
            measured.append([link, esc(row["product"]), esc(row["fe_text"]), esc(row["potential"]), esc(row["cell"])])
    left = (table(["catalyst", "product", "FE (%)", "U (V vs RHE)", "cell"], measured, "data") if measured else
            '<p class="muted">' + ("The knowledge base holds no FE measurement for " + ", ".join(
                f'<a href="{catalyst_href[r.id]}">{esc(r.id)}</a>' for r in matches) if matches else
                "No knowledge-base catalyst has this composition") + ".</p>")
    right = (table(["product", "U_L (V vs RHE)", "potential-determining step"], computed_rows, "data")
             if computed_rows else '<p class="muted">No free-energy analysis.</p>')
    parts.append('<section><h2>Measured vs computed</h2><p class="muted">Knowledge-base clusters of the same metal '
                 "composition, or of the same elements where a record gives no atom count.</p>"
                 '<div class="side"><div><h3>measured (knowledge base)</h3>'
                 f"{left}</div><div><h3>computed ({esc(view.method)})</h3>{right}</div></div></section>")
    return page(view.name, "".join(parts), 1, plotly=True)


def kinetics_page(view: KineticsView) -> str:
    """One microkinetic sweep: FE and total current against potential, with the solver's checks."""
    r = view.result
    body = (f'<p class="muted">source {esc(view.source)} · {len(r.potential_V)} potentials on the {esc(r.scale)} '
            f"scale, pH {r.pH:g} · converged {sum(r.converged)}/{len(r.converged)}, max relative residual "
            f"{r.max_residual:.1e}</p>"
            + plots.kinetics_plots(r.potential_V, r.scale, r.fe_percent, r.j_total_mA_cm2))
    return page(view.name, body, 1, plotly=True)
