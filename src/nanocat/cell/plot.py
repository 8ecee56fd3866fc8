"""Figures of the cell model: concentration/pH profiles of one state, surface pH/CO2 along a current sweep."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def plot_profiles(profiles: Mapping[str, Sequence[float]], path: Path | str, title: str = "") -> Path:
    """pH and CO2/HCO3⁻/CO3²⁻/OH⁻ (mM) vs distance from the electrode (µm), saved to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = list(profiles["x_um"])
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    for key in ("CO2_mM", "HCO3_mM", "CO3_mM", "OH_mM"):
        ax1.plot(x, profiles[key], label=key.replace("_mM", ""))
    ax1.set(yscale="log", xlabel="distance from electrode / µm", ylabel="concentration / mM")
    ax1.legend()
    ax2.plot(x, profiles["pH"], color="k")
    ax2.set(xlabel="distance from electrode / µm", ylabel="pH")
    fig.suptitle(title)
    out = Path(path)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out


def plot_sweep(j_mA_cm2: Sequence[float], surface: Mapping[str, Sequence[Any]], path: Path | str,
               title: str = "", j_lim: float | None = None) -> Path:
    """Surface pH and CO2 (mM) vs current density (mA cm⁻²), the CO2 limiting current marked, saved to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax1 = plt.subplots(figsize=(6, 4), constrained_layout=True)
    ax1.plot(j_mA_cm2, surface["pH"], "k-", label="surface pH")
    ax1.set(xlabel="j / mA cm⁻²", ylabel="surface pH")
    ax2 = ax1.twinx()
    ax2.plot(j_mA_cm2, surface["CO2_mM"], "C0-", label="surface CO2")
    ax2.set_ylabel("surface CO2 / mM", color="C0")
    if j_lim is not None:
        ax1.axvline(j_lim, color="C3", ls="--", label="CO2 limiting current")
    ax1.legend(loc="upper left")
    ax1.set_title(title)
    out = Path(path)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
