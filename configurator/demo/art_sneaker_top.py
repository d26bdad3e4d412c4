"""Layer art for the sneaker seen from above, toe to the right, on the same 800 x 500 canvas.

Z-order as in the side view: base < side panel 10 < toe 11 < heel 12 < side mark 13 < material 14
< laces 15 < cut 18 < sole 21 < extras 23. From above the sole is only the rim around the upper,
so its place in that order does not matter here. Colour zones and laces are grey masks tinted by
the shopper's colour; the cut draws the collar, the insole and the tongue over the laces' end.
"""

from __future__ import annotations

from functools import lru_cache

from PIL import Image

from .drawing import Art, Sheet, bezier, grey, path, shadow, speckles, vgradient

SIZE = (800, 500)
CY = 250


def _outline(grow: float = 0) -> list:
    g = grow
    return path(
        bezier((150 - g, CY), (150 - g, 186 - g), (230, 178 - g)),
        bezier((230, 178 - g), (420, 168 - g), (560, 176 - g)),
        bezier((560, 176 - g), (690, 184 - g), (700 + g, CY)),
        bezier((700 + g, CY), (690, 316 + g), (560, 322 + g)),
        bezier((560, 322 + g), (420, 330 + g), (230, 322 + g)),
        bezier((230, 322 + g), (150 - g, 314 + g), (150 - g, CY)),
    )


def upper() -> Sheet:
    return Sheet(SIZE).polygon(_outline())


def sole_rim() -> Sheet:
    return Sheet(SIZE).polygon(_outline(10)).minus(upper())


COLLAR = (176, 206, 316, 294)
TONGUE = (300, 214, 470, 286)


@lru_cache(maxsize=1)
def base_art() -> Art:
    art = Art(SIZE)
    art.paint(Sheet(SIZE, 255), vgradient(SIZE, [(0, "#f1efea"), (500, "#ddd8cf")]))
    art.paint(shadow(SIZE, (140, 170, 720, 346), 14, 200), "#3a342c", 0.4)
    return art


def base() -> Image.Image:
    return base_art().done()


def _zone(shape: Sheet) -> Image.Image:
    art = Art(SIZE)
    art.paint(shape, grey(250))
    art.paint(Sheet.of(SIZE, vgradient(SIZE, [(170, 60), (CY, 0), (330, 60)], mode="L")), grey(0), clip=shape)
    return art.done()


def zone_quarter() -> Image.Image:
    return _zone(upper())


def zone_toe() -> Image.Image:
    toe = Sheet(SIZE).polygon(path(bezier((560, 160), (520, CY), (560, 340)), (720, 340), (720, 160)))
    return _zone(toe.times(upper()))


def zone_heel() -> Image.Image:
    heel = Sheet(SIZE).polygon(path(bezier((210, 160), (240, CY), (210, 340)), (130, 340), (130, 160)))
    return _zone(heel.times(upper()))


def zone_mark() -> Image.Image:
    mark = Sheet(SIZE)
    mark.polygon(path(bezier((330, 178), (420, 190), (520, 172)), (520, 180), bezier((520, 180), (420, 198), (330, 186))))
    mark.polygon(path(bezier((330, 322), (420, 310), (520, 328)), (520, 320), bezier((520, 320), (420, 302), (330, 314))))
    return _zone(mark.times(upper()))


def _material(dots: int, seed: int, colour: str, opacity: float, radius=(0.5, 1.2), weave: bool = False) -> Image.Image:
    art = Art(SIZE)
    texture = Sheet(SIZE)
    for x, y, r in speckles(SIZE, dots, seed, radius, (150, 170, 700, 330)):
        texture.circle((x, y), r)
    if weave:
        for y in range(172, 330, 5):
            texture.line([(150, y), (700, y)], width=0.8)
    art.paint(texture, colour, opacity, clip=upper())
    return art.done()


def material_leather() -> Image.Image:
    art = Art(SIZE)
    art.paint(Sheet(SIZE).line(bezier((200, 190), (420, 176), (640, 196)), width=6).blur(5), "#ffffff", 0.35,
              clip=upper())
    return art.done()


def material_suede() -> Image.Image:
    return _material(2600, 7, "#000000", 0.12, (0.6, 1.4))


