"""nanocat.chem layer."""
