"""Implementations of the protocols in `ports.py`; heavy libraries are imported lazily here."""
