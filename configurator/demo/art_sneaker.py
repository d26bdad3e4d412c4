"""Layer art for the sneaker: the outer side, toe to the right, on an 800 x 500 canvas.

Z-order: base < side panel 10 < toe 11 < heel 12 < side mark 13 < material 14 < laces 15
< cut 18 < sole 21 < extras 23. The colour zones and the laces are grey masks tinted by the
shopper's colour. Every zone is drawn for the high cut; the low cut paints the backdrop back
over the ankle (it is the only layer that knows the backdrop), then draws its own collar.
"""

from __future__ import annotations

import math
from functools import lru_cache

from PIL import Image

from .drawing import Art, Sheet, bezier, grey, path, ribbon, shadow, speckles, vgradient

SIZE = (800, 500)
GROUND = 418

TOP_EDGE = bezier((446, 200), (520, 232), (604, 280))
EYESTAY = bezier((440, 218), (512, 252), (596, 296), steps=30)
TOE_AND_SOLE = path(
    bezier((604, 280), (684, 294), (710, 340)),
    (714, 364),
    (128, 360),
    bezier((128, 360), (110, 300), (142, 236)),
)
LOW_COLLAR = bezier((156, 200), (250, 232), (402, 184))
HIGH_TOP = bezier((170, 98), (270, 94), (384, 106))


def _upper_low() -> list:
    return path(
        TOE_AND_SOLE,
        bezier((142, 236), (146, 214), (156, 200)),
        LOW_COLLAR,
        bezier((402, 184), (404, 176), (420, 176)),
        bezier((420, 176), (444, 178), (446, 200)),
        TOP_EDGE,
    )


def _upper_high() -> list:
    return path(
        TOE_AND_SOLE,
        bezier((142, 236), (148, 160), (170, 98)),
        HIGH_TOP,
        bezier((384, 106), (390, 86), (410, 86)),
        bezier((410, 86), (430, 88), (432, 106)),
        bezier((432, 106), (432, 150), (446, 200)),
        TOP_EDGE,
    )


def upper() -> Sheet:
    return Sheet(SIZE).polygon(_upper_high())


def upper_low() -> Sheet:
    return Sheet(SIZE).polygon(_upper_low())


SOLE = path(
    bezier((124, 348), (300, 362), (520, 366)),
    bezier((520, 366), (650, 368), (708, 358)),
    bezier((708, 358), (730, 374), (708, 396)),
    bezier((708, 396), (664, 416), (560, 416)),
    (152, 416),
    bezier((152, 416), (116, 414), (118, 380)),
)


def sole_shape() -> Sheet:
    return Sheet(SIZE).polygon(SOLE)


@lru_cache(maxsize=1)
def base_art() -> Art:
    art = Art(SIZE)
    backdrop = vgradient(SIZE, [(0, "#f2f0eb"), (300, "#e8e4dc"), (GROUND, "#dcd7cd"), (500, "#d2ccc0")])
    art.paint(Sheet(SIZE, 255), backdrop)
    art.paint(shadow(SIZE, (110, GROUND - 12, 740, GROUND + 12), 8, 230), "#3a342c", 0.5)
    return art


def base() -> Image.Image:
    return base_art().done()


def _zone(region: Sheet) -> Image.Image:
    shape = region.times(upper())
    art = Art(SIZE)
    art.paint(shape, grey(255))
    lower = Sheet.of(SIZE, vgradient(SIZE, [(250, 0), (362, 70)], mode="L"))
    art.paint(lower, grey(0), clip=shape)
    back = Sheet(SIZE).rect((60, 60, 170, 420)).blur(18)
    art.paint(back, grey(0), 0.25, clip=shape)
    edge = shape.minus(shape.copy().blur(2.5))
    art.paint(edge, grey(0), 0.35)
    return art.done()


def zone_quarter() -> Image.Image:
    return _zone(Sheet(SIZE, 255))


