"""Layer art for the city car seen from the front, on the same 800 x 500 canvas as the side view.

Z-order as in the side view: base (backdrop, tyres, windscreen) < body 10 < roof 12 < stripes 13
< mirror caps 14 < family pack 16 < trim 20 < tech pack 24 < sport pack 25. The body, roof,
stripes and mirror caps are grey masks tinted by the shopper's colour. The wheels and the
interior barely show from here: the side view is theirs.
"""

from __future__ import annotations

from functools import lru_cache

from PIL import Image

from .drawing import Art, Sheet, bezier, grey, mirror_x, path, shadow, vgradient

SIZE = (800, 500)
CX = 400
GROUND = 440

HALF_BODY = path(
    (CX, 150), (300, 152),
    bezier((300, 152), (262, 156), (252, 196)),
    (236, 262),
    bezier((236, 262), (206, 270), (196, 300)),
    (192, 392), bezier((192, 392), (194, 414), (216, 416)),
    (CX, 416),
)
HALF_GLASS = path((CX, 166), (306, 168), bezier((306, 168), (280, 172), (274, 200)), (262, 254), (CX, 254))
HALF_ROOF = path((CX, 150), (300, 152), bezier((300, 152), (270, 155), (262, 178)), (CX, 174))
HALF_MIRROR = path(bezier((246, 236), (214, 226), (200, 240)), bezier((200, 240), (198, 262), (230, 262)), (248, 258))
HALF_LAMP = (226, 292, 290, 346)


def _both(half: list) -> Sheet:
    return Sheet(SIZE).polygon(half).polygon(mirror_x(half, CX))


def glass() -> Sheet:
    return _both(HALF_GLASS)


def lamps() -> Sheet:
    x0, y0, x1, y1 = HALF_LAMP
    return Sheet(SIZE).ellipse(HALF_LAMP).ellipse((2 * CX - x1, y0, 2 * CX - x0, y1))


GRILLE = (322, 330, 478, 384)


def body_shape() -> Sheet:
    return _both(HALF_BODY).minus(glass()).minus(lamps()).minus(Sheet(SIZE).rect(GRILLE, radius=18))


@lru_cache(maxsize=1)
def base_art() -> Art:
    art = Art(SIZE)
    backdrop = vgradient(SIZE, [(0, "#f1efea"), (330, "#e6e2da"), (GROUND - 8, "#d8d3c9"), (500, "#cbc5b9")])
    art.paint(Sheet(SIZE, 255), backdrop)
    art.paint(shadow(SIZE, (170, GROUND - 18, 630, GROUND + 12), 9, 220), "#3a342c", 0.55)
    tyres = Sheet(SIZE).rect((206, 380, 262, GROUND), radius=10).rect((538, 380, 594, GROUND), radius=10)
    art.paint(tyres, "#18181a")
    art.paint(glass(), vgradient(SIZE, [(166, "#4a4e56"), (254, "#1c1d21")]))
    art.paint(Sheet(SIZE).rect((340, 222, 460, 250), radius=6), "#141518", clip=glass())
    art.paint(Sheet(SIZE).rect(GRILLE, radius=18), "#1b1c20")
    art.paint(lamps(), "#e9edf2")
    return art


def base() -> Image.Image:
    return base_art().done()


def body() -> Image.Image:
    shape = body_shape()
    art = Art(SIZE)
    art.paint(shape, grey(255))
    art.paint(Sheet.of(SIZE, vgradient(SIZE, [(300, 0), (360, 30), (416, 100)], mode="L")), grey(0), clip=shape)
    edges = Sheet(SIZE).rect((192, 150, 250, 416)).rect((550, 150, 608, 416)).blur(14)
    art.paint(edges, grey(0), 0.2, clip=shape)
    lines = Sheet(SIZE).line(bezier((250, 268), (CX, 282), (550, 268)), width=1.4)
    art.paint(lines, grey(60), 0.7, clip=shape)
    return art.done()


def roof() -> Image.Image:
    art = Art(SIZE)
    shape = _both(HALF_ROOF)
    art.paint(shape, grey(250))
    art.paint(Sheet.of(SIZE, vgradient(SIZE, [(150, 0), (176, 60)], mode="L")), grey(0), clip=shape)
    return art.done()


