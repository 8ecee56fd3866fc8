"""nanocat.thermo layer."""