def _toe_region() -> Sheet:
    edge = bezier((560, 262), (518, 300), (536, 370))
    return Sheet(SIZE).polygon(path((560, 240), edge, (760, 370), (760, 240)))


def zone_toe() -> Image.Image:
    return _zone(_toe_region())


def _heel_region() -> Sheet:
    return Sheet(SIZE).polygon(path(
        (90, 80), (180, 80),
        bezier((180, 80), (176, 200), (214, 236)), bezier((214, 236), (272, 282), (292, 370)),
        (90, 370),
    ))


def zone_heel() -> Image.Image:
    return _zone(_heel_region())


def _mark_region() -> Sheet:
    """A wave-shaped band: thin at the heel, full over the arch, pointed at the toe."""
    centre = bezier((224, 330), (330, 250), (420, 356), (560, 284), steps=60)
    widths = [4 + 24 * math.sin(math.pi * min(1.0, i / 60 * 1.15)) ** 0.8 for i in range(61)]
    return Sheet(SIZE).polygon(ribbon(centre, widths))


def zone_mark() -> Image.Image:
    return _zone(_mark_region())


def _stitches(art: Art, colour: str, opacity: float) -> None:
    seams = Sheet(SIZE)
    for outline in (
        bezier((556, 254), (516, 300), (532, 362), steps=30),
        path(bezier((202, 206), (252, 238), (264, 282)), bezier((264, 282), (292, 322), (298, 360))),
        [(x, y + 10) for x, y in EYESTAY],
    ):
        for i in range(0, len(outline) - 1, 2):
            seams.line(outline[i : i + 2], width=1)
    art.paint(seams, colour, opacity, clip=upper())


def material_leather() -> Image.Image:
    art = Art(SIZE)
    holes = Sheet(SIZE)
    for row in range(4):
        for col in range(9):
            x, y = 616 + col * 9 + (row % 2) * 4.5, 304 + row * 9
            holes.circle((x, y), 1.6)
    art.paint(holes, "#000000", 0.45, clip=upper().times(_toe_region()))
    _stitches(art, "#000000", 0.35)
    gloss = Sheet(SIZE).polygon(path(bezier((180, 250), (360, 270), (600, 300)), (600, 308),
                                     bezier((600, 308), (360, 282), (180, 262)))).blur(5)
    art.paint(gloss, "#ffffff", 0.45, clip=upper())
    return art.done()


def material_suede() -> Image.Image:
    art = Art(SIZE)
    nap = Sheet(SIZE)
    for x, y, r in speckles(SIZE, 5200, seed=7, radius=(0.5, 1.2), box=(110, 70, 720, 370)):
        nap.circle((x, y), r)
    art.paint(nap.blur(1.0), "#000000", 0.11, clip=upper())
    sheen = Sheet(SIZE).ellipse((200, 150, 560, 300)).blur(30)
    art.paint(sheen, "#ffffff", 0.12, clip=upper())
    art.paint(Sheet.of(SIZE, vgradient(SIZE, [(80, 50), (360, 0)], mode="L")), "#000000", 0.5, clip=upper())
    _stitches(art, "#000000", 0.3)
    return art.done()


