"""`nanocat catalysts ...`: list, show, export, add and plot the knowledge base (thin layer over nanocat.data)."""

from __future__ import annotations

from pathlib import Path

import typer

from nanocat.cli._output import emit_json, print_table

_MEASUREMENT_KEYS = ("product", "fe_percent", "potential_V_RHE", "current_density_mA_cm2", "cell", "electrolyte",
                     "doi", "approximate", "fe_bound", "potential_range_V_RHE", "conditions", "study", "seed_ref",
                     "citation", "quoted_from_doi", "source")


def _summary(rec: object) -> dict:
    """The `list --json` entry of one catalyst record."""
    return {"id": rec.id, "formula": rec.formula, "kind": rec.kind, "metals": rec.metals, "charge": rec.charge,
            "hydrides": rec.hydrides.model_dump() if rec.hydrides else None, "products": rec.products,
            "n_measurements": len(rec.measurements), "studies": rec.studies, "seed_refs": rec.seed_refs,
            "source": rec.source}


def _show_document(rec: object) -> dict:
    """The `show --json` document: the record with measurements in the DESIGN.md §2 shape (plus provenance)."""
    doc = rec.as_dict()
    doc["measurements"] = [{k: m.as_dict()[k] for k in _MEASUREMENT_KEYS} for m in rec.measurements]
    return doc


def _metals_text(metals: dict) -> str:
    """Au25 / Ag15Cu6 / Au (count unknown) style."""
    return "".join(f"{el}{'' if n is None else n}" for el, n in metals.items())


def _list(metal: str | None = typer.Option(None, "--metal", help="element symbol, e.g. Cu"),
          product: str | None = typer.Option(None, "--product", help="CO, HCOOH, H2, CH4, C2H4, CH3OH, ..."),
          hydride: str | None = typer.Option(None, "--hydride", help="lattice|interstitial|mixed|unknown|none"),
          ligand_kind: str | None = typer.Option(None, "--ligand-kind", help="X or L"),
          cell: str | None = typer.Option(None, "--cell", help="H-cell | flow/GDE | MEA"),
          as_json: bool = typer.Option(False, "--json", help="one JSON document on stdout")) -> None:
    """List catalysts (curated and your own), optionally filtered."""
    from nanocat.data import query

    records = query(metal=metal, product=product, hydride_location=hydride, ligand_kind=ligand_kind, cell=cell)
    if as_json:
        emit_json([_summary(r) for r in records])
        return
    rows = [(r.id, r.kind, r.formula or _metals_text(r.metals), ", ".join(r.products) or "–",
             len(r.measurements), ", ".join(str(x) for x in r.seed_refs), r.source) for r in records]
    print_table(f"{len(rows)} catalysts", ["id", "kind", "formula", "products", "FE values", "seed refs", "source"],
                rows)


def _show(catalyst_id: str = typer.Argument(..., help="catalyst id, e.g. Cu58-II"),
          as_json: bool = typer.Option(False, "--json", help="one JSON document on stdout")) -> None:
    """Show one catalyst with its measurements, findings and computed values."""
    from nanocat.data import get_catalyst

    rec = get_catalyst(catalyst_id)
    if as_json:
        emit_json(_show_document(rec))
        return
    hyd = f"{rec.hydrides.count} ({rec.hydrides.location})" if rec.hydrides else "–"
    info = [("formula", rec.formula or f"– ({rec.formula_note})"), ("kind", rec.kind),
            ("metals", _metals_text(rec.metals)), ("charge", rec.charge), ("electrons", rec.electron_count),
            ("hydrides", hyd), ("morphology", rec.morphology), ("core", rec.core), ("support", rec.support),
            ("studies", ", ".join(rec.studies))]
    print_table(rec.id, ["field", "value"], [(k, v) for k, v in info if v is not None])
    if rec.measurements:
        rows = [(m.product, ("~" if m.approximate else ">" if m.fe_bound == "lower" else "") + f"{m.fe_percent:g}",
                 m.potential_V_RHE if m.potential_range_V_RHE is None
                 else f"{m.potential_range_V_RHE[0]:g} to {m.potential_range_V_RHE[1]:g}",
                 m.cell, m.seed_ref, m.doi or m.quoted_from_doi) for m in rec.measurements]
        print_table("measurements", ["product", "FE %", "U / V vs RHE", "cell", "seed ref", "DOI (study, else seed)"], rows)
    claims = [("computed", f"{c['step']}: {c['value_eV']:g} eV" + (f" ({c['variant']})" if c.get("variant") else ""))
              for c in rec.computed]
    claims += [("ratio", f"{r['numerator']} / {r['denominator']} {r['quantity']} = "
                         f"{'~' if r['approximate'] else ''}{r['value']:g}") for r in rec.ratios]
    claims += [("finding", f["statement"]) for f in rec.findings]
    if claims:
        print_table("claims", ["type", "text"], claims)


