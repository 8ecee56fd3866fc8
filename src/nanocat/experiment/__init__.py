"""nanocat.experiment: raw CO2-electrolysis data (potentiostat, GC, NMR/HPLC) -> E_RHE, FE, j, TOF, Tafel.

>>> from nanocat.experiment import analyze_file            # doctest: +SKIP
>>> result = analyze_file("run.yaml")                      # doctest: +SKIP
>>> result.steps[0].fe_percent                             # doctest: +SKIP
"""

from nanocat.experiment.analysis import ExperimentResult, InjectionResult, StepResult, analyze_file, analyze_run
from nanocat.experiment.readers import READERS, read_potentiostat, register_reader
from nanocat.experiment.references import ReferenceElectrode, ReferenceLibrary, default_references
from nanocat.experiment.run import Run, load_run
from nanocat.experiment.tafel import TafelFit, fit_tafel

__all__ = [
    "READERS", "ExperimentResult", "InjectionResult", "ReferenceElectrode", "ReferenceLibrary", "Run", "StepResult",
    "TafelFit", "analyze_file", "analyze_run", "default_references", "fit_tafel", "load_run", "read_potentiostat",
    "register_reader",
]
