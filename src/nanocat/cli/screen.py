"""CLI verbs of the main job: ``nanocat screen`` and ``nanocat demo``."""

from __future__ import annotations

from pathlib import Path

import typer

from nanocat.cli._output import emit_json, print_table
from nanocat.cli.external import EXPORT_FORMAT_HELP, EXPORT_HELP, export_screen, print_pending


def _structure(target: str, charge: int, multiplicity: int | None):  # noqa: ANN202 - ase.Atoms, imported lazily
    """A built-in cluster by name, or a structure file read with ase.io."""
    from nanocat.atoms.campaign import resolve_structure

    return resolve_structure(target, charge, multiplicity)[0]


SCHEDULER_HELP = ("Where relaxations run: omit for local processes (nothing to start); 'local' starts a Dask "
                  "LocalCluster of --workers processes; tcp://HOST:PORT uses a running Dask scheduler (needs the "
                  "dask extra).")


def print_ranking(results, title: str | None = None) -> None:  # noqa: ANN001 - ScreenResults
    """The ranking table of a campaign (best first), the blocked-route note and each cluster's call."""
    from nanocat.report.screening import BLOCKED_NOTE, rank, ul_cells

    ranked = rank(results)
    print_table(title or f"U_L (V vs RHE), {ranked[0].method}, best first",
                ["#", "cluster", "CO", "HCOOH", "CH4", "CH3OH", "H2", "predicted"],
                [[i, r.name, *ul_cells(r), r.predicted_product] for i, r in enumerate(ranked, start=1)])
    typer.echo(BLOCKED_NOTE)
    for r in ranked:
        typer.echo(f"{r.name}: {r.predicted_product} — {r.reason}")


def emit_campaign(results, report, as_json: bool, title: str | None = None,  # noqa: ANN001 - ScreenResults, Path
                  note: str | None = None) -> None:
    """A campaign's output: one JSON document, or its ranking table (``title``), ``note``, counts and report path."""
    from nanocat.report.screening import rank

    ranked = rank([r for r in results if r.hosts]) + [r for r in results if not r.hosts]
    if as_json:
        emit_json({"ranking": [r.name for r in ranked], "results": [r.as_dict() for r in ranked],
                   "report": None if report is None else str(report)})
        return
    if any(r.hosts for r in results):
        print_ranking([r for r in results if r.hosts], title)
    if note:
        typer.echo(note)
    for r in results:
        print_pending(r)
    typer.echo(f"What it did: {sum(r.computed for r in results)} relaxations computed, "
               f"{sum(r.reused for r in results)} reused from the cache, {sum(r.failed for r in results)} failed.")
    typer.echo(f"report: {report}" if report else "report: none until the pending jobs are imported")


def engine_params(values: list[str] | None, option: str = "--engine-param") -> dict[str, object]:
    """``--engine-param key=value`` options -> parameters (each value a JSON literal, else a string)."""
    import json

    from nanocat.errors import InputError

    params: dict[str, object] = {}
    for item in values or []:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"{option} {item!r}: expected key=value, e.g. epsilon=0.5")
        try:
            params[key.strip()] = json.loads(text)
        except json.JSONDecodeError:
            params[key.strip()] = text
    return params


def engine_choice(engine: str, params: list[str] | None):  # noqa: ANN201 - str or EngineSpec
    """The --engine option with its --engine-param values: ``"auto"`` or an EngineSpec (checked now)."""
    from nanocat.atoms.engines import EngineSpec

    parsed = engine_params(params)
    if engine.strip().lower() == "auto" and not parsed:
        return "auto"
    spec = EngineSpec(engine, parsed)
    spec.build()  # unknown engine, a factory refusing its parameters: one clear line before any work
    return spec


def refine_choice(engine: str, params: list[str] | None):  # noqa: ANN201 - EngineSpec
    """The --refine option with its --refine-param values, as an EngineSpec checked now (one engine, not auto)."""
    from nanocat.atoms.engines import EngineSpec
    from nanocat.errors import InputError

    if engine.strip().lower() == "auto":
        raise InputError("--refine needs one engine (e.g. pyscf, gfn2, module:callable), not auto")
    spec = EngineSpec(engine, engine_params(params, "--refine-param"))
    spec.build()
    return spec


ENGINE_HELP = ("auto (GFN2 -> GFN2@1000K -> GFN1), a built-in engine (gfn2, gfn1, emt; pyscf with the dft extra; "
               "external: your own program, see --export), "
               "an installed plugin (entry point group nanocat.engines), or any ASE calculator factory as "
               "module:callable, e.g. ase.calculators.morse:MorsePotential.")
ENGINE_PARAM_HELP = "Engine parameter key=value (value read as JSON, else text); repeatable."


def _split(value: str | None) -> tuple[str, ...] | None:
    """Comma-separated option -> tuple (None stays None)."""
    return None if value is None else tuple(v.strip() for v in value.split(",") if v.strip())


