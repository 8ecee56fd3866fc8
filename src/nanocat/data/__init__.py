"""nanocat.data: the curated knowledge base of nanocluster CO2RR catalysts quoted from the seed review.

One YAML file per study in ``nanocat/data/catalysts``; records are validated on load (pydantic schema,
formulas through :mod:`nanocat.chem`) and joined per catalyst. The user's own study files are stored in
SQLite (:func:`add_user_file`) and appear next to the curated ones.
"""

from nanocat.data.records import CatalystRecord, MeasurementRecord
from nanocat.data.schema import SEED_DOI, Catalyst, Citation, Computed, Finding, Measurement, Ratio, Study
from nanocat.data.search import PRODUCT_ALIASES, product_name, query
from nanocat.data.store import add_user_file, get_catalyst, get_study, list_studies, load_catalysts
from nanocat.data.tables import TABLES, table, to_dataframe
from nanocat.data.validate import read_study

__all__ = [
    "PRODUCT_ALIASES", "SEED_DOI", "TABLES", "Catalyst", "CatalystRecord", "Citation", "Computed", "Finding", "Measurement", "MeasurementRecord",
    "Ratio", "Study", "add_user_file", "get_catalyst", "get_study", "list_studies", "load_catalysts", "product_name",
    "query", "read_study", "table", "to_dataframe",
]