def _export(fmt: str = typer.Option(..., "--format", help="csv (one row per measurement) or json (records)"),
            out: Path | None = typer.Option(None, "--out", help="file to write (default: stdout)")) -> None:
    """Export the knowledge base as CSV or JSON."""
    from nanocat.data import load_catalysts, to_dataframe
    from nanocat.errors import InputError

    if fmt not in ("csv", "json"):
        raise InputError(f"--format {fmt!r}: use csv or json")
    records = load_catalysts()
    if fmt == "csv":
        text = to_dataframe(records).to_csv(index=False)
    else:
        import json

        text = json.dumps([_show_document(r) for r in records], indent=2, ensure_ascii=False) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {len(records)} catalysts to {out}", err=True)


def _add(path: Path = typer.Argument(..., help="a study YAML file (same schema as the curated files)"),
         replace: bool = typer.Option(False, "--replace", help="overwrite your earlier study with the same id"),
         as_json: bool = typer.Option(False, "--json", help="one JSON document on stdout")) -> None:
    """Validate a study file and store its records in your user database."""
    from nanocat.data import add_user_file
    from nanocat.settings import get_settings

    ids = add_user_file(path, replace=replace)
    db = get_settings().user_db_path
    if as_json:
        emit_json({"added": ids, "database": str(db)})
    else:
        print_table(f"stored in {db}", ["catalyst id"], [(i,) for i in ids])


def _plot(study: str = typer.Argument(..., help="study id (see `nanocat catalysts studies`)"),
          out: Path = typer.Option(..., "--out", help="figure file: .png, .pdf or .svg"),
          as_json: bool = typer.Option(False, "--json", help="one JSON document on stdout")) -> None:
    """Redraw the seed's FE comparison of one study (grouped bars, single-column size)."""
    from nanocat.data.figures import plot_study

    path = plot_study(study, out)
    if as_json:
        emit_json({"study": study, "figure": str(path)})
    else:
        typer.echo(f"wrote {path}")


def _studies(as_json: bool = typer.Option(False, "--json", help="one JSON document on stdout")) -> None:
    """List the studies (one curated file each) with their seed references."""
    from nanocat.data import list_studies

    studies = list_studies()
    if as_json:
        emit_json([{"id": s.id, "title": s.title, "seed_section": s.seed_section, "seed_refs": s.seed_refs,
                    "catalysts": [c.id for c in s.catalysts], "n_measurements": len(s.measurements),
                    "citation": s.primary.text(), "doi": s.primary.doi} for s in studies])
        return
    print_table(f"{len(studies)} studies", ["id", "section", "refs", "FE values", "title"],
                [(s.id, s.seed_section, ",".join(map(str, s.seed_refs)), len(s.measurements), s.title)
                 for s in studies])


def register(app: typer.Typer) -> None:
    """Attach the `catalysts` verb group to the app."""
    group = typer.Typer(help="The knowledge base of nanocluster CO2RR catalysts (seed review, your records).",
                        no_args_is_help=True)
    group.command("list")(_list)
    group.command("show")(_show)
    group.command("studies")(_studies)
    group.command("export")(_export)
    group.command("add")(_add)
    group.command("plot")(_plot)
    app.add_typer(group, name="catalysts")
