"""nanocat.report layer."""
