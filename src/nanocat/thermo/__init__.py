"""nanocat.thermo: computational hydrogen electrode, free-energy diagrams, limiting potentials, selectivity."""

from nanocat.thermo.analysis import FreeEnergyAnalysis, analyze
from nanocat.thermo.che import FormationEnergies, formation_energies_from_electronic
from nanocat.thermo.corrections import Correction, CorrectionSet, get_preset
from nanocat.thermo.diagram import ProductResult, Step
from nanocat.thermo.io import load_energies
from nanocat.thermo.plot import plot_diagram
from nanocat.thermo.selectivity import Prediction, ProductCall, SelectivityCall, predict, product_calls

__all__ = [
    "Correction", "CorrectionSet", "FormationEnergies", "FreeEnergyAnalysis", "Prediction", "ProductCall",
    "ProductResult", "SelectivityCall", "Step", "analyze", "formation_energies_from_electronic", "get_preset",
    "load_energies", "plot_diagram", "predict", "product_calls",
]
