"""SevenNet universal potentials as a nanocat :class:`~nanocat.atoms.engines.Engine`, loaded only from the wheel.

SevenNet-0 (Park et al., J. Chem. Theory Comput. 20, 4857 (2024), doi:10.1021/acs.jctc.4c00190) is an
equivariant graph network trained on PBE(+U) energies and forces of the Materials Project trajectory set
(MPtrj). Its checkpoints ship inside the ``sevenn`` wheel (``sevenn/pretrained_potentials/``).

No weights are ever downloaded: ``sevenn`` downloads a checkpoint it does not ship when it is given a model
*name* (``sevenn.util.pretrained_name_to_path``), so this engine never passes a name. It resolves the name to
the checkpoint file inside the installed ``sevenn`` package itself, refuses a model whose file is not there,
and hands ``SevenNetCalculator`` that path. The checkpoint's sha256 is part of the settings (hence of every
cache key): other weights never reuse a cached energy.

What an MLIP cannot do is refused before any work: a net charge (it has no electrons), a spin state other than
the lowest (it has no spin: one energy per geometry), elements outside the model's training set.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ase import Atoms

from nanocat.atoms.engines import Engine, EngineSpec
from nanocat.atoms.engines.base import package_version
from nanocat.atoms.structures import lowest_multiplicity
from nanocat.errors import EngineError

if TYPE_CHECKING:
    from sevenn.calculator import SevenNetCalculator

log = logging.getLogger(__name__)

#: Models whose weights ship inside the sevenn wheel: name -> (label, checkpoint path inside the sevenn package).
#: Names as sevenn spells them. Multi-fidelity 7net-mf-0 (needs a ``modal``) and the models sevenn downloads
#: (7net-omat, 7net-mf-ompa, 7net-omni*) are left out on purpose.
SHIPPED_MODELS: dict[str, tuple[str, str]] = {
    "7net-0": ("SevenNet-0(11Jul2024)", "pretrained_potentials/SevenNet_0__11Jul2024/checkpoint_sevennet_0.pth"),
    "7net-0_22may2024": ("SevenNet-0(22May2024)",
                         "pretrained_potentials/SevenNet_0__22May2024/checkpoint_sevennet_0.pth"),
    "7net-l3i5": ("SevenNet-l3i5", "pretrained_potentials/SevenNet_l3i5/checkpoint_l3i5.pth"),
}
#: Torch device; SevenNet's tensor-product accelerators are GPU-only, and nothing here may require a GPU.
DEVICE = "cpu"
#: Entry-point name the plugin is installed under (its spec names it, so workers rebuild it by name).
ENGINE_NAME = "sevennet"


def sevenn_dir() -> Path:
    """Directory of the installed ``sevenn`` package (found without importing it: that would import torch)."""
    spec = importlib.util.find_spec("sevenn")
    if spec is None or not spec.submodule_search_locations:
        raise EngineError("engine 'sevennet' needs the sevenn package: pip install 'nanocat[mlip]'")
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def known_model(model: str) -> str:
    """The model name, lower-cased, if its weights ship in the sevenn wheel; EngineError naming the choices."""
    key = str(model).strip().lower()
    if key not in SHIPPED_MODELS:
        raise EngineError(f"engine 'sevennet': model {model!r} is not one whose weights ship in the sevenn wheel; "
                          f"choose one of {', '.join(SHIPPED_MODELS)}")
    return key


def shipped_checkpoint(model: str) -> Path:
    """Path of a model's checkpoint inside the installed sevenn wheel; EngineError when it is not there."""
    key = known_model(model)
    package = sevenn_dir()
    path = (package / SHIPPED_MODELS[key][1]).resolve()
    if not path.is_relative_to(package) or not path.is_file():
        raise EngineError(f"engine 'sevennet': the checkpoint of {model!r} is not in this sevenn install ({path}); "
                          "nanocat never downloads weights: install a sevenn wheel that ships it")
    return path


