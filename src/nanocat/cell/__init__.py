"""nanocat.cell: electrolyte speciation, H-cell boundary layer and GDE; local pH and CO2 at the catalyst."""

from nanocat.cell.coupling import CoupledSweep, FETable, couple_fe_table, couple_kinetics
from nanocat.cell.electrolyte import BulkState, Electrolyte, bulk_state, parse_electrolyte
from nanocat.cell.gde import GDE, GDEResult, GDESweep
from nanocat.cell.hcell import HCell, HCellResult, HCellSweep
from nanocat.cell.parameters import CellParameters, get_preset, list_presets, register_preset

__all__ = ["GDE", "BulkState", "CellParameters", "CoupledSweep", "Electrolyte", "FETable", "GDEResult", "GDESweep",
           "HCell", "HCellResult", "HCellSweep", "bulk_state", "couple_fe_table", "couple_kinetics", "get_preset",
           "list_presets", "parse_electrolyte", "register_preset"]
