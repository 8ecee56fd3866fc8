"""CLI group ``nanocat cell``: local pH and CO2 at the catalyst in an H-cell (``hcell``) or a GDE (``gde``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from nanocat.cli._output import emit_json, print_table

cell_app = typer.Typer(name="cell", help="Local pH and CO2 at the catalyst: H-cell boundary layer or GDE.",
                       no_args_is_help=True)

_SURF = (("pH", "pH"), ("CO2_mM", "CO2 / mM"), ("HCO3_mM", "HCO3- / mM"), ("CO3_mM", "CO3 2- / mM"),
         ("OH_mM", "OH- / mM"))


# Options both verbs share (typer reads these defaults as the options' declarations).
_KINETICS = typer.Option(None, "--kinetics", help="Couple to a kinetic model (anything 'nanocat kinetics' reads): "
                                                  "self-consistent FE vs potential.")
_MECHANISM = typer.Option(None, "--mechanism", "-m", help="With --kinetics on an energies file: products.")
_POTENTIAL_RANGE = typer.Option(None, "--potential-range", help="With --kinetics: START:STOP, V.")
_POINTS = typer.Option(8, "--points", help="With --kinetics: number of potentials.")
_DAMPING = typer.Option(0.5, "--damping", help="With --kinetics: fixed-point damping (0-1].")
_BARRIER = typer.Option(None, "--barrier", help="With --kinetics: barrier at 0 V (eV) of every electrochemical "
                                                "step given none (as 'nanocat kinetics').")
_FE_TABLE = typer.Option(None, "--fe-table", help="CSV j_mA_cm2,<product>,... : FE(j) to solve with.")
_PLOT = typer.Option(None, "--plot", help="Write profiles (or the sweep) to this PNG/PDF/SVG.")
_JSON = typer.Option(False, "--json", help="Print one JSON document.")


def _sweep_range(text: str) -> list[float]:
    """``'0.5:30:50'`` -> 50 currents from 0.5 to 30 mA cm⁻²."""
    import numpy as np

    from nanocat.errors import InputError

    try:
        lo, hi, n = text.split(":")
        start, stop, count = float(lo), float(hi), int(n)
    except ValueError:
        raise InputError(f"--j-sweep {text!r}: write START:STOP:N in mA cm-2, e.g. 0.5:30:50") from None
    if count < 1 or start < 0 or stop < start:
        raise InputError(f"--j-sweep {text!r}: need 0 <= START <= STOP and N >= 1")
    return [float(v) for v in np.linspace(start, stop, count)]


def _couple(cell: Any, *, kinetics: Path | None, mechanism: str | None, potential_range: str | None, points: int,
            damping: float, barrier: float | None, fe_table: Path | None, currents: list[float] | None,
            json_out: bool) -> bool:
    """Run a coupled calculation if asked (kinetics model or FE table); True when one ran."""
    from nanocat.cell.coupling import FETable, couple_fe_table, couple_kinetics
    from nanocat.errors import InputError

    if kinetics is None and fe_table is None:
        return False
    if kinetics is not None:
        import numpy as np

        from nanocat.cli.kinetics import _load_model, _range

        model, defaults = _load_model(kinetics, mechanism, None, None, {"default_barrier_eV": barrier})
        lo, hi = _range(potential_range) if potential_range else (defaults.get("potential_range_V") or (-1.0, -0.3))
        result = couple_kinetics(cell, model, np.linspace(lo, hi, int(points)), damping=damping)
        first = "U / V_" + model.scale
    else:
        if not currents:
            raise InputError("--fe-table needs --j or --j-sweep (the currents to solve at)")
        result = couple_fe_table(cell, FETable.read_csv(fe_table), currents)  # type: ignore[arg-type]
        first = "U"
    if json_out:
        emit_json(result.as_dict())
        return True
    rows = [[p.potential_V, p.j_mA_cm2, ", ".join(f"{k} {v:.3g}" for k, v in p.fe_percent.items()),
             p.surface.get("pH"), p.surface.get("CO2_mM"), p.iterations] for p in result.points]
    print_table(f"Self-consistent FE vs current ({result.mode})",
                [first, "j / mA cm-2", "FE %", "surface pH", "surface CO2 / mM", "iterations"], rows)
    return True


def _run(cell: Any, j: float | None, j_sweep: str | None, fe: str, coupling: dict[str, Any], plot: Path | None,
         json_out: bool, label: str, sweep_label: str) -> Any:
    """Coupled run, current sweep or single solve, plotted and/or printed as JSON.

    Returns the sweep or single result when a table is still to be printed, else None.
    """
    from nanocat.cell.faradaic import parse_fe
    from nanocat.errors import InputError

    currents = _sweep_range(j_sweep) if j_sweep else ([j] if j is not None else None)
    if _couple(cell, currents=currents, json_out=json_out, **coupling):
        return None
    fe_split = parse_fe(fe)
    if j_sweep:
        result = cell.sweep(currents, fe_split)
        above = getattr(result, "above_limit", ())  # only an H-cell has a CO2 limit a sweep can cross
        if any(above):
            typer.echo(f"warning: {sum(above)} of {len(result.j_mA_cm2)} currents are at or above the "
                       f"CO2 limiting current {result.co2_limiting_current_mA_cm2:.4g} mA cm-2: no steady state, "
                       "values left empty (null)", err=True)
        if plot:
            from nanocat.cell.plot import plot_sweep

            plot_sweep(result.j_mA_cm2, result.surface, plot, sweep_label, result.co2_limiting_current_mA_cm2)
    else:
        if j is None:
            raise InputError("give --j (mA cm-2), --j-sweep START:STOP:N, --kinetics MODEL or --fe-table CSV")
        result = cell.solve(j, fe_split)
        if plot:
            from nanocat.cell.plot import plot_profiles

            plot_profiles(result.profiles, plot, f"{label}, j = {j:g} mA cm-2")
    if json_out:
        emit_json(result.as_dict())
        return None
    return result


def _sweep_rows(sweep: Any, *extra: tuple[Any, ...]) -> list[list[Any]]:
    """Table rows of a sweep: j, the surface values, then any extra per-current columns."""
    return [[j, *[sweep.surface[k][i] for k, _ in _SURF], *[col[i] for col in extra]]
            for i, j in enumerate(sweep.j_mA_cm2)]


def _print_state(title: str, cell: Any, surface: dict[str, float], extra: list[list[Any]]) -> None:
    bulk = {**{f"{k}_mM": v for k, v in cell.bulk.concentrations_mM.items()}, "pH": cell.bulk.pH}
    rows = [[label, bulk.get(key), surface[key]] for key, label in _SURF]
    print_table(title, ["quantity", "bulk", "surface"], rows + extra)


@cell_app.command("hcell")
def _hcell(
    electrolyte: str = typer.Option(..., "--electrolyte", help="e.g. '0.1 M KHCO3', '1 M KOH', '0.1 M CsHCO3'."),
    boundary_layer_um: float = typer.Option(100.0, "--boundary-layer-um", help="Stagnant layer thickness δ, µm."),
    j: float = typer.Option(None, "--j", help="Cathodic current density, mA cm-2 (positive)."),
    j_sweep: str = typer.Option(None, "--j-sweep", help="START:STOP:N currents, mA cm-2, e.g. 0.5:30:50."),
    fe: str = typer.Option("CO=100", "--fe", help="FE split, product=percent pairs: CO=90,H2=10 or HCOOH=100."),
    pco2: float = typer.Option(None, "--pco2", help="CO2 partial pressure over the bulk, bar "
                                                    "(default 1 for HCO3-/CO3 2- salts, CO2-free for OH-)."),
    preset: str = typer.Option("gupta2006", "--preset", help="Parameter preset: gupta2006, gupta2006_paper, "
                                                              "schulz2006_seawater."),
    cells: int = typer.Option(250, "--cells", help="Grid intervals across the layer."),
    kinetics: Path = _KINETICS,
    mechanism: str = _MECHANISM,
    potential_range: str = _POTENTIAL_RANGE,
    points: int = _POINTS,
    damping: float = _DAMPING,
    barrier: float = _BARRIER,
    fe_table: Path = _FE_TABLE,
    plot: Path = _PLOT,
    json_out: bool = _JSON,
) -> None:
    """H-cell: surface pH, CO2, HCO3-, CO3 2-, OH- and the CO2 limiting current for a current and FE split."""
    from nanocat.cell import HCell, get_preset

    cell = HCell(electrolyte, boundary_layer_um, params=get_preset(preset), pCO2_bar=pco2, n_cells=cells)
    coupling = {"kinetics": kinetics, "mechanism": mechanism, "potential_range": potential_range, "points": points,
                "damping": damping, "barrier": barrier, "fe_table": fe_table}
    result = _run(cell, j, j_sweep, fe, coupling, plot, json_out, f"H-cell {cell.electrolyte.label}",
                  cell.electrolyte.label)
    if result is None:
        return
    if j_sweep:
        print_table(f"H-cell {cell.electrolyte.label}, δ = {boundary_layer_um:g} µm: surface vs j",
                    ["j / mA cm-2", *[label for _, label in _SURF]], _sweep_rows(result))
        typer.echo(f"CO2 limiting current: {result.co2_limiting_current_mA_cm2} mA cm-2")
        return
    _print_state(f"H-cell {cell.electrolyte.label}, δ = {boundary_layer_um:g} µm, j = {j:g} mA cm-2, "
                 f"FE {result.fe_percent}", cell, result.surface,
                 [["CO2 limiting current / mA cm-2", None, result.co2_limiting_current_mA_cm2]])


@cell_app.command("gde")
def _gde(
    electrolyte: str = typer.Option(..., "--electrolyte", help="e.g. '1 M KOH', '0.5 M KHCO3'."),
    catalyst_layer_um: float = typer.Option(5.0, "--catalyst-layer-um", help="Catalyst layer thickness L, µm."),
    porosity: float = typer.Option(0.6, "--porosity", help="Catalyst layer porosity ε (Bruggeman ε^1.5)."),
    boundary_layer_um: float = typer.Option(50.0, "--boundary-layer-um", help="Electrolyte layer δ, µm."),
    j: float = typer.Option(None, "--j", help="Cathodic current density, mA cm-2 (positive, geometric)."),
    j_sweep: str = typer.Option(None, "--j-sweep", help="START:STOP:N currents, mA cm-2."),
    fe: str = typer.Option("CO=100", "--fe", help="FE split, product=percent pairs, e.g. CO=90,H2=10."),
    pco2: float = typer.Option(1.0, "--pco2", help="CO2 partial pressure on the gas side, bar."),
    preset: str = typer.Option("gupta2006", "--preset", help="Parameter preset."),
    kinetics: Path = _KINETICS,
    mechanism: str = _MECHANISM,
    potential_range: str = _POTENTIAL_RANGE,
    points: int = _POINTS,
    damping: float = _DAMPING,
    barrier: float = _BARRIER,
    fe_table: Path = _FE_TABLE,
    plot: Path = _PLOT,
    json_out: bool = _JSON,
) -> None:
    """GDE: catalyst-layer pH and CO2 (current-weighted) and the CO2 reaction-diffusion length."""
    from nanocat.cell import get_preset
    from nanocat.cell.gde import GDE

    cell = GDE(electrolyte, catalyst_layer_um=catalyst_layer_um, porosity=porosity,
               boundary_layer_um=boundary_layer_um, pCO2_bar=pco2, params=get_preset(preset))
    coupling = {"kinetics": kinetics, "mechanism": mechanism, "potential_range": potential_range, "points": points,
                "damping": damping, "barrier": barrier, "fe_table": fe_table}
    label = f"GDE, {cell.electrolyte.label}"
    result = _run(cell, j, j_sweep, fe, coupling, plot, json_out, label, label)
    if result is None:
        return
    if j_sweep:
        print_table(f"GDE {cell.electrolyte.label}: catalyst-layer values (current-weighted) vs j",
                    ["j / mA cm-2", *[label for _, label in _SURF], "L_R / µm"],
                    _sweep_rows(result, result.reaction_diffusion_length_um))
        return
    _print_state(f"GDE {cell.electrolyte.label}, L = {catalyst_layer_um:g} µm, ε = {porosity:g}, j = {j:g} mA cm-2",
                 cell, result.surface,
                 [["reaction-diffusion length / µm", None, result.reaction_diffusion_length_um],
                  ["  with CO2 + OH- sink / µm", None, result.reaction_diffusion_length_with_homogeneous_um],
                  ["CO2 reaching the electrolyte (fraction)", None, result.co2_fraction_reaching_electrolyte],
                  ["CO2 consumed within the layer", None, "yes" if result.co2_consumed_within_layer else "no"]])


def register(app: typer.Typer) -> None:
    """Attach the ``cell`` group."""
    app.add_typer(cell_app, name="cell")
