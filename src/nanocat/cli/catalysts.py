"""`nanocat catalysts ...`: list, show, export, add and plot the knowledge base (thin layer over nanocat.data)."""

from __future__ import annotations

from pathlib import Path

import typer

from nanocat.cli._output import emit_json, print_table
from nanocat.data.figures import volts

_EVIDENCE_SHORT = {"experiment": "exp", "computed": "calc", "experiment+computed": "both"}
_KINDS_HELP = "experiment|computed (evidence), or cluster|nanoparticle|bulk|single-atom"


def _fe_text(m: object) -> str:
    """'>80', '~83', '92' (FE in %)."""
    mark = "~" if m.approximate else {"lower": ">", "upper": "<"}.get(m.fe_bound or "", "")
    return f"{mark}{m.fe_percent:g}"


def _potential_text(m: object) -> str | None:
    """'-1.0', '-0.7 to -1.1', or None when the seed gives none."""
    if m.potential_range_V_RHE is not None:
        return f"{volts(m.potential_range_V_RHE[0])} to {volts(m.potential_range_V_RHE[1])}"
    return volts(m.potential_V_RHE)


def _record_document(rec: object) -> dict:
    """The JSON document of one record: every field, measurements (with provenance) and claims."""
    return {**rec.as_dict(), "n_measurements": len(rec.measurements)}


def _metals_text(metals: dict) -> str:
    """Au25 / Ag15Cu6 / Au (count unknown) style."""
    return "".join(f"{el}{'' if n is None else n}" for el, n in metals.items())


def _fe_summary(rec: object) -> str:
    """'HCOOH >80; CO 8 @ -1.2' for the list table; products stated without FE as 'CO (stated)'."""
    parts = [f"{m.product} {_fe_text(m)}" + (f" @ {_potential_text(m)}" if _potential_text(m) else "")
             for m in rec.measurements]
    measured = {m.product for m in rec.measurements}
    parts += [f"{p} (stated)" for p in rec.products if p not in measured]
    return "; ".join(parts) or "–"


def _list(metal: str | None = typer.Option(None, "--metal", help="element symbol, e.g. Cu"),
          product: str | None = typer.Option(None, "--product",
                                             help="CO, HCOOH, H2, CH4, C2H4, CH3OH, ... or formate, methane, ..."),
          min_fe: float | None = typer.Option(None, "--min-fe", help="FE at least this, % ('>80' counts as 80)"),
          max_fe: float | None = typer.Option(None, "--max-fe", help="FE at most this, %"),
          min_potential: float | None = typer.Option(None, "--min-potential", help="U >= this, V vs RHE"),
          max_potential: float | None = typer.Option(None, "--max-potential",
                                                     help="U <= this (more negative), V vs RHE"),
          kind: str | None = typer.Option(None, "--kind", help=_KINDS_HELP),
          study: str | None = typer.Option(None, "--study", help="study id (see `nanocat catalysts studies`)"),
          hydride: str | None = typer.Option(None, "--hydride",
                                             help="lattice|interstitial|mixed|unknown|none (mixed counts as both)"),
          ligand: str | None = typer.Option(None, "--ligand", help="ligand name or alias, e.g. PET, SCH2CH2Ph"),
          ligand_kind: str | None = typer.Option(None, "--ligand-kind", help="X or L"),
          ligand_anchor: str | None = typer.Option(None, "--ligand-anchor", help="donor atom: S, Se, P, C, N, O"),
          charge: str | None = typer.Option(None, "--charge", help="cluster charge, e.g. -1, 0, 2+"),
          cell: str | None = typer.Option(None, "--cell", help="H-cell | flow/GDE | MEA"),
          as_json: bool = typer.Option(False, "--json", help="one JSON document on stdout")) -> None:
    """List catalysts (curated and your own) with the measurements and claims that match the filters."""
    from nanocat.data import query

    evidence = kind if kind is not None and kind.strip().lower() in ("experiment", "computed") else None
    records = query(metal=metal, product=product, hydride_location=hydride, ligand_kind=ligand_kind, cell=cell,
                    kind=None if evidence else kind, min_fe=min_fe, max_fe=max_fe, min_potential=min_potential,
                    max_potential=max_potential, evidence=evidence, study=study, ligand_anchor=ligand_anchor,
                    ligand=ligand, charge=charge)
    if as_json:
        emit_json([_record_document(r) for r in records])
        return
    rows = [(r.id, r.formula or f"– ({_metals_text(r.metals)})", _EVIDENCE_SHORT.get("+".join(r.evidence_kinds), "–"),
             _fe_summary(r), ", ".join(str(x) for x in r.seed_refs)) for r in records]
    print_table(f"{len(rows)} catalysts", ["id", "formula", "data", "FE % @ U/V vs RHE", "refs"], rows, fold=True,
                whole=("id",))