def _print_result(result) -> None:  # noqa: ANN001 - ScreenResult
    """Tables of one screen: ΔG per site and intermediate, then U_L per product."""
    from nanocat.report.screening import BLOCKED_NOTE, SUMMARY_PRODUCTS, ul_cells

    print_table(f"{result.name}: ΔG at U = 0 V_RHE (eV), engine {result.method}",
                ["host", "site", "species", "ΔG (eV)", "tried", "rearranged", "failed"],
                [[r.host, r.site, r.species, r.dG_eV, r.n_tried, r.n_rearranged, r.n_failed] for r in result.rows])
    if result.hosts:  # none analysed while a host's clean structure or the reference gases are pending
        print_table(f"{result.name}: limiting potentials (V_RHE)", ["product", "U_L (V_RHE)"],
                    list(zip(SUMMARY_PRODUCTS, ul_cells(result), strict=True)))
        typer.echo(BLOCKED_NOTE)
    typer.echo(f"predicted: {result.predicted_product} — {result.reason}")
    typer.echo(f"relaxations: {result.computed} computed, {result.reused} reused, {result.failed} failed"
               + (f", {len(result.pending)} pending" if result.pending else ""))
    for note in result.notes:
        typer.echo(f"note: {note}")
    if result.refinement is not None:
        _print_refinement(result)


def _print_refinement(result) -> None:  # noqa: ANN001 - ScreenResult with a refinement
    """The refined level next to the screening level: ΔG per intermediate, U_L per product, prediction."""
    from nanocat.report.screening import refinement_tables

    ref = result.refinement
    (dG_head, dG_rows), (ul_head, ul_rows) = refinement_tables(result)
    print_table(f"{result.name}: ΔG at U = 0 V_RHE (eV), {result.method} vs {ref.method} single points",
                dG_head, dG_rows)
    print_table(f"{result.name}: limiting potentials (V_RHE), both levels", ul_head, ul_rows)
    typer.echo(f"predicted at {result.method}: {result.predicted_product}; at {ref.method}: "
               f"{ref.predicted_product} — {ref.reason}")
    typer.echo(f"refinement single points: {ref.computed} computed, {ref.reused} reused, {ref.failed} failed")
    for note in ref.notes:
        typer.echo(f"note: {note}")


