"""``nanocat formula`` (parse a cluster formula, count its superatom electrons) and ``nanocat ligands``."""

from __future__ import annotations

from pathlib import Path

import typer

from nanocat.cli._output import emit_json, print_table


def _library(ligand_file: Path | None):  # noqa: ANN202 - typed in nanocat.chem
    """The default ligand library, plus the user's YAML file when one is given (on a copy)."""
    from nanocat.chem import default_library

    library = default_library()
    if ligand_file is not None:
        library = library.copy()
        library.load_yaml(ligand_file)
    return library


def _fmt_counts(counts: dict[str, int] | None) -> str | None:
    return None if counts is None else " ".join(f"{k}{v}" for k, v in counts.items())


def register(app: typer.Typer) -> None:
    """Attach ``formula`` and ``ligands`` to the app."""

    @app.command("formula")
    def formula_cmd(
        formula: str = typer.Argument(..., help='Cluster formula, e.g. "[Au25(PET)18]-" (quote it in the shell).'),
        json_out: bool = typer.Option(False, "--json", help="Print one JSON document instead of a table."),
        ligand_file: Path | None = typer.Option(None, "--ligand-file", help="YAML file of extra ligands."),
    ) -> None:
        """Parse a cluster formula: metals, ligands (X/L), charge, superatom electrons, composition, mass."""
        from nanocat.chem import VALENCE_ELECTRONS, parse_formula

        parsed = parse_formula(formula, _library(ligand_file))
        record = parsed.as_dict()
        if json_out:
            emit_json(record)
            return
        oxidation = record["formal_oxidation_states"]
        rows = [
            ("formula", record["canonical"]),
            ("charge", (f"{parsed.charge:+d}" if parsed.charge else "0")
             + (" (from counter-ions)" if parsed.charge_source == "counter_ions" else "")),
            ("metals", _fmt_counts(record["metals"])),
            ("hydrides", parsed.hydrides),
            ("X-type electrons withdrawn", parsed.x_electrons),
            ("superatom electrons", record["electron_count"] if record["electron_count"] is not None
             else "– (no superatom valence for " + ", ".join(sorted(set(parsed.metals) - set(VALENCE_ELECTRONS))) + ")"),
            ("formal oxidation states", None if oxidation is None
             else ", ".join(f"{state}: {n}" for state, n in oxidation.items())),
            ("composition", _fmt_counts(record["composition"])),
            ("molar mass / g mol-1", None if record["molar_mass_g_mol"] is None
             else f"{record['molar_mass_g_mol']:.2f}"),
        ]
        if parsed.counter_ions:
            rows.insert(2, ("counter-ions", " ".join(parsed.counter_ions)))
        print_table(f"Cluster {formula}", ("property", "value"), rows)
        print_table("Ligands", ("ligand", "count", "kind", "anchor", "e- withdrawn each", "description"),
                    [(lc.ligand.name, lc.count, lc.ligand.kind, ",".join(lc.ligand.anchor),
                      lc.ligand.electrons_withdrawn, lc.ligand.description) for lc in parsed.ligands])

    @app.command("ligands")
    def ligands_cmd(
        json_out: bool = typer.Option(False, "--json", help="Print one JSON document instead of a table."),
        ligand_file: Path | None = typer.Option(None, "--ligand-file", help="YAML file of extra ligands."),
    ) -> None:
        """List the ligand library (name, aliases, X/L kind, donor atoms, composition)."""
        library = _library(ligand_file)
        if json_out:
            emit_json([ligand.as_dict() for ligand in library])
            return
        print_table("Ligand library (aliases: --json)", ("name", "kind", "anchor", "composition", "description"),
                    [(lig.name, lig.kind, ",".join(lig.anchor), lig.composition, lig.description) for lig in library])
