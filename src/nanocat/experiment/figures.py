"""Figures of an analysed run in the knowledge-base figures' style (one journal column, Okabe-Ito colours):
stacked FE bars vs potential, partial current densities vs potential, Tafel plot, and measured vs computed FE.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from nanocat.data.figures import PRODUCT_COLOURS, PRODUCT_TEX, COLUMN_WIDTH_IN
from nanocat.experiment.analysis import ExperimentResult, tafel_points
from nanocat.experiment.compare import Prediction

_RC = {"font.size": 7, "axes.linewidth": 0.6, "xtick.major.width": 0.6, "ytick.major.width": 0.6,
       "legend.fontsize": 6, "legend.frameon": False, "font.family": "DejaVu Sans"}
_EXTRA = ["#000000", "#882255", "#44AA99", "#DDCC77"]


def _pyplot() -> Any:
    """matplotlib's pyplot on the Agg backend (imported only when a figure is drawn)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


@contextmanager
def _axes(out: Path, dpi: int, height_in: float = 2.5) -> Iterator[Any]:
    """One single-column axes in the knowledge-base style, saved to ``out`` and closed on exit."""
    plt = _pyplot()
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(COLUMN_WIDTH_IN, height_in), constrained_layout=True)
        try:
            yield ax
            fig.savefig(out, dpi=dpi)
        finally:
            plt.close(fig)


def _colour(product: str, k: int) -> str:
    """The product's colour from the knowledge-base figures, or a spare one."""
    return PRODUCT_COLOURS.get(product, _EXTRA[k % len(_EXTRA)])


def _label(product: str) -> str:
    """Product name with subscripts."""
    return PRODUCT_TEX.get(product, product)


def plot_fe_bars(result: ExperimentResult, out: str | Path, dpi: int = 300) -> Path:
    """Stacked FE bars (%) per product at each step's potential (V_RHE)."""
    out = Path(out)
    with _axes(out, dpi, 2.5) as ax:
        x = np.arange(len(result.steps))
        bottom = np.zeros(len(result.steps))
        for k, product in enumerate(result.products):
            fe = np.array([s.fe_percent.get(product, 0.0) for s in result.steps])
            ax.bar(x, fe, 0.7, bottom=bottom, color=_colour(product, k), label=_label(product), edgecolor="white",
                   linewidth=0.3)
            bottom += fe
        ax.set_xticks(x, [f"{s.potential_V_RHE:.2f}" for s in result.steps])
        ax.set_xlabel("E (V vs RHE, iR-corrected)")
        ax.set_ylabel("Faradaic efficiency (%)")
        ax.set_ylim(0, max(105.0, float(bottom.max()) + 5))
        ax.axhline(100, color="k", lw=0.4, ls=":")
        ax.legend(ncol=min(4, len(result.products)), loc="upper center", bbox_to_anchor=(0.5, 1.18))
    return out


def plot_partial_currents(result: ExperimentResult, out: str | Path, dpi: int = 300) -> Path:
    """|j_partial| (mA cm⁻², log scale) vs E (V_RHE) per product, and |j_total|."""
    out = Path(out)
    e = [s.potential_V_RHE for s in result.steps]
    with _axes(out, dpi, 2.5) as ax:
        for k, product in enumerate(result.products):
            j = [abs(s.j_partial_mA_cm2.get(product, np.nan)) for s in result.steps]
            ax.semilogy(e, j, "o-", ms=3, lw=0.8, color=_colour(product, k), label=_label(product))
        ax.semilogy(e, [abs(s.j_total_mA_cm2) for s in result.steps], "k--", lw=0.8, label="total")
        ax.set_xlabel("E (V vs RHE, iR-corrected)")
        ax.set_ylabel("|j| (mA cm$^{-2}$)")
        ax.legend()
    return out


def plot_tafel(result: ExperimentResult, out: str | Path, dpi: int = 300) -> Path:
    """E (V_RHE) vs log10|j_partial| with the fitted lines and slopes (mV dec⁻¹)."""
    out = Path(out)
    with _axes(out, dpi, 2.5) as ax:
        for k, product in enumerate(result.products):
            y, j = tafel_points(result.steps, product)
            if not len(y):
                continue
            x = np.log10(np.abs(j))
            colour = _colour(product, k)
            label = _label(product)
            fit = result.tafel.get(product)
            if fit is not None:
                xs = np.linspace(x.min(), x.max(), 2)
                sign = -1.0 if np.polyfit(x, y, 1)[0] < 0 else 1.0
                ax.plot(xs, sign * fit.slope_mV_dec * 1e-3 * (xs - fit.log10_j0_mA_cm2), color=colour, lw=0.8)
                label = f"{label}: {fit.slope_mV_dec:.0f} mV dec$^{{-1}}$"
            ax.plot(x, y, "o", ms=3, color=colour, label=label)
        ax.set_xlabel("log$_{10}$ |j$_{partial}$| (mA cm$^{-2}$)")
        ax.set_ylabel("E (V vs RHE)")
        ax.legend()
    return out


