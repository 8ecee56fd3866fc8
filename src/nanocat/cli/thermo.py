"""CLI verbs of the thermodynamics group: ``nanocat products``, ``nanocat network``, ``nanocat fed``."""

from __future__ import annotations

from pathlib import Path

import typer

from nanocat.cli._output import emit_json, print_table


def _products(json_out: bool = typer.Option(False, "--json", help="Print one JSON document.")) -> None:
    """CO2RR products: balanced half-reactions and E° vs RHE from tabulated ΔfG° (NBS 1982)."""
    from nanocat.chem.products import list_products

    items = [p.as_dict() for p in list_products()]
    if json_out:
        emit_json(items)
        return
    print_table("CO2RR products (E° from ΔfG°, NBS 1982)", ["product", "n e-", "E° / V_RHE", "half-reaction"],
                [[d["name"], d["n_electrons"], round(d["E0_V_RHE"], 3), d["reaction"]] for d in items])


def _network(json_out: bool = typer.Option(False, "--json", help="Print one JSON document.")) -> None:
    """The built-in reaction network (Scheme 1): every balanced step."""
    from nanocat.chem.network import default_network

    net = default_network()
    if json_out:
        emit_json(net.as_dict())
        return
    print_table(f"Reaction network: {len(net.species)} species, {len(net.steps)} steps", ["step", "kind", "label"],
                [[s.equation, "electrochemical" if s.electrochemical else "chemical", s.label] for s in net.steps])


def _fed(
    energies: Path = typer.Argument(..., help="CSV (species,G_eV or species,E_eV), YAML or CatMAP energy table."),
    potential: float = typer.Option(0.0, "--potential", "-U", help="Potential, V vs RHE."),
    product: list[str] = typer.Option(None, "--product", "-p", help="Product(s), e.g. CO, HCOOH(l); default all."),
    corrections: str = typer.Option("peterson2010", "--corrections", help="Preset for electronic energies."),
    surface: str = typer.Option(None, "--surface", help="Surface to read from a CatMAP table."),
    plot: Path = typer.Option(None, "--plot", help="Write the free-energy diagram to this PNG/PDF/SVG."),
    strict: bool = typer.Option(False, "--strict", help="Refuse species no reaction step uses (exit 2)."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON document."),
) -> None:
    """Free-energy diagrams: limiting potential and potential-determining step per product, HER, selectivity."""
    from nanocat.errors import InputError
    from nanocat.thermo import analyze, load_energies, plot_diagram

    fe = load_energies(energies, corrections=corrections, surface=surface)
    an = analyze(fe, potential, product or None)
    if an.ignored_species:
        listed = ", ".join(an.ignored_species)
        if strict:
            raise InputError(f"{energies}: species not in the reaction network: {listed} (--strict)")
        typer.echo(f"warning: {energies}: ignored species not in the reaction network: {listed}", err=True)
    figure = plot_diagram(an, plot, products=product or None, potential_V_RHE=potential) if plot else None
    if json_out:
        doc = an.as_dict()
        if figure is not None:
            doc["figure"] = str(figure)
        emit_json(doc)
        return
    rows = [[r.product, r.limiting_potential_V_RHE, r.potential_determining_step, r.overpotential_V,
             "yes" if r.complete else f"no (missing {', '.join(r.missing_species)})"]
            for r in [*an.products.values(), an.her]]
    print_table(f"Free energies from {energies.name} ({fe.method}, {fe.corrections}), U = {potential:+.2f} V_RHE",
                ["product", "U_L / V_RHE", "potential-determining step", "η / V", "complete"], rows)
    print_table("Selectivity", ["question", "answer", "reason"],
                [[c.question, c.answer, c.reason] for c in an.selectivity])
    if figure is not None:
        typer.echo(f"figure: {figure}", err=True)


def register(app: typer.Typer) -> None:
    """Attach this group's verbs to the app."""
    app.command("products")(_products)
    app.command("network")(_network)
    app.command("fed")(_fed)
