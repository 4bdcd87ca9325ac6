"""Implementations of the protocols in `ports.py`, one package per role; heavy libraries are
imported lazily here."""
