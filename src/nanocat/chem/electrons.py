"""Superatom (free valence) electron count of ligand-protected clusters.

n = sum_M v_M * N_M - N_X - q (nanocat DESIGN.md section 3), the counting rule of the superatom complex
model: M. Walter, J. Akola, O. Lopez-Acevedo, P. D. Jadzinsky, G. Calero, C. J. Ackerson, R. L. Whetten,
H. Grönbeck and H. Häkkinen, Proc. Natl. Acad. Sci. U.S.A., 2008, 105, 9157-9162. ``N_X`` is the number
of electrons withdrawn by X-type ligands (one per thiolate, halide, hydride, alkynyl ...; two per sulfide),
``q`` the charge of the cluster ion.
"""

from __future__ import annotations

from collections.abc import Mapping

from nanocat.errors import FormulaError

__all__ = ["VALENCE_ELECTRONS", "superatom_electrons", "valence_electrons"]

#: Free valence electrons each metal atom contributes (DESIGN.md section 3): one s electron for the
#: coinage metals; none for the d10 dopants Pd and Pt (as in [PdAu24(SR)18]0, a 6-electron superatom);
#: two s electrons for the group-12 metals (Zn added by analogy with Cd and Hg).
VALENCE_ELECTRONS: dict[str, int] = {
    "Cu": 1, "Ag": 1, "Au": 1,
    "Pd": 0, "Pt": 0,
    "Zn": 2, "Cd": 2, "Hg": 2,
}


def valence_electrons(symbol: str, valences: Mapping[str, int] | None = None) -> int:
    """Free valence electrons of one metal atom (``valences`` overrides/extends the table); FormulaError if unknown."""
    table = VALENCE_ELECTRONS if valences is None else {**VALENCE_ELECTRONS, **valences}
    try:
        return table[symbol]
    except KeyError:
        known = ", ".join(f"{el} {v}" for el, v in table.items())
        raise FormulaError(f"no superatom valence for metal {symbol!r} (known: {known}); pass "
                           f"valences={{'{symbol}': v}} to superatom_electrons() if the model applies") from None


def superatom_electrons(metals: Mapping[str, int], n_x_ligand_electrons: int, charge: int,
                        valences: Mapping[str, int] | None = None) -> int:
    """Superatom electron count n = sum(v_M * N_M) - N_X - q (electrons; may be <= 0 for all-M(I) clusters).

    Parameters
    ----------
    metals : mapping of element symbol to atom count, e.g. ``{"Au": 25}``.
    n_x_ligand_electrons : electrons withdrawn by X-type ligands, hydrides included (e.g. 18 for 18 SR).
    charge : charge q of the cluster ion in units of e (-1 for [Au25(SR)18]-).
    valences : optional extra or overriding entries for :data:`VALENCE_ELECTRONS`.
    """
    for name, value in (("n_x_ligand_electrons", n_x_ligand_electrons), ("charge", charge)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise FormulaError(f"{name} must be an integer, got {value!r}")
    if n_x_ligand_electrons < 0:
        raise FormulaError(f"n_x_ligand_electrons must be >= 0, got {n_x_ligand_electrons}")
    if not metals:
        raise FormulaError("superatom count needs at least one metal atom")
    total = 0
    for symbol, count in metals.items():
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise FormulaError(f"metal count of {symbol} must be a positive integer, got {count!r}")
        total += valence_electrons(symbol, valences) * count
    return total - n_x_ligand_electrons - charge
