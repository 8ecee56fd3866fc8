"""Microkinetic models (planned, wave 2): nothing here yet, on purpose."""
