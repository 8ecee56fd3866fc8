"""`nanocat experiment ...`: analyse a CO2-electrolysis run and compare it with a computed result (thin layer)."""

from __future__ import annotations

from pathlib import Path

import typer

from nanocat.cli._output import emit_json, print_table


def _analyze(run_file: Path = typer.Argument(..., help="run description (YAML)"),
             as_json: bool = typer.Option(False, "--json", help="one JSON document on stdout"),
             plot: Path | None = typer.Option(None, "--plot", help="folder for fe_bars.png, partial_currents.png, "
                                                                   "tafel.png"),
             add_to_kb: bool = typer.Option(False, "--add-to-kb", help="store the result as a validated user study"),
             replace: bool = typer.Option(False, "--replace", help="with --add-to-kb: overwrite your study of the "
                                                                   "same id")) -> None:
    """Raw potentiostat + GC + NMR/HPLC data -> E_RHE, j, FE, partial currents, TOF, Tafel slopes."""
    from nanocat.experiment.analysis import analyze_run
    from nanocat.experiment.run import load_run

    run, located = load_run(run_file)
    result = analyze_run(run, str(run_file), run_file.parent, located=located)
    catalysts = None
    if add_to_kb:
        from nanocat.experiment.kb import add_to_kb as store

        catalysts = store(result, run, str(run_file), replace=replace)
    figures = []
    if plot is not None:
        from nanocat.experiment.figures import plot_run

        figures = plot_run(result, plot)
    if as_json:
        emit_json({**result.as_dict(), "figures": [str(f) for f in figures], "added_to_kb": catalysts})
        return
    rows = []
    for s in result.steps:
        for k, p in enumerate(s.fe_percent):
            first = k == 0
            rows.append([s.label if first else "", s.potential_V_RHE if first else "",
                         s.j_total_mA_cm2 if first else "", p, s.fe_percent[p], s.j_partial_mA_cm2[p],
                         s.tof_per_s[p], s.fe_sum_percent if first else ""])
    print_table(f"{result.catalyst} vs {result.reference_electrode}: E iR-corrected, j cathodic < 0",
                ["step", "E V_RHE", "j mA/cm2", "product", "FE %", "j_i mA/cm2", "TOF 1/s", "FE sum %"], rows)
    if result.tafel:
        print_table("Tafel slopes", ["product", "slope (mV dec-1)", "window (V_RHE)", "r²", "points"],
                    [[t.product, t.slope_mV_dec, f"{t.window_V_RHE[0]:.3f} to {t.window_V_RHE[1]:.3f}",
                      f"{t.r_squared:.4f}", t.n_points] for t in result.tafel.values()])
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)
    for f in figures:
        typer.echo(f"figure: {f}", err=True)
    if catalysts:
        typer.echo(f"added to your knowledge base: {', '.join(catalysts)} (see `nanocat catalysts show`)", err=True)


def _compare(run_file: Path = typer.Argument(..., help="run description (YAML)"),
             result_file: Path = typer.Argument(..., help="nanocat kinetics/screen/analyze --json result"),
             plot: Path = typer.Option(..., "--plot", help="figure file (PNG, PDF or SVG)"),
             as_json: bool = typer.Option(False, "--json", help="one JSON document on stdout")) -> None:
    """Measured FE vs potential next to computed FE(U) or limiting potentials, on the same axes."""
    from nanocat.experiment.analysis import analyze_file
    from nanocat.experiment.compare import load_prediction
    from nanocat.experiment.figures import plot_comparison

    result = analyze_file(run_file)
    prediction = load_prediction(result_file)
    out = plot_comparison(result, prediction, plot)
    if as_json:
        emit_json({"measured": [{"potential_V_RHE": s.potential_V_RHE, "fe_percent": dict(s.fe_percent)}
                                for s in result.steps], "computed": prediction.as_dict(), "figure": str(out)})
        return
    typer.echo(f"measured: {len(result.steps)} steps of {result.catalyst}; computed: {prediction.kind} "
               f"({prediction.source})")
    if prediction.limiting_potential_V_RHE:
        print_table("limiting potentials (V_RHE)", ["product", "U_L (V_RHE)"],
                    sorted(prediction.limiting_potential_V_RHE.items(), key=lambda kv: -kv[1]))
    typer.echo(f"figure: {out}")


def register(app: typer.Typer) -> None:
    """Attach the `experiment` verb group to the app."""
    group = typer.Typer(help="Experiment analysis: raw CO2-electrolysis data -> FE, partial currents, E vs RHE.",
                        no_args_is_help=True)
    group.command("analyze")(_analyze)
    group.command("compare")(_compare)
    app.add_typer(group, name="experiment")