def stripes() -> Image.Image:
    bands = Sheet(SIZE).polygon([(368, 256), (390, 256), (388, 330), (362, 330)])
    bands.polygon(mirror_x([(368, 256), (390, 256), (388, 330), (362, 330)], CX))
    art = Art(SIZE)
    art.paint(bands.times(body_shape()), grey(250))
    return art.done()


def mirror_caps() -> Image.Image:
    caps = _both(HALF_MIRROR)
    art = Art(SIZE)
    art.paint(caps, grey(250))
    art.paint(Sheet.of(SIZE, vgradient(SIZE, [(226, 0), (262, 90)], mode="L")), grey(0), clip=caps)
    return art.done()


def _grille(art: Art, frame: str, slats: str, accent: str | None = None) -> None:
    ring = Sheet(SIZE).rect(GRILLE, radius=18).minus(Sheet(SIZE).rect((328, 336, 472, 378), radius=14))
    art.paint(ring, frame)
    bars = Sheet(SIZE)
    for y in range(344, 376, 9):
        bars.line([(334, y), (466, y)], width=2.2)
    art.paint(bars, slats, clip=Sheet(SIZE).rect(GRILLE, radius=18))
    if accent:
        art.paint(Sheet(SIZE).line([(330, 357), (470, 357)], width=3), accent)


def _lamp_rings(art: Art, colour: str, width: float = 4) -> None:
    x0, y0, x1, y1 = HALF_LAMP
    rings = Sheet(SIZE).ellipse(HALF_LAMP, fill=None, outline=255, width=width)
    rings.ellipse((2 * CX - x1, y0, 2 * CX - x0, y1), fill=None, outline=255, width=width)
    art.paint(rings, colour)


def trim_classic() -> Image.Image:
    art = Art(SIZE)
    _grille(art, "#c9ccd0", "#8d9196")
    _lamp_rings(art, "#c9ccd0")
    return art.done()


def trim_electric() -> Image.Image:
    art = Art(SIZE)
    art.paint(Sheet(SIZE).rect(GRILLE, radius=18), "#2a2c31")  # a closed grille: nothing to cool
    art.paint(Sheet(SIZE).line([(336, 357), (464, 357)], width=4), "#f2d100")
    _lamp_rings(art, "#f2d100", 3)
    return art.done()


def trim_sport() -> Image.Image:
    art = Art(SIZE)
    _grille(art, "#141517", "#2c2d31", "#d2232a")
    _lamp_rings(art, "#141517", 5)
    return art.done()


def pack_family() -> Image.Image:
    rails = Sheet(SIZE).rect((296, 138, 316, 150), radius=3).rect((484, 138, 504, 150), radius=3)
    rails.rect((300, 134, 312, 140)).rect((488, 134, 500, 140))
    art = Art(SIZE)
    art.paint(rails, "#2b2c30")
    return art.done()


def pack_tech() -> Image.Image:
    art = Art(SIZE)
    x0, y0, x1, y1 = HALF_LAMP
    glow = Sheet(SIZE).ellipse((x0 - 6, y0 - 6, x1 + 6, y1 + 6)).ellipse((2 * CX - x1 - 6, y0 - 6, 2 * CX - x0 + 6, y1 + 6))
    art.paint(glow.blur(6).minus(lamps()), "#59c3ff", 0.6)
    _lamp_rings(art, "#bfe9ff", 2.5)
    return art.done()


def pack_sport() -> Image.Image:
    art = Art(SIZE)
    art.paint(Sheet(SIZE).rect((232, 404, 568, 422), radius=6), "#141517")
    art.paint(Sheet(SIZE).line([(240, 420), (560, 420)], width=2), "#d2232a")
    return art.done()


LAYERS = {
    "front-base": base,
    "front-body": body,
    "front-roof": roof,
    "front-stripes": stripes,
    "front-mirror-caps": mirror_caps,
    "front-trim-classic": trim_classic,
    "front-trim-electric": trim_electric,
    "front-trim-sport": trim_sport,
    "front-pack-family": pack_family,
    "front-pack-tech": pack_tech,
    "front-pack-sport": pack_sport,
}
