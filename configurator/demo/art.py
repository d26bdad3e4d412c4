"""The demo catalog's preview art: which layers each product has, their storage names, and
their PNG bytes.

The art is drawn with Pillow (see `art_car`, `art_sneaker`, `art_coat`) and is deterministic.
Storage names carry ART_REVISION: published catalog versions point at these files, and a build
keeps its preview forever, so changed art must get new names instead of overwriting old ones.
Bump ART_REVISION whenever the drawings change.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import lru_cache

from PIL import Image

from . import art_car, art_car_front, art_coat, art_coat_back, art_sneaker, art_sneaker_top

ART_REVISION = 1

_LAYERS: dict[str, dict[str, Callable[[], Image.Image]]] = {
    "city-car": {**art_car.LAYERS, **art_car_front.LAYERS},
    "sneaker": {**art_sneaker.LAYERS, **art_sneaker_top.LAYERS},
    "trench-coat": {**art_coat.LAYERS, **art_coat_back.LAYERS},
}


def layer_names(slug: str) -> list[str]:
    return list(_LAYERS[slug])


def storage_name(slug: str, layer: str) -> str:
    if layer not in _LAYERS[slug]:
        raise KeyError(f"{slug} has no layer {layer!r}")
    return f"catalog/demo/{slug}/v{ART_REVISION}/{layer}.png"


@lru_cache(maxsize=128)
def layer_png(slug: str, layer: str) -> bytes:
    """The layer as an RGBA PNG of the product's canvas size (cached: drawing takes a while)."""
    image = _LAYERS[slug][layer]()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