@lru_cache(maxsize=None)
def checkpoint_sha256(path: Path) -> str:
    """sha256 of a checkpoint file (hex)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@lru_cache(maxsize=None)
def loaded_calculator(path: Path) -> SevenNetCalculator:
    """SevenNetCalculator built from a checkpoint file, once per process (loading takes seconds)."""
    try:
        from sevenn.calculator import SevenNetCalculator
    except ImportError as exc:
        raise EngineError(f"engine 'sevennet' needs sevenn and torch: pip install 'nanocat[mlip]' ({exc})") from exc
    with warnings.catch_warnings():
        # "No tensor product accelerator is enabled": the accelerators are GPU-only; on CPU there is nothing to enable.
        warnings.filterwarnings("ignore", message="No tensor product accelerator", category=UserWarning)
        return SevenNetCalculator(str(path), file_type="checkpoint", device=DEVICE)


@dataclass(frozen=True)
class SevenNetEngine(Engine):
    """A SevenNet potential whose weights ship in the sevenn wheel (energies eV, forces eV/Å), on the CPU.

    Parameters
    ----------
    model
        ``"7net-0"`` (SevenNet-0, 11 Jul 2024, default), ``"7net-0_22may2024"`` or ``"7net-l3i5"``.
    """

    model: str = "7net-0"

    def __post_init__(self) -> None:
        object.__setattr__(self, "model", known_model(self.model))

    @property
    def checkpoint(self) -> Path:
        """The model's checkpoint file inside the installed sevenn package."""
        return shipped_checkpoint(self.model)

    @property
    def label(self) -> str:
        """``SevenNet-0(11Jul2024)``."""
        return SHIPPED_MODELS[self.model][0]

    def settings(self) -> dict[str, Any]:
        """Model name, checkpoint file (relative to the sevenn package) and its sha256, device."""
        return {"name": ENGINE_NAME, "model": self.model, "checkpoint": SHIPPED_MODELS[self.model][1],
                "checkpoint_sha256": checkpoint_sha256(self.checkpoint), "device": DEVICE}

    def versions(self) -> dict[str, str | None]:
        """ase, sevenn, torch and plugin versions (stored with every energy; the sha256 pins the weights)."""
        return {"ase": package_version("ase"), "sevenn": package_version("sevenn"),
                "torch": package_version("torch"), "nanocat-sevennet": package_version("nanocat-sevennet")}

    def spec(self) -> EngineSpec:
        """The entry-point name and the model: workers rebuild it by name."""
        return EngineSpec(ENGINE_NAME, {"model": self.model})

    @property
    def elements(self) -> frozenset[str]:
        """Elements of the model's training set (read from its checkpoint)."""
        return frozenset(loaded_calculator(self.checkpoint).sevennet_config["chemical_species"])

    def check_system(self, atoms: Atoms, charge: int = 0, multiplicity: int = 1) -> None:
        """EngineError for a net charge, a spin above the lowest, or an element the model was not trained on."""
        super().check_system(atoms, charge, multiplicity)
        lowest = lowest_multiplicity(atoms, charge)
        if int(multiplicity) != lowest:
            raise EngineError(f"engine {self.label!r} has no spin (one energy per geometry): multiplicity "
                              f"{multiplicity} of {atoms.get_chemical_formula()} cannot be represented; use the "
                              f"lowest ({lowest}) or an engine with spin (gfn1, gfn2, pyscf)")

    def calculator(self, charge: int = 0, multiplicity: int = 1) -> SevenNetCalculator:
        """A fresh SevenNetCalculator sharing this process's loaded model (charge must be 0; spin is ignored)."""
        if int(charge) != 0:
            raise EngineError(f"engine {self.label!r} cannot represent a net charge (got charge={charge})")
        from sevenn.calculator import SevenNetCalculator

        loaded = loaded_calculator(self.checkpoint)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="No tensor product accelerator", category=UserWarning)
            return SevenNetCalculator(loaded.model, file_type="model_instance", device=DEVICE)


def make_engine(**params: Any) -> SevenNetEngine:
    """The ``sevennet`` entry point: ``model`` picks a shipped SevenNet model (default ``7net-0``)."""
    return SevenNetEngine(**params)