def register(app: typer.Typer) -> None:
    """Attach ``screen``, ``singlepoint`` and ``demo``."""

    @app.command()
    def singlepoint(
        target: str = typer.Argument(..., help="Structure file (xyz, cif, POSCAR, ...) or built-in cluster name."),
        engine: str = typer.Option(..., help=ENGINE_HELP.replace("auto (GFN2 -> GFN2@1000K -> GFN1), ", "")),
        engine_param: list[str] | None = typer.Option(None, "--engine-param", help=ENGINE_PARAM_HELP),
        charge: int = typer.Option(0, "--charge", "-q", help="Total charge (e)."),
        multiplicity: int | None = typer.Option(None, "--multiplicity", help="Spin multiplicity (default: lowest)."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON document."),
    ) -> None:
        """Energy of one structure with one engine (no relaxation): eV, converged, method, settings."""
        from nanocat.atoms.engines import EngineSpec, single_point
        from nanocat.atoms.structures import lowest_multiplicity

        atoms = _structure(target, charge, multiplicity)
        mult = int(atoms.info.get("multiplicity") or multiplicity or lowest_multiplicity(atoms, charge))
        result = single_point(atoms, EngineSpec(engine, engine_params(engine_param)), charge, mult)
        document = {"energy_eV": result.energy_eV, "converged": result.converged, "method": result.method_label,
                    "settings": result.settings, "n_atoms": len(atoms)}
        if as_json:
            emit_json(document)
            return
        print_table(f"{target}: single point", ["quantity", "value"],
                    [["energy (eV)", result.energy_eV], ["converged", result.converged],
                     ["method", result.method_label], ["atoms", len(atoms)], ["charge", charge],
                     ["multiplicity", mult]])
        if result.error:
            typer.echo(f"not converged: {result.error}")

    @app.command()
    def screen(
        targets: list[str] = typer.Argument(..., metavar="TARGET...", help="Structure file(s) (xyz, cif, POSCAR, "
                                            "...) or built-in cluster name(s); several are one campaign."),
        charge: int = typer.Option(0, "--charge", "-q", help="Total charge of the cluster(s) (e)."),
        multiplicity: int | None = typer.Option(None, "--multiplicity", help="Spin multiplicity (default: lowest)."),
        engine: str = typer.Option("auto", help=ENGINE_HELP),
        engine_param: list[str] | None = typer.Option(None, "--engine-param", help=ENGINE_PARAM_HELP),
        workers: int | None = typer.Option(None, help="Parallel relaxations (default: number of cores)."),
        scheduler: str | None = typer.Option(None, help=SCHEDULER_HELP),
        db: str | None = typer.Option(None, help="ase.db file or postgresql:// URL caching relaxations "
                                                 "(default OUT/screen.db)."),
        out: Path | None = typer.Option(None, help="Folder for report.html and results.json "
                                                   "(default nanocat-out/<name>, or <name>+<name>... for several)."),
        adsorbates: str | None = typer.Option(None, help="Comma-separated intermediates (default: C1 set + H)."),
        sites: str | None = typer.Option(None, help="Comma-separated site kinds (default top,bridge,hollow)."),
        orientations: int = typer.Option(2, help="Orientations per intermediate and site."),
        max_sites: int | None = typer.Option(None, help="Screen at most this many unique sites per host."),
        fmax: float = typer.Option(0.05, help="Force criterion of relaxations (eV/Å)."),
        refine: str | None = typer.Option(None, help="Refinement engine (any --engine value but auto): single "
                                                     "points of each diagram's geometries, reported side by side."),
        refine_param: list[str] | None = typer.Option(None, "--refine-param", help="Refinement engine parameter "
                                                      "key=value (value read as JSON, else text); repeatable."),
        refine_all_sites: bool = typer.Option(False, "--refine-all-sites", help="Refine the best configuration "
                                              "on every site, not only the one each diagram uses."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON document."),
        progress: bool = typer.Option(True, help="Show progress bars on stderr."),
        export: Path | None = typer.Option(None, help=EXPORT_HELP),
        export_format: str = typer.Option("extxyz", help=EXPORT_FORMAT_HELP),
    ) -> None:
        """Screen clusters: sites, intermediates, relaxations with any engine, free energies, predicted product.

        Several targets are one campaign: one job set, one progress bar, a ranking table and one report.
        """
        from dataclasses import replace

        from nanocat.atoms.campaign import resolve_structure
        from nanocat.atoms.screening import ScreenSettings
        from nanocat.errors import InputError
        from nanocat.report.campaign import run_campaign

        loaded = [resolve_structure(t, charge, multiplicity) for t in targets]
        settings = replace(ScreenSettings(), engine=engine_choice(engine, engine_param), workers=workers,
                           n_orientations=orientations, max_sites=max_sites, fmax_eV_A=fmax)
        if refine is not None:
            settings = replace(settings, refine=refine_choice(refine, refine_param), refine_all_sites=refine_all_sites)
        elif refine_param or refine_all_sites:
            raise InputError("--refine-param and --refine-all-sites need --refine ENGINE")
        if adsorbates is not None:
            settings = replace(settings, adsorbates=_split(adsorbates))
        if sites is not None:
            settings = replace(settings, site_kinds=_split(sites))
        if export is not None:
            if len(loaded) > 1:
                raise InputError("--export writes the jobs of one cluster: give one TARGET")
            export_screen(loaded[0][0], settings, loaded[0][1], export, export_format, db, as_json)
            return
        names = [name for _, name in loaded]
        out_dir = out or Path("nanocat-out") / ("+".join(names) if len(names) <= 4 else
                                                f"{names[0]}+{len(names) - 1}-more")
        single = len(loaded) == 1
        results, report = run_campaign([(atoms, name, None) for atoms, name in loaded], settings, out_dir, db=db,
                                       scheduler=scheduler, progress=progress,
                                       title=f"nanocat screen: {names[0]}" if single else None)
        if not single:
            emit_campaign(results, report, as_json)
            return
        result = results[0]
        if as_json:
            emit_json({**result.as_dict(), "report": None if report is None else str(report)})
        else:
            _print_result(result)
            print_pending(result)
            typer.echo(f"report: {report}" if report else "report: none until the pending jobs are imported")

    @app.command()
    def demo(
        out: Path = typer.Option(Path("nanocat-out/demo"), help="Folder for the report and the cache."),
        workers: int | None = typer.Option(None, help="Parallel relaxations (default: number of cores)."),
        scheduler: str | None = typer.Option(None, help=SCHEDULER_HELP),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON document."),
        progress: bool = typer.Option(True, help="Show progress bars on stderr."),
    ) -> None:
        """The main job on the built-in default: Cu13 vs Cu12Fe/Co/Ni (seed ref 126), ranked, with the report."""
        from nanocat.report.demo import DEMO_CLUSTERS, ch4_comparison, run_demo

        if not as_json:
            typer.echo(f"nanocat demo: screening {', '.join(DEMO_CLUSTERS)} for CO2 -> CO / HCOOH / CH4 / CH3OH "
                       f"and H2 with GFN-xTB (cached in {out / 'screen.db'}; rerun to resume)", err=True)
        results, report = run_demo(out, workers=workers, progress=progress, scheduler=scheduler)
        emit_campaign(results, report, as_json, note=ch4_comparison(results),
                      title=f"U_L (V vs RHE) on Cu13 and corner-doped Cu12M, {results[0].method}, best first")
