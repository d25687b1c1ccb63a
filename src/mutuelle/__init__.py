"""Mutuelle: management and information system for the mutual benefit movement."""

__version__ = "0.1.0"
