"""nanocat: atomically precise metal nanocluster catalysts for electrochemical CO2 reduction.

Layers (each imports only the ones before it): ``chem`` -> ``data`` -> ``thermo`` -> ``kinetics`` ->
``atoms`` -> ``experiment``/``cell`` -> ``report`` -> ``cli``. Importing the package is cheap: heavy
libraries (tblite, matplotlib) are imported inside the functions that need them.
"""

from nanocat._version import __version__
from nanocat.errors import NanocatError

__all__ = ["__version__", "NanocatError"]
