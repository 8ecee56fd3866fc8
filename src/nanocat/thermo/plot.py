"""Free-energy step diagrams (matplotlib, imported inside the function): one line per catalyst, one row per product."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from nanocat.errors import InputError
from nanocat.thermo.analysis import FreeEnergyAnalysis
from nanocat.thermo.diagram import ProductResult

_BAR = 0.6  # width of a state's level; the rest of each unit is the dashed connector


def _result(an: FreeEnergyAnalysis, product: str) -> ProductResult | None:
    """The product's result in an analysis (``H2``/``H2(g)`` is the HER result)."""
    if product in ("H2", "H2(g)"):
        return an.her
    if product in an.products:
        return an.products[product]
    matches = [r for k, r in an.products.items() if k.rsplit("(", 1)[0] == product]
    return matches[0] if matches else None


def _draw(ax, result: ProductResult, u: float, color: str, label: str, annotate: bool) -> None:  # noqa: ANN001
    """Draw one step diagram on ``ax`` at potential ``u`` (V_RHE)."""
    energies = result.state_energies_eV(u)
    for i, g in enumerate(energies):
        ax.plot([i, i + _BAR], [g, g], color=color, lw=2.2, solid_capstyle="butt", label=label if i == 0 else None)
        if i + 1 < len(energies):
            step = result.steps[i]
            pds = f"{step.from_state} -> {step.to_state}" == result.potential_determining_step and step.electrochemical
            # the potential-determining step is drawn solid so the eye finds it first
            ax.plot([i + _BAR, i + 1], [g, energies[i + 1]], color=color, lw=1.8 if pds else 0.9,
                    ls="-" if pds else "--")
        if annotate:
            ax.annotate(result.path[i], (i + _BAR / 2, g), xytext=(0, 4), textcoords="offset points",
                        ha="center", va="bottom", fontsize=7, rotation=30)


def plot_diagram(analyses: FreeEnergyAnalysis | Mapping[str, FreeEnergyAnalysis], out: Path | str,
                 products: Sequence[str] | None = None, potential_V_RHE: float = 0.0) -> Path:
    """Write a PNG/PDF/SVG of free-energy diagrams at ``potential_V_RHE`` and at each U_L; returns the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    named = {"": analyses} if isinstance(analyses, FreeEnergyAnalysis) else dict(analyses)
    if not named:
        raise InputError("plot_diagram: no analyses to plot")
    first = next(iter(named.values()))
    wanted = list(products) if products else [k for k, r in first.products.items() if r.complete]
    rows = [p for p in wanted if any((r := _result(a, p)) is not None and r.complete for a in named.values())]
    if not rows:
        raise InputError(f"plot_diagram: no complete free-energy path for {wanted or 'any product'}")
    colors = plt.get_cmap("tab10").colors
    fig, axes = plt.subplots(len(rows), 2, figsize=(11, 3.4 * len(rows)), squeeze=False)
    for row, product in enumerate(rows):
        longest = 1
        for k, (name, an) in enumerate(named.items()):
            r = _result(an, product)
            if r is None or not r.complete:
                continue
            tag = f"{name}: " if name else ""
            longest = max(longest, len(r.path))
            _draw(axes[row, 0], r, potential_V_RHE, colors[k % 10], f"{tag}{r.product}", k == 0)
            ul = r.limiting_potential_V_RHE
            _draw(axes[row, 1], r, ul, colors[k % 10], f"{tag}U_L = {ul:+.2f} V", k == 0)  # type: ignore[arg-type]
        axes[row, 0].set_title(f"{product} at U = {potential_V_RHE:+.2f} V vs RHE", fontsize=10)
        axes[row, 1].set_title(f"{product} at U = U_L", fontsize=10)
        for ax in axes[row]:
            ax.axhline(0.0, color="0.7", lw=0.6, zorder=0)
            ax.set_xticks([])
            ax.set_xlim(-0.3, longest + 0.2)
            ax.margins(y=0.25)
            ax.legend(fontsize=8, frameon=False, loc="lower left")
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
        axes[row, 0].set_ylabel("ΔG (eV)")
    axes[-1, 0].set_xlabel("reaction coordinate")
    axes[-1, 1].set_xlabel("reaction coordinate")
    fig.tight_layout()
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=200)
    plt.close(fig)
    return path
