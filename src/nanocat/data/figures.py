"""Redraw the seed's FE comparisons from the knowledge base: grouped bars, one group per catalyst.

Sized for a single journal column (3.4 in wide); approximate values ("~", "≈") are hatched and labelled
with "~", lower bounds with ">", and catalysts the seed describes only in words get their finding as text.
"""

from __future__ import annotations

import logging
import textwrap
from pathlib import Path

from nanocat.data.store import get_catalyst, get_study
from nanocat.errors import DataError

log = logging.getLogger(__name__)

COLUMN_WIDTH_IN = 3.4
PRODUCT_COLOURS = {"CO": "#0072B2", "HCOOH": "#E69F00", "H2": "#999999", "CH4": "#009E73", "C2H4": "#CC79A7",
                   "CH3OH": "#D55E00", "C2H5OH": "#56B4E9", "hydrocarbons": "#F0E442"}  # Okabe-Ito, colour-blind safe
PRODUCT_TEX = {"CO": "CO", "HCOOH": "HCOOH", "H2": "H$_2$", "CH4": "CH$_4$", "C2H4": "C$_2$H$_4$",
               "CH3OH": "CH$_3$OH", "C2H5OH": "C$_2$H$_5$OH", "hydrocarbons": "hydrocarbons"}


def _potential_text(m: object) -> str:
    """Potential of a measurement as short text, V vs RHE ('n.r.' when the seed gives none)."""
    if m.potential_range_V_RHE is not None:
        low, high = m.potential_range_V_RHE
        return f"{volts(high)} to {volts(low)} V"
    return "n.r." if m.potential_V_RHE is None else f"{volts(m.potential_V_RHE)} V"


def volts(value: float | None) -> str | None:
    """A potential (V) as the seed writes it: -0.973, -1.2 and -1.0 (never '-1'); None stays None."""
    if value is None:
        return None
    text = f"{value:g}"
    return text if "." in text or "e" in text else f"{value:.1f}"


def plot_study(study_id: str, out: str | Path, dpi: int = 300) -> Path:
    """Draw FE (%) per product per catalyst of one study as grouped bars and save it to ``out`` (PNG/PDF/SVG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    study = get_study(study_id)
    order = study.plot_order or list(dict.fromkeys(
        [c.id for c in study.catalysts] + [m.catalyst for m in study.measurements]))
    measured = [m for m in study.measurements if m.catalyst in order]
    if not measured:
        raise DataError(f"study {study_id!r} has no FE measurements to plot (its results are qualitative); "
                        "see `nanocat catalysts show` for its findings")
    products = list(dict.fromkeys(m.product for m in measured))
    potentials = {_potential_text(m) for m in measured}
    common = potentials.pop() if len(potentials) == 1 else None

    rc = {"font.size": 7, "axes.linewidth": 0.6, "xtick.major.width": 0.6, "ytick.major.width": 0.6,
          "legend.fontsize": 6, "legend.frameon": False, "font.family": "DejaVu Sans"}
    with plt.rc_context(rc):
        fig, ax = plt.subplots(figsize=(COLUMN_WIDTH_IN, 2.5), constrained_layout=True)
        width = 0.8 / len(products)
        for j, product in enumerate(products):
            for i, cid in enumerate(order):
                for m in (m for m in measured if m.catalyst == cid and m.product == product):
                    x = i - 0.4 + width * (j + 0.5)
                    ax.bar(x, m.fe_percent, width * 0.92, color=PRODUCT_COLOURS[product], edgecolor="black",
                           linewidth=0.4, hatch="////" if m.approximate or m.fe_bound else None)
                    prefix = ">" if m.fe_bound == "lower" else ("~" if m.approximate else "")
                    ax.text(x, m.fe_percent + 1.5, f"{prefix}{m.fe_percent:g}", ha="center", va="bottom",
                            fontsize=5.5, rotation=90 if len(products) > 2 else 0)
        for i, cid in enumerate(order):
            if not any(m.catalyst == cid for m in measured):
                products_said = list(dict.fromkeys(f.product for f in study.findings
                                                   if f.catalysts == [cid] or (cid in f.catalysts and not f.ranking)
                                                   if f.product))
                text = "no FE value in the seed" + (f"\n(qualitative: mainly {', '.join(products_said)})"
                                                    if products_said else "")
                ax.text(i, 4, text, ha="center", va="bottom", fontsize=5, rotation=90, color="#444444")
        labels = [get_catalyst(c).label or c for c in order]
        if common is None:
            per = {c: ", ".join(dict.fromkeys(_potential_text(m) for m in measured if m.catalyst == c)) or "–"
                   for c in order}
            labels = [f"{lab}\n({per[c]})" for lab, c in zip(labels, order, strict=True)]
        ax.set_xticks(range(len(order)), labels, fontsize=6)
        ax.set_xlim(-0.6, len(order) - 0.4)
        ax.set_ylim(0, 115)
        ax.set_ylabel("Faradaic efficiency (%)")
        ax.spines[["top", "right"]].set_visible(False)
        handles = [Patch(facecolor=PRODUCT_COLOURS[p], edgecolor="black", linewidth=0.4, label=PRODUCT_TEX[p])
                   for p in products]
        if any(m.approximate or m.fe_bound for m in measured):
            handles.append(Patch(facecolor="white", edgecolor="black", linewidth=0.4, hatch="////",
                                 label="approx. / bound"))
        title = f"at {common} vs RHE" if common else "potential vs RHE under each catalyst"
        ax.legend(handles=handles, title=title, title_fontsize=6, loc="upper right", ncol=min(3, len(handles)))
        ref = ", ".join(str(r) for r in study.seed_refs)
        ax.set_title(textwrap.fill(f"{study.title} (seed ref. {ref})", 62), fontsize=6)
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(out, dpi=dpi)
        plt.close(fig)
    log.info("wrote %s", out)
    return out

