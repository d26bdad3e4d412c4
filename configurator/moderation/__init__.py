"""Moderation of personal text: the pure matcher (matching.py), the default word lists that ship
with Atelier (defaults.py, data/) and nothing that touches the database."""
