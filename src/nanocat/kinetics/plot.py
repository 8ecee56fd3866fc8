"""Figures of a sweep or map (matplotlib imported inside, Agg): polarisation curve, FE vs U, coverages, 2-D maps."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np

from nanocat.errors import InputError
from nanocat.kinetics.results import KineticsMap, KineticsResult


def _pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, out: Path | str) -> Path:
    """Save and close a figure; returns the path."""
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=200)
    _pyplot().close(fig)
    return path


def draw_polarisation(ax: Any, result: KineticsResult) -> None:
    """|j_partial| (mA cm⁻², log scale) vs U per product and in total."""
    u = np.asarray(result.potential_V)
    for name, j in result.j_partial_mA_cm2.items():
        ax.semilogy(u, np.abs(j), label=name)
    ax.semilogy(u, np.abs(result.j_total_mA_cm2), color="k", lw=1.2, ls="--", label="total")
    ax.set_xlabel(f"U / V vs {result.scale}")
    ax.set_ylabel("|j| / mA cm$^{-2}$")
    ax.legend(fontsize=8, frameon=False)


def draw_fe(ax: Any, result: KineticsResult, style: Literal["bars", "lines"] = "bars") -> None:
    """FE (%) vs U: stacked bars (the seed's figures) or lines."""
    u = np.asarray(result.potential_V)
    width = 0.8 * (np.min(np.diff(np.sort(u))) if len(u) > 1 else 0.1)
    bottom = np.zeros(len(u))
    for name, fe in result.fe_percent.items():
        values = np.array([np.nan if v is None else v for v in fe], float)
        if style == "bars":
            clean = np.nan_to_num(values)
            ax.bar(u, clean, width=width, bottom=bottom, label=name)
            bottom += clean
        else:
            ax.plot(u, values, marker="o", ms=3, label=name)
    ax.set_xlabel(f"U / V vs {result.scale}")
    ax.set_ylabel("FE / %")
    ax.set_ylim(0, 105)
    ax.legend(fontsize=8, frameon=False)


def draw_coverages(ax: Any, result: KineticsResult, floor: float = 1e-6) -> None:
    """Coverage of every adsorbate (and empty sites) vs U, log scale, species below ``floor`` everywhere hidden."""
    u = np.asarray(result.potential_V)
    for name, theta in result.coverages.items():
        t = np.asarray(theta)
        if t.max() >= floor:
            ax.semilogy(u, t, label=name)
    ax.set_xlabel(f"U / V vs {result.scale}")
    ax.set_ylabel("coverage θ")
    ax.set_ylim(floor, 1.5)
    ax.legend(fontsize=8, frameon=False)


def plot_sweep(result: KineticsResult, out: Path | str, style: Literal["bars", "lines"] = "bars") -> Path:
    """Write polarisation curve, FE vs U and coverages vs U side by side to a PNG/PDF/SVG; returns the path."""
    if style not in ("bars", "lines"):
        raise InputError(f"plot style must be 'bars' or 'lines', not {style!r}")
    plt = _pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    draw_polarisation(axes[0], result)
    draw_fe(axes[1], result, style)
    draw_coverages(axes[2], result)
    return _save(fig, out)


def plot_map(result: KineticsMap, out: Path | str, quantity: str = "tof_per_s", product: str | None = None) -> Path:
    """Write a 2-D map (log10 of a TOF/|j|, or FE %) of one product over the two descriptors."""
    data = getattr(result, quantity, None)
    if not isinstance(data, dict) or not data:
        raise InputError(f"plot_map: unknown quantity {quantity!r} (tof_per_s, fe_percent, j_partial_mA_cm2)")
    name = product or next(iter(data))
    if name not in data:
        raise InputError(f"plot_map: no product {name!r} (have {', '.join(data)})")
    z = np.asarray(data[name], float)
    label = f"FE {name} / %" if quantity == "fe_percent" else f"log10 |{quantity} {name}|"
    if quantity != "fe_percent":
        with np.errstate(divide="ignore"):
            z = np.log10(np.abs(z))
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    mesh = ax.pcolormesh(result.x_values, result.y_values, z, shading="nearest", cmap="viridis")
    fig.colorbar(mesh, ax=ax, label=label)
    ax.set_xlabel(result.x_name if result.x_name != "U" else f"U / V vs {result.scale}")
    ax.set_ylabel(result.y_name if result.y_name != "U" else f"U / V vs {result.scale}")
    return _save(fig, out)
