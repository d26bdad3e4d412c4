"""Composite a build's preview, one view at a time, from its layers in z-order.

Layer contract (what the catalog's art must follow):
- every layer image is an RGBA PNG of the product's canvas size, or a whole multiple of it: the
  zoom is drawn at twice the canvas, so a layer stored at twice the size keeps its detail there;
- an option layer with a tint colour is a mask: the result is the tint colour multiplied by the
  mask's grey level (white = pure tint, darker greys give shading), with the mask's alpha;
- personal text is drawn in its step's font, centred in its box, shrunk to fit, never below
  the legible minimum (`min_text_size`): text that does not fit then is refused up front.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFont

from configurator.engine import Catalog, State
from configurator.engine.catalog import TEXT, iter_bits


@dataclass(frozen=True, slots=True)
class Layer:
    z: int
    image: str  # storage name
    tint: str | None = None


@dataclass(frozen=True, slots=True)
class Prepared:
    """A layer ready to composite: only the part of it that draws anything (its alpha's
    bounding box), and where that part sits on the canvas. Most layers (a wheel, a mirror cap,
    a lace) cover a small part of the canvas, and compositing costs by area. A layer with no
    transparent pixel at all (a backdrop, a body) is kept as RGB: it is copied, not blended."""

    image: Image.Image
    offset: tuple[int, int] = (0, 0)


@dataclass(frozen=True, slots=True)
class TextLayer:
    z: int
    text: str
    font: str
    box: tuple[int, int, int, int]
    colour: str


class UnknownView(LookupError):
    """The product has no view with that code."""


def layers_for(cat: Catalog, state: State, view: str | None = None) -> list[Layer | TextLayer]:
    """The layers of a build in one view (default: the first), lowest first. The view's base
    layer sits at z = -1000."""
    shown = cat.view(view)
    if shown is None:
        raise UnknownView(view)
    code = shown.code
    layers: list[Layer | TextLayer] = []
    if shown.base_layer:
        layers.append(Layer(-1000, shown.base_layer))
    for index in iter_bits(state.mask & cat.pictured_mask):
        layer = cat.options[index].layers.get(code)
        if layer and layer.get("image"):
            layers.append(Layer(int(layer.get("z", 10)), layer["image"], layer.get("tint")))
    for group in cat.groups:
        if group.kind == TEXT and state.text(group.code):
            spec = group.text
            for where, box, z in spec.placements:
                if where == code:
                    layers.append(TextLayer(z, state.text(group.code), spec.font, box, spec.colour))
    layers.sort(key=lambda layer: layer.z)
    return layers


def canvas_size(cat: Catalog) -> tuple[int, int]:
    width, height = cat.snapshot["product"].get("canvas") or (800, 600)
    return int(width), int(height)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def tinted(mask: Image.Image, colour: str) -> Image.Image:
    grey = mask.convert("L")
    solid = Image.new("RGB", mask.size, _rgb(colour))
    out = ImageChops.multiply(solid, Image.merge("RGB", (grey, grey, grey))).convert("RGBA")
    out.putalpha(mask.getchannel("A"))
    return out


@lru_cache(maxsize=64)
def font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def min_text_size(box: tuple[int, int, int, int]) -> int:
    """The smallest size text in this box is drawn at: half the box height, at least 10 px."""
    return max(10, box[3] // 2)


def text_fits(text: str, font_path: Path, box: tuple[int, int, int, int]) -> bool:
    """Whether the text fits the box's width at the legible minimum size."""
    return font(str(font_path), min_text_size(box)).getlength(text) <= box[2]


def draw_text(canvas: Image.Image, layer: TextLayer, font_dir: Path) -> None:
    x, y, w, h = layer.box
    path = str(font_dir / layer.font)
    smallest = min_text_size(layer.box)
    size = max(smallest, h)
    face = font(path, size)
    while size > smallest and face.getlength(layer.text) > w:
        size -= 2
        face = font(path, size)
    draw = ImageDraw.Draw(canvas)
    # Text is drawn as it is, character by character: no markup, no interpretation.
    draw.text((x + w / 2, y + h / 2), layer.text, font=face, fill=layer.colour, anchor="mm")


def compose(
    layers: Iterable[Layer | TextLayer],
    size: tuple[int, int],
    open_layer: Callable[[str, str | None], Prepared],
    font_dir: Path,
    background: str = "#f4f1ea",
) -> Image.Image:
    """The preview as an RGB image. `open_layer(name, tint)` gives a layer ready to composite
    (`prepare_layer`); callers cache it, since layers repeat across builds.

    The backdrop is opaque, so the canvas is too: a layer blended over it by its own alpha
    (`paste` with the layer as its mask) gives exactly the pixels `alpha_composite` gives on an
    RGBA canvas, in half the time, and leaves nothing to convert before the JPEG."""
    canvas = Image.new("RGB", size, background)
    for layer in layers:
        if isinstance(layer, TextLayer):
            draw_text(canvas, layer, font_dir)
            continue
        prepared = open_layer(layer.image, layer.tint)
        mask = None if prepared.image.mode == "RGB" else prepared.image
        canvas.paste(prepared.image, prepared.offset, mask)
    return canvas


def prepare_layer(image: Image.Image, size: tuple[int, int], tint: str | None) -> Prepared:
    """A stored layer made ready for `compose`: RGBA, scaled to the canvas, cut to what it
    draws, tinted. Pixels with no alpha change nothing on the canvas, so the cut is exact."""
    image = image.convert("RGBA")
    if image.size != size:  # a layer stored larger (for the zoom) or smaller than asked for
        image = image.resize(size, Image.LANCZOS)
    box = image.getchannel("A").getbbox()
    if box is None:  # draws nothing at all
        return Prepared(Image.new("RGBA", (1, 1)))
    image = image.crop(box)
    if tint:
        image = tinted(image, tint)
    if image.getchannel("A").getextrema()[0] == 255:  # opaque throughout: no blending to do
        image = image.convert("RGB")
    return Prepared(image, box[:2])
