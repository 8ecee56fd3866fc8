"""CLI verb ``nanocat kinetics MODEL``: steady-state FE, partial currents and Tafel slopes along a potential sweep."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from nanocat.cli._output import emit_json, print_table


def _range(text: str) -> tuple[float, float]:
    """``'-1.5:0'`` -> (-1.5, 0.0), V."""
    from nanocat.errors import InputError

    try:
        lo, hi = (float(v) for v in text.split(":"))
    except ValueError:
        raise InputError(f"--potential-range {text!r}: write START:STOP in V, e.g. -1.5:0") from None
    return lo, hi


def _load_model(model: Path, mechanism: str | None, surface: str | None, host: str | None,
                kwargs: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """Model and its sweep defaults from a .mkm, a screen result (JSON) or an energies file + mechanism."""
    from nanocat.errors import InputError
    from nanocat.kinetics import MicrokineticModel
    from nanocat.kinetics.readers import is_screen_result, model_from_energies_file, model_from_screen

    if not model.is_file():
        raise InputError(f"model file not found: {model}")
    defaults: dict[str, Any] = {}
    if model.suffix.lower() == ".mkm":
        from nanocat.kinetics.catmap import read_mkm

        setup = read_mkm(model)
        margs = dict(setup.to_model_kwargs(surface=surface))
        defaults = {"potential_range_V": getattr(setup, "potential_range_V", None),
                    "points": getattr(setup, "points", None), "pH": getattr(setup, "pH", None),
                    "scale": getattr(setup, "scale", None)}
        if kwargs.get("pH") is not None:
            margs["pH"] = kwargs["pH"]
        if kwargs.get("scale") is not None:
            margs["scale"] = kwargs["scale"]
        if kwargs.get("default_barrier_eV") is not None:
            margs["default_barrier_eV"] = kwargs["default_barrier_eV"]
        return MicrokineticModel.from_expressions(**margs), defaults
    level = kwargs.pop("level", "screen")
    extra = {k: v for k, v in kwargs.items() if v is not None and k != "scale"}
    if model.suffix.lower() == ".json":
        try:
            data = json.loads(model.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InputError(f"{model}: not valid JSON ({exc})") from None
        if is_screen_result(data):
            products = [p.strip() for p in mechanism.split(",")] if mechanism else ("CO", "HCOOH")
            return model_from_screen(data, products, host=host, level=level, source=str(model), **extra), defaults
    return model_from_energies_file(model, mechanism or "CO,HCOOH", surface=surface, **extra), defaults


def _kinetics(
    model: Path = typer.Argument(..., help="A CatMAP .mkm, a 'nanocat screen --json' result, or an energies file "
                                           "(anything 'nanocat fed' reads) with --mechanism."),
    mechanism: str = typer.Option(None, "--mechanism", "-m",
                                  help="For an energies file or screen result: comma-separated products on the "
                                       "Scheme-1 network (default CO,HCOOH; HER always included), or a file of "
                                       "expressions (one per line, CatMAP grammar)."),
    potential_range: str = typer.Option(None, "--potential-range", help="START:STOP in V (default -1.5:0)."),
    points: int = typer.Option(None, "--points", help="Number of potentials (default 61)."),
    ph: float = typer.Option(None, "--ph", help="pH (matters on the SHE scale; default the model's, else 0)."),
    scale: str = typer.Option(None, "--scale", help="Potential scale of a .mkm model: RHE or SHE."),
    beta: float = typer.Option(None, "--beta", help="Default transfer coefficient (0-1; default 0.5)."),
    barrier: float = typer.Option(None, "--barrier", help="Barrier at 0 V (eV) of every electrochemical step "
                                                          "given none (default: thermodynamic limit, max(0, dG))."),
    surface: str = typer.Option(None, "--surface", help="Surface to read from a CatMAP energy table."),
    host: str = typer.Option(None, "--host", help="Host of a screen result (default: best CO2RR host)."),
    level: str = typer.Option("screen", "--level", help="Screen result: 'screen' free energies, or 'refined' "
                                                        "(those of its --refine step, e.g. PBE//GFN1)."),
    rate_control: bool = typer.Option(False, "--rate-control", help="Also compute degrees of rate control and "
                                                                      "the rate-determining step per potential."),
    plot: Path = typer.Option(None, "--plot", help="Write polarisation curve, FE and coverages to this PNG/PDF/SVG."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON document."),
) -> None:
    """Mean-field microkinetics: TOF, FE, partial currents, coverages and Tafel slopes vs potential."""
    import numpy as np

    from nanocat.errors import InputError

    m, defaults = _load_model(model, mechanism, surface, host, {"pH": ph, "beta": beta, "scale": scale,
                                                                    "default_barrier_eV": barrier, "level": level})
    lo, hi = _range(potential_range) if potential_range else (defaults.get("potential_range_V") or (-1.5, 0.0))
    n = points if points is not None else (defaults.get("points") or 61)
    if n < 1:
        raise InputError(f"--points must be at least 1, got {n}")
    result = m.sweep(np.linspace(lo, hi, int(n)), rate_control=rate_control)
    figure = None
    if plot:
        from nanocat.kinetics.plot import plot_sweep

        figure = plot_sweep(result, plot)
    if json_out:
        doc = result.as_dict()
        if figure is not None:
            doc["figure"] = str(figure)
        emit_json(doc)
        return
    names = list(result.fe_percent)
    step = max(1, len(result.potential_V) // 13)
    rows = []
    for i in range(0, len(result.potential_V), step):
        rows.append([round(result.potential_V[i], 3), *[result.fe_percent[p][i] for p in names],
                     result.j_total_mA_cm2[i], *[result.tafel_mV_dec[p][i] for p in names],
                     "yes" if result.converged[i] else "NO"])
    print_table(f"{m.source}: steady state vs U ({result.scale}), {len(result.potential_V)} points",
                [f"U / V_{result.scale}", *[f"FE {p} %" for p in names], "j / mA cm-2",
                 *[f"Tafel {p} mV/dec" for p in names], "converged"], rows)
    typer.echo(f"converged: {sum(result.converged)}/{len(result.converged)}, "
               f"max relative residual {result.max_residual:.1e}")
    if figure is not None:
        typer.echo(f"figure: {figure}", err=True)


def register(app: typer.Typer) -> None:
    """Attach ``kinetics``."""
    app.command("kinetics")(_kinetics)
