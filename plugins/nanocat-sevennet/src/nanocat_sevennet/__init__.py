"""nanocat-sevennet: SevenNet machine-learned potentials (weights shipped in the sevenn wheel) as a nanocat engine.

Installed, it declares the entry point ``sevennet = "nanocat_sevennet:make_engine"`` in the group
``nanocat.engines``; every nanocat command then takes ``--engine sevennet`` (``--engine-param model=7net-l3i5``
for another shipped model). Importing this package does not import torch.
"""

from nanocat_sevennet.engine import (
    DEVICE,
    ENGINE_NAME,
    SHIPPED_MODELS,
    SevenNetEngine,
    checkpoint_sha256,
    make_engine,
    shipped_checkpoint,
)

__all__ = ["DEVICE", "ENGINE_NAME", "SHIPPED_MODELS", "SevenNetEngine", "checkpoint_sha256", "make_engine",
           "shipped_checkpoint"]
