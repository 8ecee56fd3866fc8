"""Faradaic efficiencies from raw data (planned, wave 2): nothing here yet, on purpose."""