def _electrons_text(rec: object) -> str | None:
    """The electron count, or 'charge not stated' with the count per plausible charge."""
    if rec.electron_count is not None:
        return str(rec.electron_count)
    if rec.electron_counts_by_charge:
        per = ", ".join(f"{n} if q={q:+d}".replace("+0", "0") for q, n in sorted(rec.electron_counts_by_charge.items()))
        return f"charge not stated: {per}"
    return None


def _show(catalyst_id: str = typer.Argument(..., help="catalyst id, e.g. Cu58-II (any case)"),
          as_json: bool = typer.Option(False, "--json", help="one JSON document on stdout")) -> None:
    """Show one catalyst with its measurements, claims and the studies they come from."""
    from nanocat.data import get_catalyst, get_study

    rec = get_catalyst(catalyst_id)
    studies = [get_study(s) for s in rec.studies]
    if as_json:
        doc = _record_document(rec)
        doc["citations"] = [{"study": s.id, **c.model_dump(mode="json")} for s in studies for c in s.citations]
        emit_json(doc)
        return
    hyd = f"{rec.hydrides.count} ({rec.hydrides.location})" if rec.hydrides else None
    charge = rec.charge if rec.charge is not None else ("not stated" if rec.formula else None)
    info = [("formula", rec.formula or f"– ({rec.formula_note})"), ("label", rec.label), ("kind", rec.kind),
            ("metals", _metals_text(rec.metals)), ("charge", charge), ("electrons", _electrons_text(rec)),
            ("ligands", ", ".join(f"{lig['name']} ({lig['kind']}, {'/'.join(lig['anchor'])})" for lig in rec.ligands)
             or rec.ligand_note), ("hydrides", hyd), ("evidence", ", ".join(rec.evidence_kinds)),
            ("morphology", rec.morphology), ("core", rec.core), ("support", rec.support),
            ("size / nm", rec.size_nm), ("notes", rec.notes)]
    print_table(rec.id, ["field", "value"], [(k, v) for k, v in info if v not in (None, "")], fold=True)
    if rec.measurements:
        rows = [(m.product, _fe_text(m), _potential_text(m), m.cell, m.electrolyte, m.seed_ref)
                for m in rec.measurements]
        print_table("measurements (FE %)", ["product", "FE %", "U / V vs RHE", "cell", "electrolyte", "ref"], rows,
                    fold=True)
    claims = [("computed", f"{c['step']}: {c['value_eV']:g} eV" + (f" ({c['variant']})" if c.get("variant") else ""))
              for c in rec.computed]
    claims += [("ratio", f"{r['numerator']} / {r['denominator']} {r['quantity']} = "
                         f"{'~' if r['approximate'] else ''}{r['value']:g}") for r in rec.ratios]
    claims += [("finding" + (" (theory)" if f.get("evidence") == "computed" else ""), f["statement"])
               for f in rec.findings]
    if claims:
        print_table("claims", ["type", "text"], claims, fold=True)
    cites = [(c.seed_ref, f"{c.text()}", c.doi or f"– (quoted from {s.quoted_from_doi})")
             for s in studies for c in s.citations]
    print_table("studies", ["ref", "authors, journal, year, volume, pages", "DOI"], cites, fold=True)


def _export(fmt: str = typer.Option(..., "--format", help="csv (a tidy table) or json (the records)"),
            table: str = typer.Option("measurements", "--table",
                                      help="csv table: measurements|ratios|computed|findings|catalysts"),
            out: Path | None = typer.Option(None, "--out", help="file to write (default: stdout)")) -> None:
    """Export the knowledge base: one tidy CSV table per claim type, or every record as JSON."""
    from nanocat.data import load_catalysts
    from nanocat.data import table as make_table
    from nanocat.errors import InputError

    if fmt not in ("csv", "json"):
        raise InputError(f"--format {fmt!r}: use csv or json")
    records = load_catalysts()
    if fmt == "csv":
        frame = make_table(table, records)
        text, what = frame.to_csv(index=False), f"{len(frame)} rows of table {table}"
    else:
        import json

        text = json.dumps([_record_document(r) for r in records], indent=2, ensure_ascii=False) + "\n"
        what = f"{len(records)} catalyst records with {sum(len(r.measurements) for r in records)} measurements"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {what} to {out}", err=True)


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
                    "citation": s.primary.text(), "doi": s.primary.doi,
                    "citations": [c.model_dump(mode="json") for c in s.citations]} for s in studies])
        return
    print_table(f"{len(studies)} studies", ["id", "section", "refs", "FE values", "DOI"],
                [(s.id, s.seed_section, ",".join(map(str, s.seed_refs)), len(s.measurements), s.primary.doi)
                 for s in studies], fold=True)


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
