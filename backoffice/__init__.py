"""Zhili back office: serves the kiosks and runs city operations (cases, AI patrol)."""

__version__ = "0.1.0"