def material_knit() -> Image.Image:
    art = Art(SIZE)
    rows_dark, rows_light = Sheet(SIZE), Sheet(SIZE)
    for i, y in enumerate(range(70, 372, 3)):
        wave = [(x, y + (1.1 if (x // 3) % 2 else -1.1)) for x in range(100, 730, 3)]
        (rows_dark if i % 2 else rows_light).line(wave, width=1)
    art.paint(rows_dark, "#000000", 0.13, clip=upper())
    art.paint(rows_light, "#ffffff", 0.12, clip=upper())
    collar = Sheet(SIZE).polygon(path(bezier((140, 236), (146, 214), (156, 200)), LOW_COLLAR, (402, 196),
                                      bezier((402, 196), (250, 244), (150, 228))))
    art.paint(collar, "#000000", 0.12, clip=upper())
    return art.done()


def _eyelet_points(high: bool) -> list[tuple[float, float]]:
    points = [EYESTAY[i] for i in range(2, len(EYESTAY) - 2, 4)]
    if high:
        points = [(436 - (200 - y) * 0.05 - 12, y) for y in (104, 128, 152, 176)] + points
    return points


def _cords() -> Sheet:
    cords = Sheet(SIZE)
    for x, y in _eyelet_points(high=True):
        cords.line([(x, y), (x + 17, y - 14)], width=5.5)
    return cords


def laces() -> Image.Image:
    cords = _cords()
    art = Art(SIZE)
    art.paint(cords, grey(250))
    art.paint(Sheet.of(SIZE, vgradient(SIZE, [(60, 0), (300, 70)], mode="L")), grey(0), clip=cords)
    art.paint(cords.minus(cords.copy().blur(1.2)), grey(0), 0.4)
    return art.done()


def _eyelets(art: Art, high: bool) -> None:
    rings, holes = Sheet(SIZE), Sheet(SIZE)
    for x, y in _eyelet_points(high):
        rings.circle((x, y), 3.6)
        holes.circle((x, y), 1.6)
    art.paint(rings, "#b9bcc1")
    art.paint(holes, "#1a1a1c")


def _heel_tab(art: Art) -> None:
    tab = Sheet(SIZE).rect((150, 256, 250, 282), radius=6)
    art.paint(tab, "#1d1e21")
    stitch = Sheet(SIZE)
    for x in range(156, 246, 5):
        stitch.line([(x, 259), (x + 2.5, 259)], width=0.8)
        stitch.line([(x, 279), (x + 2.5, 279)], width=0.8)
    art.paint(stitch, "#f3f2ee", 0.6)


def _lining(art: Art, top: list) -> None:
    n = len(top) - 1
    far_edge = [(x, y - 7 * math.sin(math.pi * i / n)) for i, (x, y) in enumerate(top)]
    inner = path(top, far_edge[::-1])
    art.paint(Sheet(SIZE).polygon(inner), "#3a3b40")
    art.paint(Sheet(SIZE).line(top, width=1.5), "#000000", 0.3)


def cut_low() -> Image.Image:
    art = Art(SIZE)
    # Feathered outside the shoe (backdrop over backdrop), so resampling leaves no ghost edge.
    grown = upper().plus(_cords()).grow(8).blur(2)
    ankle = Sheet(SIZE).polygon([(0, 0), (470, 0), (470, 198), (0, 236)])
    gone = grown.minus(upper_low()).times(ankle)
    art.paint(gone, base_art().image)
    _lining(art, bezier((158, 201), (250, 232), (400, 185)))
    padding = Sheet(SIZE).line([(x + 2, y + 12) for x, y in LOW_COLLAR], width=1)
    art.paint(padding, "#000000", 0.3)
    _eyelets(art, high=False)
    _heel_tab(art)
    return art.done()


def cut_high() -> Image.Image:
    art = Art(SIZE)
    _lining(art, bezier((172, 99), (270, 95), (383, 107)))
    pads = Sheet(SIZE)
    for offset in (14, 40, 66, 92):
        pads.line([(x - offset * 0.12, y + offset) for x, y in HIGH_TOP[:-2]], width=1)
    art.paint(pads, "#000000", 0.25, clip=upper().times(Sheet(SIZE).rect((140, 90, 436, 200))))
    _eyelets(art, high=True)
    _heel_tab(art)
    return art.done()


def _sole(wall: str, rubber: str, opacity: float = 1.0, specks: list[str] | None = None) -> Image.Image:
    art = Art(SIZE)
    shape = sole_shape()
    art.paint(shape, wall, opacity)
    outsole = shape.times(Sheet.of(SIZE, vgradient(SIZE, [(398, 0), (400, 255)], mode="L")))
    art.paint(outsole, rubber, opacity)
    if specks:
        for i, colour in enumerate(specks):
            dots = Sheet(SIZE)
            for x, y, r in speckles(SIZE, 160, seed=20 + i, radius=(0.7, 1.7), box=(110, 344, 730, 418)):
                dots.circle((x, y), r)
            art.paint(dots, colour, 0.75, clip=shape)
    groove = Sheet(SIZE).line(bezier((140, 382), (400, 390), (700, 378)), width=1.5)
    art.paint(groove, "#000000", 0.18, clip=shape)
    tread = Sheet(SIZE)
    for x in range(150, 690, 9):
        tread.line([(x, 404), (x + 4, 414)], width=2)
    art.paint(tread, "#000000", 0.25, clip=shape)
    art.paint(Sheet.of(SIZE, vgradient(SIZE, [(350, 40), (376, 0)], mode="L")), "#000000", 0.6, clip=shape)
    return art.done()


def sole_white() -> Image.Image:
    return _sole("#f6f5f1", "#d9d7d1")


def sole_black() -> Image.Image:
    return _sole("#2a2b2f", "#17181b")


def sole_gum() -> Image.Image:
    return _sole("#c08443", "#8e5a25")


def sole_ice() -> Image.Image:
    return _sole("#bfe3f2", "#8fc4db", opacity=0.86)


def sole_grind() -> Image.Image:
    return _sole("#55585d", "#2c2e31", specks=["#d9653b", "#e8c547", "#4aa3d8", "#e9e9e9", "#e9e9e9"])


def extra_reflective() -> Image.Image:
    art = Art(SIZE)
    back = bezier((128, 360), (110, 300), (142, 236))[:-3]
    strip = Sheet(SIZE).polygon(path(back, [(x + 9, y) for x, y in reversed(back)])).times(upper())
    art.paint(strip, "#c7ccd1")
    art.paint(Sheet(SIZE).line([(x + 5, y) for x, y in back], width=1.2), "#ffffff", 0.9, clip=strip)
    art.paint(strip.copy().blur(5), "#f4fbff", 0.45)
    return art.done()


def extra_glow() -> Image.Image:
    art = Art(SIZE)
    halo = sole_shape().blur(7)
    art.paint(halo, "#9dff6a", 0.55)
    art.paint(sole_shape(), "#b8ff7a", 0.5)
    art.paint(Sheet(SIZE).line(bezier((140, 382), (400, 390), (700, 378)), width=3).blur(1), "#efffd9", 0.9)
    return art.done()


def extra_lace_tag() -> Image.Image:
    art = Art(SIZE)
    x, y = EYESTAY[24]
    tag = Sheet(SIZE).polygon([(x - 4, y - 16), (x + 22, y - 4), (x + 16, y + 8), (x - 10, y - 4)])
    art.paint(tag, "#9ea3a9")
    art.paint(Sheet(SIZE).line([(x - 3, y - 9), (x + 15, y)], width=1.2), "#e7eaee")
    art.paint(Sheet(SIZE).circle((x - 1, y - 6), 1.8), "#4a4d52")
    return art.done()


LAYERS = {
    "base": base,
    "zone-quarter": zone_quarter,
    "zone-toe": zone_toe,
    "zone-heel": zone_heel,
    "zone-mark": zone_mark,
    "material-leather": material_leather,
    "material-suede": material_suede,
    "material-knit": material_knit,
    "laces": laces,
    "cut-low": cut_low,
    "cut-high": cut_high,
    "sole-white": sole_white,
    "sole-black": sole_black,
    "sole-gum": sole_gum,
    "sole-ice": sole_ice,
    "sole-grind": sole_grind,
    "extra-reflective": extra_reflective,
    "extra-glow": extra_glow,
    "extra-lace-tag": extra_lace_tag,
}
