"""Huifang (回访): investor callback management for futures companies."""

__version__ = "0.1.0"
