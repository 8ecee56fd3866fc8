"""Interactive figures of the explorer (Plotly, drawn offline by the bundled plotly.min.js).

Each function returns an HTML fragment (a <div> and the script that draws it); the page includes plotly.min.js
itself, so no fragment reaches the network.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from ase import Atoms
from ase.data import atomic_numbers, covalent_radii
from ase.data.colors import jmol_colors
from ase.neighborlist import natural_cutoffs, neighbor_list

from nanocat.data.figures import PRODUCT_COLOURS  # one palette for the matplotlib and Plotly figures

_CONFIG = {"displaylogo": False, "responsive": True}
_FONT = {"family": "system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif", "size": 12}


def _fragment(fig: Any, div_id: str) -> str:
    """HTML of one figure, without plotly.js (the page loads the bundled copy)."""
    import plotly.io as pio

    return pio.to_html(fig, include_plotlyjs=False, full_html=False, div_id=div_id, config=_CONFIG)


def fe_bars(measurements: Sequence[Mapping[str, Any]], div_id: str = "fe-bars") -> str:
    """FE (%) per product as grouped bars, one group per study and potential (the seed's figure style).

    Lower bounds (">80") carry a ">" label, upper bounds a "<", approximate values a "~" and hatching.
    """
    import plotly.graph_objects as go

    fig = go.Figure()
    def group(m: Mapping[str, Any]) -> str:
        potential = "U n.r." if m["potential"] == "n.r." else f"{m['potential']} V"
        return f"{m['study']}<br>{potential}"

    groups = list(dict.fromkeys(group(m) for m in measurements))
    for product in dict.fromkeys(m["product"] for m in measurements):
        mine = [m for m in measurements if m["product"] == product]
        fig.add_trace(go.Bar(
            name=product, x=[group(m) for m in mine], y=[m["fe_percent"] for m in mine],
            text=[m["fe_text"] for m in mine], textposition="outside",
            marker={"color": PRODUCT_COLOURS.get(product, "#777777"), "line": {"color": "#333", "width": 0.6},
                    "pattern": {"shape": ["/" if m["fe_text"].startswith("~") else "" for m in mine]}},
            customdata=[[m["cell"] or "n.r.", m["electrolyte"] or "n.r.", m["citation"]] for m in mine],
            hovertemplate="%{y:.0f} % " + product + "<br>cell %{customdata[0]}, %{customdata[1]}"
                          "<br>%{customdata[2]}<extra></extra>"))
    n_bars = len(groups) * len({m["product"] for m in measurements})
    fig.update_layout(barmode="group", bargap=0.7 if n_bars < 3 else 0.25, showlegend=True, font=_FONT, height=380,
                      margin={"l": 55, "r": 10, "t": 20, "b": 90},
                      yaxis={"title": "FE (%)", "range": [0, 110], "ticks": "outside", "showline": True,
                             "linecolor": "#333", "gridcolor": "#eee"},
                      xaxis={"categoryorder": "array", "categoryarray": groups, "showline": True, "linecolor": "#333"},
                      legend={"orientation": "h", "y": 1.08}, plot_bgcolor="white")
    return _fragment(fig, div_id)


def free_energy_diagram(paths: Mapping[str, tuple[Sequence[str], Sequence[float]]], potential_V_RHE: float = 0.0,
                        div_id: str = "fed") -> str:
    """Free-energy diagram: each product's states (names, G in eV) as levels joined by dotted lines."""
    import plotly.graph_objects as go

    fig = go.Figure()
    colours = {**PRODUCT_COLOURS, "CO(g)": PRODUCT_COLOURS["CO"], "HCOOH(aq)": PRODUCT_COLOURS["HCOOH"],
               "CH4(g)": PRODUCT_COLOURS["CH4"], "CH3OH(aq)": PRODUCT_COLOURS["CH3OH"], "H2(g)": PRODUCT_COLOURS["H2"]}
    for product, (states, energies) in paths.items():
        x: list[float | None] = []
        y: list[float | None] = []
        for i, g in enumerate(energies):
            x += [i - 0.3, i + 0.3]
            y += [g, g]
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=product, legendgroup=product,
                                 line={"color": colours.get(product, "#555"), "width": 3, "shape": "linear"},
                                 text=[s for s in states for _ in (0, 1)],
                                 hovertemplate="%{text}: %{y:.2f} eV<extra>" + product + "</extra>"))
    fig.update_layout(showlegend=True, font=_FONT, height=420, margin={"l": 60, "r": 10, "t": 30, "b": 50},
                      plot_bgcolor="white",
                      title={"text": f"U = {potential_V_RHE:+.2f} V vs RHE", "x": 0.01, "font": {"size": 13}},
                      xaxis={"title": "reaction coordinate (proton–electron transfers)", "showline": True,
                             "linecolor": "#333", "zeroline": False, "dtick": 1},
                      yaxis={"title": "ΔG (eV)", "showline": True, "linecolor": "#333", "gridcolor": "#eee",
                             "zerolinecolor": "#bbb"})
    return _fragment(fig, div_id)


