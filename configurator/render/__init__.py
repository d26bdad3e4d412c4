"""Preview rendering: pure Pillow compositing of a build's layers (no ORM, no request)."""

from .compose import Layer, TextLayer, compose, layers_for

__all__ = ["Layer", "TextLayer", "compose", "layers_for"]
