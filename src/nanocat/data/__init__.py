"""nanocat.data layer."""