def plot_stability(result: ExperimentResult, out: str | Path, dpi: int = 300) -> Path:
    """FE (%) of every GC injection and j (mA cm⁻²) vs time on stream (steps laid end to end, s)."""
    out = Path(out)
    with _axes(out, dpi, 2.5) as ax:
        twin = ax.twinx()
        offset = 0.0
        gases = {p for step in result.steps for inj in step.injections for p in inj.fe_percent}
        for step in result.steps:
            times = [offset + inj.time_s for inj in step.injections]
            for k, product in enumerate(result.products):
                if product not in gases:
                    continue
                fe = [inj.fe_percent.get(product, np.nan) for inj in step.injections]
                ax.plot(times, fe, "o-", ms=3, lw=0.6, color=_colour(product, k),
                        label=_label(product) if step.index == 0 else None)
            twin.plot(times, [inj.j_total_mA_cm2 for inj in step.injections], "k^", ms=3,
                      label="j" if step.index == 0 else None)
            offset += step.duration_s
        ax.set_xlabel("time on stream (s)")
        ax.set_ylabel("Faradaic efficiency (%)")
        twin.set_ylabel("j (mA cm$^{-2}$)")
        ax.legend(loc="center left")
    return out


def plot_run(result: ExperimentResult, folder: str | Path, dpi: int = 300) -> list[Path]:
    """Write fe_bars.png, partial_currents.png, tafel.png and (with GC data) stability.png into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [plot_fe_bars(result, folder / "fe_bars.png", dpi),
             plot_partial_currents(result, folder / "partial_currents.png", dpi),
             plot_tafel(result, folder / "tafel.png", dpi)]
    if any(step.injections for step in result.steps):
        paths.append(plot_stability(result, folder / "stability.png", dpi))
    return paths


def plot_comparison(result: ExperimentResult, prediction: Prediction, out: str | Path, dpi: int = 300) -> Path:
    """Measured FE (points) and computed FE(U) (lines) on the same axes; limiting potentials as vertical lines."""
    out = Path(out)
    e = [s.potential_V_RHE for s in result.steps]
    with _axes(out, dpi, 2.6) as ax:
        products = list(dict.fromkeys([*result.products, *prediction.fe_percent, *prediction.limiting_potential_V_RHE]))
        for k, product in enumerate(products):
            colour = _colour(product, k)
            if product in result.products:
                ax.plot(e, [s.fe_percent.get(product, 0.0) for s in result.steps], "o", ms=4, color=colour,
                        label=f"{_label(product)} measured")
            if product in prediction.fe_percent:
                fe = np.array([np.nan if v is None else v for v in prediction.fe_percent[product]], dtype=float)
                ax.plot(prediction.potential_V_RHE, fe, "-", lw=1.0, color=colour,
                        label=f"{_label(product)} computed")
            if product in prediction.limiting_potential_V_RHE:
                u = prediction.limiting_potential_V_RHE[product]
                ax.axvline(u, color=colour, lw=0.8, ls="--")
                ax.annotate(f"U$_L$({_label(product)})", (u, 102), rotation=90, fontsize=5, ha="right", va="top",
                            color=colour)
        if prediction.predicted_product:
            ax.set_title(f"computed: {_label(prediction.predicted_product)} predicted ({prediction.kind})", fontsize=7)
        lo = min([*e, *prediction.potential_V_RHE, *prediction.limiting_potential_V_RHE.values()])
        hi = max([*e, *prediction.potential_V_RHE, *prediction.limiting_potential_V_RHE.values()])
        pad = 0.05 * (hi - lo or 1.0)
        ax.set_xlim(lo - pad, hi + pad)
        ax.set_ylim(0, 105)
        ax.set_xlabel("E (V vs RHE)")
        ax.set_ylabel("Faradaic efficiency (%)")
        ax.legend(ncol=2)
    return out
