"""Layer art for the trench coat from the back, and a detail of its lining and label.

The back view shares the front's canvas (600 x 800) and the layers whose outline is the same
from behind (colour, fabric, length, belt, epaulettes, cuff straps): only the base (the
mannequin from behind) and the fit layers (which add the back seam, the yoke and the vent as
light and shade, so they take the cloth's colour) are drawn here.

The detail view is the inside of the front: the check lining, the facing in the coat's colour
(a grey mask) and the woven label that carries the monogram.
"""

from __future__ import annotations

from functools import lru_cache

from PIL import Image

from . import art_coat
from .art_coat import CX, FLARES, FLOOR, SIZE, torso
from .drawing import Art, Sheet, bezier, grey, path, shadow, vgradient


@lru_cache(maxsize=1)
def back_base_art() -> Art:
    art = Art(SIZE)
    backdrop = vgradient(SIZE, [(0, "#efece6"), (600, "#e4dfd6"), (FLOOR - 20, "#d9d3c8"), (800, "#cfc8bb")])
    art.paint(Sheet(SIZE, 255), backdrop)
    art.paint(shadow(SIZE, (170, FLOOR - 14, 430, FLOOR + 14), 10, 230), "#3a342c", 0.45)
    legs = Sheet(SIZE).polygon([(256, 380), (298, 380), (296, 756), (266, 756)])
    legs.polygon([(302, 380), (344, 380), (334, 756), (304, 756)])
    art.paint(legs, "#2f3238")
    art.paint(Sheet(SIZE).ellipse((246, 746, 298, 776)).ellipse((302, 746, 354, 776)), "#231c18")
    art.paint(Sheet(SIZE).rect((284, 110, 316, 190)), "#e4d8c6")
    art.paint(Sheet(SIZE).ellipse((262, 40, 338, 140)), "#4a3a2c")  # the back of the head: hair
    art.paint(Sheet(SIZE).ellipse((262, 40, 338, 140)).minus(Sheet(SIZE).ellipse((270, 34, 334, 120)).blur(6)),
              "#000000", 0.2)
    art.paint(Sheet(SIZE).polygon([(262, 160), (338, 160), (330, 330), (270, 330)]), "#3a3b41")
    return art


def back_base() -> Image.Image:
    return back_base_art().done()


def _back_fit(flare: float, front: Image.Image) -> Image.Image:
    art = Art(SIZE)
    body = torso(flare)
    seams = Sheet(SIZE).line([(CX, 170), (CX, 560)], width=1.4)
    seams.line(bezier((206, 250), (CX, 268), (394, 250)), width=1.4)  # the yoke (storm shield)
    art.paint(seams, grey(40), 0.7, clip=body)
    yoke = Sheet(SIZE).polygon(path(bezier((206, 250), (CX, 268), (394, 250)), (394, 190), (206, 190))).times(body)
    art.paint(yoke.minus(yoke.copy().shrink(3)).blur(2), grey(0), 0.25)
    vent = Sheet(SIZE).polygon([(CX - 1, 560), (CX + 3, 560), (CX + 10, 800), (CX - 8, 800)]).times(body)
    art.paint(vent.blur(1), grey(0), 0.45)
    layer = art.done()
    out = front.copy()
    out.alpha_composite(layer)
    return out


def back_fit_classic() -> Image.Image:
    return _back_fit(FLARES["classic"], art_coat.fit_classic())


def back_fit_slim() -> Image.Image:
    return _back_fit(FLARES["slim"], art_coat.fit_slim())


def back_fit_relaxed() -> Image.Image:
    return _back_fit(FLARES["relaxed"], art_coat.fit_relaxed())


# The detail: the inside of the left front, the lining filling most of the picture.
FACING = path((0, 0), (170, 0), bezier((170, 0), (150, 400), (190, 800)), (0, 800))
LABEL = (250, 330, 430, 450)


@lru_cache(maxsize=1)
def detail_base_art() -> Art:
    art = Art(SIZE)
    art.paint(Sheet(SIZE, 255), vgradient(SIZE, [(0, "#e9e4da"), (800, "#d6cfc2")]))
    return art


def detail_base() -> Image.Image:
    return detail_base_art().done()


def lining_area() -> Sheet:
    return Sheet(SIZE, 255).minus(Sheet(SIZE).polygon(FACING))


def _label(art: Art) -> None:
    label = Sheet(SIZE).rect(LABEL, radius=4)
    art.paint(label.copy().grow(3).blur(3), "#000000", 0.25)
    art.paint(label, "#1e2a44")
    stitch = Sheet(SIZE).rect(LABEL, radius=4).minus(Sheet(SIZE).rect((254, 334, 426, 446), radius=3))
    art.paint(stitch, "#c9b98f", 0.8)


def _check(ground: str, dark: str, light: str, accent: str) -> Image.Image:
    area = lining_area()
    art = Art(SIZE)
    art.paint(area, ground)
    bands, thin, red = Sheet(SIZE), Sheet(SIZE), Sheet(SIZE)
    for k in range(0, 800, 80):
        bands.rect((k + 20, 0, k + 42, 800)).rect((0, k + 20, 600, k + 42))
        thin.line([(k + 64, 0), (k + 64, 800)], width=2).line([(0, k + 64), (600, k + 64)], width=2)
    for k in range(0, 800, 160):
        red.line([(k + 6, 0), (k + 6, 800)], width=3).line([(0, k + 6), (600, k + 6)], width=3)
    art.paint(bands, dark, 0.5, clip=area)
    art.paint(thin, light, 0.9, clip=area)
    art.paint(red, accent, 0.9, clip=area)
    _label(art)
    return art.done()


def detail_lining_archive() -> Image.Image:
    return _check("#d9c29a", "#1d1b19", "#f6f1e6", "#b3282d")


def detail_lining_ice() -> Image.Image:
    return _check("#c9cdd2", "#3b4250", "#ffffff", "#6f8fb5")


def detail_lining_noir() -> Image.Image:
    return _check("#2b2b2f", "#000000", "#b9b9bd", "#8a6d3b")


def detail_lining_silk() -> Image.Image:
    area = lining_area()
    art = Art(SIZE)
    art.paint(area, "#8c2f39")
    art.paint(Sheet(SIZE).line([(330, 0), (520, 800)], width=40).blur(24), "#ffffff", 0.3, clip=area)
    _label(art)
    return art.done()


def detail_facing() -> Image.Image:
    shape = Sheet(SIZE).polygon(FACING)
    art = Art(SIZE)
    art.paint(shape, grey(250))
    edge = shape.minus(shape.copy().shrink(6)).blur(2)
    art.paint(edge, grey(0), 0.35)
    stitches = Sheet(SIZE)
    for y in range(0, 800, 12):
        stitches.line([(150, y), (150, y + 6)], width=1.2)
    art.paint(stitches, grey(40), 0.6, clip=shape)
    return art.done()


LAYERS = {
    "back-base": back_base,
    "back-fit-classic": back_fit_classic,
    "back-fit-slim": back_fit_slim,
    "back-fit-relaxed": back_fit_relaxed,
    "detail-base": detail_base,
    "detail-facing": detail_facing,
    "detail-lining-archive": detail_lining_archive,
    "detail-lining-ice": detail_lining_ice,
    "detail-lining-noir": detail_lining_noir,
    "detail-lining-silk": detail_lining_silk,
}
