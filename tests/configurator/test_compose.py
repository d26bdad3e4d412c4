"""Compositing: each layer is cut to what it draws before it is composited, and the picture is
exactly the one full-canvas layers give."""

from __future__ import annotations

import random

from PIL import Image

from configurator.render.compose import Layer, Prepared, compose, prepare_layer

SIZE = (120, 80)


def layer_image(seed: int) -> Image.Image:
    """A canvas-sized RGBA layer drawing semi-transparent blobs somewhere on it."""
    rng = random.Random(seed)
    image = Image.new("RGBA", SIZE, (0, 0, 0, 0))
    for _ in range(rng.randint(1, 4)):
        x, y = rng.randrange(SIZE[0] - 10), rng.randrange(SIZE[1] - 10)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256), rng.randrange(1, 256))
        for dx in range(rng.randint(1, 10)):
            for dy in range(rng.randint(1, 10)):
                image.putpixel((x + dx, y + dy), colour)
    return image


def test_a_layer_is_cut_to_what_it_draws():
    image = Image.new("RGBA", SIZE, (0, 0, 0, 0))
    image.putpixel((30, 20), (255, 0, 0, 128))
    image.putpixel((40, 25), (0, 255, 0, 255))
    prepared = prepare_layer(image, SIZE, None)
    assert prepared.offset == (30, 20) and prepared.image.size == (11, 6)
    empty = prepare_layer(Image.new("RGBA", SIZE, (0, 0, 0, 0)), SIZE, "#ff0000")
    assert empty.image.getchannel("A").getbbox() is None  # draws nothing, and compositing it is harmless


def test_the_cut_layers_give_exactly_the_full_canvas_picture():
    images = {f"l{n}": layer_image(n) for n in range(12)}
    tints = {"l1": "#c8102e", "l4": "#2f7fb8", "l7": "#ffffff"}
    layers = [Layer(z, name, tints.get(name)) for z, name in enumerate(images)]
    cut = compose(layers, SIZE, lambda name, tint: prepare_layer(images[name], SIZE, tint), font_dir=None)

    def whole(name: str, tint: str | None) -> Prepared:  # the layer as it was before the cut
        from configurator.render.compose import tinted

        image = images[name].convert("RGBA")
        return Prepared(tinted(image, tint) if tint else image)

    assert cut.tobytes() == compose(layers, SIZE, whole, font_dir=None).tobytes()



def test_the_picture_is_exactly_what_alpha_compositing_gives():
    """compose() blends each layer onto an opaque RGB canvas by its own alpha (and copies an
    opaque layer): every pixel equals Pillow's alpha_composite on an RGBA canvas, for layers of
    every alpha, tinted masks and a layer with no transparent pixel at all."""
    images = {f"l{n}": layer_image(n) for n in range(12)}
    images["opaque"] = Image.effect_noise(SIZE, 60).convert("RGBA")
    tints = {"l1": "#c8102e", "l4": "#2f7fb8", "l7": "#ffffff", "opaque": "#556b2f"}
    layers = [Layer(z, name, tints.get(name)) for z, name in enumerate(images)]
    layers.insert(3, Layer(2, "opaque", None))
    prepared = {(name, tint): prepare_layer(images[name], SIZE, tint) for name in images for tint in (None, tints.get(name))}
    assert prepared[("opaque", None)].image.mode == "RGB"  # copied, not blended
    picture = compose(layers, SIZE, lambda name, tint: prepared[(name, tint)], font_dir=None)

    from configurator.render.compose import tinted

    reference = Image.new("RGBA", SIZE, "#f4f1ea")
    for layer in layers:
        image = images[layer.image]
        reference.alpha_composite(tinted(image, layer.tint) if layer.tint else image)
    assert picture.mode == "RGB"
    assert picture.tobytes() == reference.convert("RGB").tobytes()
