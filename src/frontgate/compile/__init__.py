"""Compile stored configuration into an immutable snapshot the data plane reads without locks."""
