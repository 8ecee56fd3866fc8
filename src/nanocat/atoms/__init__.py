"""nanocat.atoms layer."""