def material_knit() -> Image.Image:
    return _material(600, 11, "#000000", 0.18, (0.4, 0.8), weave=True)


def _eyelets() -> list[tuple[float, float]]:
    return [(x, y) for x in range(340, 470, 26) for y in (222, 278)]


def laces() -> Image.Image:
    cords = Sheet(SIZE)
    points = _eyelets()
    for i in range(0, len(points) - 2, 2):
        (ax, ay), (bx, by) = points[i], points[i + 1]
        cords.line([(ax, ay), (points[i + 3][0], by)], width=5).line([(bx, by), (points[i + 2][0], ay)], width=5)
    cords.line(bezier((314, 250), (286, 240), (276, 270)), width=5)
    art = Art(SIZE)
    art.paint(cords, grey(245))
    art.paint(cords.copy().shrink(1.5), grey(255))
    return art.done()


def _collar(ring: float, padding: str) -> Image.Image:
    art = Art(SIZE)
    x0, y0, x1, y1 = COLLAR
    outer = Sheet(SIZE).ellipse((x0 - ring, y0 - ring, x1 + ring, y1 + ring))
    art.paint(outer, padding)
    art.paint(Sheet(SIZE).ellipse(COLLAR), "#2a2724")
    art.paint(Sheet(SIZE).ellipse((x0 + 20, y0 + 14, x1 - 10, y1 - 10)), "#e9e2d6")  # the insole
    art.paint(Sheet(SIZE).rect(TONGUE, radius=20).minus(outer), "#ece6dc", 0.9)
    for x, y in _eyelets():
        art.paint(Sheet(SIZE).circle((x, y), 4), "#3a3a3a")
    return art.done()


def cut_low() -> Image.Image:
    return _collar(8, "#d8d3c9")


def cut_high() -> Image.Image:
    return _collar(22, "#8b857a")


def _sole(colour: str, specks: str | None = None, opacity: float = 1.0) -> Image.Image:
    art = Art(SIZE)
    art.paint(sole_rim(), colour, opacity)
    if specks:
        dots = Sheet(SIZE)
        for x, y, r in speckles(SIZE, 700, 5, (0.8, 1.8), (130, 160, 720, 340)):
            dots.circle((x, y), r)
        art.paint(dots, specks, clip=sole_rim())
    return art.done()


def sole_white() -> Image.Image:
    return _sole("#f6f5f1")


def sole_black() -> Image.Image:
    return _sole("#222326")


def sole_gum() -> Image.Image:
    return _sole("#b5793c")


def sole_ice() -> Image.Image:
    return _sole("#bfe3f2", opacity=0.8)


def sole_grind() -> Image.Image:
    return _sole("#3a3b3e", specks="#e8e2d0")


def extra_reflective() -> Image.Image:
    art = Art(SIZE)
    art.paint(Sheet(SIZE).rect((146, 226, 162, 274), radius=6), "#d9e1e8")
    art.paint(Sheet(SIZE).line([(150, 232), (158, 268)], width=2), "#ffffff")
    return art.done()


def extra_glow() -> Image.Image:
    art = Art(SIZE)
    art.paint(sole_rim().copy().grow(3), "#9dff7a", 0.55)
    return art.done()


def extra_lace_tag() -> Image.Image:
    art = Art(SIZE)
    art.paint(Sheet(SIZE).rect((466, 240, 490, 260), radius=3), "#b8bcc2")
    art.paint(Sheet(SIZE).rect((470, 244, 486, 256), radius=2), "#8d9196")
    return art.done()


LAYERS = {
    "top-base": base,
    "top-zone-quarter": zone_quarter,
    "top-zone-toe": zone_toe,
    "top-zone-heel": zone_heel,
    "top-zone-mark": zone_mark,
    "top-material-leather": material_leather,
    "top-material-suede": material_suede,
    "top-material-knit": material_knit,
    "top-laces": laces,
    "top-cut-low": cut_low,
    "top-cut-high": cut_high,
    "top-sole-white": sole_white,
    "top-sole-black": sole_black,
    "top-sole-gum": sole_gum,
    "top-sole-ice": sole_ice,
    "top-sole-grind": sole_grind,
    "top-extra-reflective": extra_reflective,
    "top-extra-glow": extra_glow,
    "top-extra-lace-tag": extra_lace_tag,
}