def cluster_3d(atoms: Atoms | None, sites: Sequence[Mapping[str, Any]], div_id: str = "view3d") -> str:
    """A rotatable 3-D view of a cluster (atoms as spheres, bonds as lines) with its sites marked (Å)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    if atoms is not None and len(atoms):
        pos = atoms.positions
        first, second = neighbor_list("ij", atoms, natural_cutoffs(atoms, mult=1.1))
        bx: list[float | None] = []
        by: list[float | None] = []
        bz: list[float | None] = []
        for a, b in zip(first, second, strict=True):
            if a < b:
                bx += [pos[a, 0], pos[b, 0], None]
                by += [pos[a, 1], pos[b, 1], None]
                bz += [pos[a, 2], pos[b, 2], None]
        fig.add_trace(go.Scatter3d(x=bx, y=by, z=bz, mode="lines", name="bonds", hoverinfo="skip",
                                   line={"color": "#888", "width": 3}))
        for symbol in sorted(set(atoms.get_chemical_symbols())):
            idx = [i for i, s in enumerate(atoms.get_chemical_symbols()) if s == symbol]
            z = atomic_numbers[symbol]
            rgb = "rgb({},{},{})".format(*(int(255 * c) for c in jmol_colors[z]))
            fig.add_trace(go.Scatter3d(
                x=pos[idx, 0], y=pos[idx, 1], z=pos[idx, 2], mode="markers", name=symbol,
                marker={"size": 10 + 8 * float(covalent_radii[z]), "color": rgb, "line": {"color": "#444", "width": 1}},
                text=[f"{symbol}{i}" for i in idx], hovertemplate="%{text}<extra></extra>"))
    if sites:
        xyz = np.array([s["position"] for s in sites if len(s.get("position") or ()) == 3], dtype=float).reshape(-1, 3)
        labels = [s["id"] for s in sites if len(s.get("position") or ()) == 3]
        fig.add_trace(go.Scatter3d(x=xyz[:, 0], y=xyz[:, 1], z=xyz[:, 2], mode="markers+text", name="sites",
                                   marker={"size": 5, "color": "#d62728", "symbol": "diamond"}, text=labels,
                                   textfont={"size": 10, "color": "#d62728"}, hovertemplate="%{text}<extra></extra>"))
    axis = {"showbackground": False, "showgrid": False, "zeroline": False, "showticklabels": False, "title": ""}
    fig.update_layout(font=_FONT, height=460, margin={"l": 0, "r": 0, "t": 10, "b": 0},
                      scene={"xaxis": axis, "yaxis": axis, "zaxis": axis, "aspectmode": "data"},
                      legend={"orientation": "h"})
    return _fragment(fig, div_id)


def kinetics_plots(potential_V: Sequence[float], scale: str, fe_percent: Mapping[str, Sequence[float | None]],
                   j_total_mA_cm2: Sequence[float], div_id: str = "kinetics") -> str:
    """FE (%) per product and total current density (mA cm⁻²) against potential (V on ``scale``)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, subplot_titles=("faradaic efficiency", "total current density"))
    for product, fe in fe_percent.items():
        name = product.split("(")[0]
        fig.add_trace(go.Scatter(x=list(potential_V), y=list(fe), mode="lines", name=product,
                                 line={"color": PRODUCT_COLOURS.get(name, "#555")}), row=1, col=1)
    fig.add_trace(go.Scatter(x=list(potential_V), y=list(j_total_mA_cm2), mode="lines", name="j total",
                             line={"color": "#222"}), row=1, col=2)
    fig.update_xaxes(title_text=f"U (V vs {scale})")
    fig.update_yaxes(title_text="FE (%)", row=1, col=1)
    fig.update_yaxes(title_text="j (mA cm⁻²)", exponentformat="power", row=1, col=2)  # no "M" (mega) suffix
    fig.update_xaxes(showline=True, linecolor="#333")
    fig.update_yaxes(showline=True, linecolor="#333", gridcolor="#eee")
    fig.update_layout(font=_FONT, height=400, margin={"l": 60, "r": 10, "t": 40, "b": 50}, plot_bgcolor="white")
    return _fragment(fig, div_id)
