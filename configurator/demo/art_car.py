"""Layer art for the city car: a side view, nose to the right, on an 800 x 500 canvas.

Z-order: base (backdrop, wheel wells, cabin) < interior 5 < wheels 8 < body 10 < roof 12
< stripes 13 < mirror caps 14 < family pack 16 < trim 20 < tech pack 24 < sport pack 25.
The body, roof, stripes and mirror caps are grey masks tinted by the shopper's colour.
"""

from __future__ import annotations

import math
from functools import lru_cache

from PIL import Image

from .drawing import Art, Sheet, bezier, grey, path, shadow, vgradient

SIZE = (800, 500)
GROUND = 440
REAR_WHEEL, FRONT_WHEEL = (210, 384), (596, 384)
TYRE_R, ARCH_R = 56, 64
SILL = 404


def _outline() -> list:
    return path(
        (100, SILL),
        bezier((100, SILL), (86, 402), (84, 370)),
        (85, 300),
        bezier((85, 300), (88, 268), (97, 250)),
        bezier((97, 250), (102, 214), (110, 182)),
        bezier((110, 182), (114, 168), (134, 166)),
        bezier((134, 166), (290, 158), (440, 163)),
        bezier((440, 163), (462, 164), (472, 176)),
        (556, 234),
        bezier((556, 234), (690, 244), (742, 264)),
        bezier((742, 264), (758, 274), (760, 304)),
        bezier((760, 304), (766, 350), (758, 392)),
        bezier((758, 392), (754, SILL), (740, SILL)),
    )


FRONT_WINDOW = path(
    (322, 184), (448, 182), bezier((448, 182), (458, 183), (465, 190)), (530, 242), (322, 242),
)
REAR_WINDOW = path((126, 186), (300, 184), (300, 242), (112, 242), bezier((112, 242), (116, 212), (126, 186)))
MIRROR = path(
    bezier((514, 240), (506, 232), (510, 220)),
    bezier((510, 220), (520, 210), (546, 214)),
    bezier((546, 214), (554, 226), (548, 240)),
    (542, 250), (532, 250),
)
ROOF = path(
    (108, 192),
    bezier((110, 182), (114, 168), (134, 166)),
    bezier((134, 166), (290, 158), (440, 163)),
    bezier((440, 163), (462, 164), (472, 176)),
    (482, 186), (448, 184), (300, 186), (126, 188),
)


def arches() -> Sheet:
    sheet = Sheet(SIZE)
    for centre in (REAR_WHEEL, FRONT_WHEEL):
        sheet.circle(centre, ARCH_R)
    return sheet


def windows() -> Sheet:
    return Sheet(SIZE).polygon(FRONT_WINDOW).polygon(REAR_WINDOW)


def mirror() -> Sheet:
    return Sheet(SIZE).polygon(MIRROR)


def body_shape() -> Sheet:
    """The painted body: outline minus arches and windows, plus the door mirror."""
    return Sheet(SIZE).polygon(_outline()).minus(arches()).minus(windows()).plus(mirror())


@lru_cache(maxsize=1)
def base_art() -> Art:
    art = Art(SIZE)
    backdrop = vgradient(SIZE, [(0, "#f1efea"), (330, "#e6e2da"), (GROUND - 8, "#d8d3c9"), (500, "#cbc5b9")])
    art.paint(Sheet(SIZE, 255), backdrop)
    art.paint(shadow(SIZE, (70, GROUND - 16, 780, GROUND + 14), 9, 200), "#3a342c", 0.55)
    art.paint(shadow(SIZE, (140, GROUND - 8, 280, GROUND + 6), 4, 255), "#1f1b16", 0.6)
    art.paint(shadow(SIZE, (526, GROUND - 8, 666, GROUND + 6), 4, 255), "#1f1b16", 0.6)
    wells = arches().above(SILL - 2)
    art.paint(wells, "#18181a")
    cabin = vgradient(SIZE, [(175, "#3b3e44"), (245, "#1c1d21")])
    art.paint(windows(), cabin)
    dash = Sheet(SIZE).polygon([(440, 222), (520, 216), (540, 242), (430, 242)])
    art.paint(dash, "#141518", clip=windows())
    wheel = Sheet(SIZE).ellipse((470, 204, 494, 244), fill=None, outline=255, width=4)
    art.paint(wheel, "#0c0c0e", clip=windows())
    return art


def base() -> Image.Image:
    return base_art().done()


def body() -> Image.Image:
    shape = body_shape()
    art = Art(SIZE)
    art.paint(shape, grey(255))
    # The flank turns under towards the sill; the shoulder catches the light.
    lower = Sheet.of(SIZE, vgradient(SIZE, [(292, 0), (330, 40), (SILL, 105)], mode="L"))
    art.paint(lower, grey(0), clip=shape)
    shoulder = Sheet(SIZE).polygon([(90, 270), (760, 300), (760, 306), (90, 278)]).blur(3)
    art.paint(shoulder, grey(0), 0.16, clip=shape)
    nose = Sheet(SIZE).rect((700, 250, 770, 410)).blur(18)
    art.paint(nose, grey(0), 0.12, clip=shape)
    tail = Sheet(SIZE).rect((70, 240, 112, 410)).blur(12)
    art.paint(tail, grey(0), 0.14, clip=shape)
    lips = Sheet(SIZE)
    for centre in (REAR_WHEEL, FRONT_WHEEL):
        lips.circle(centre, ARCH_R + 7)
    art.paint(lips.minus(arches()).blur(1), grey(0), 0.35, clip=shape)
    lines = Sheet(SIZE)
    lines.line([(317, 246), (313, 402)], width=1.4)
    lines.line([(538, 246), (536, 362)], width=1.4)
    lines.line(bezier((546, 246), (650, 262), (752, 300)), width=1.4)
    lines.line([(96, 250), (95, 330), (150, 332)], width=1.4)
    lines.line([(690, 342), (762, 340)], width=1.4)
    art.paint(lines, grey(60), 0.8, clip=shape)
    art.paint(Sheet(SIZE).polygon(MIRROR).minus(Sheet(SIZE).polygon(MIRROR).blur(2)), grey(0), 0.3)
    return art.done()


def roof() -> Image.Image:
    shape = Sheet(SIZE).polygon(ROOF).times(Sheet(SIZE).polygon(_outline()))
    art = Art(SIZE)
    art.paint(shape, grey(255))
    edge = Sheet.of(SIZE, vgradient(SIZE, [(168, 0), (186, 70)], mode="L"))
    art.paint(edge, grey(0), clip=shape)
    return art.done()


def stripes() -> Image.Image:
    top = bezier((556, 234), (690, 244), (742, 264))
    band = Sheet(SIZE)
    for offset, width in ((4, 6), (13, 6)):
        band.line([(x, y + offset) for x, y in top[:-3]], width=width)
    art = Art(SIZE)
    shape = band.times(body_shape())
    art.paint(shape, grey(250))
    return art.done()


def mirror_caps() -> Image.Image:
    stalk = Sheet(SIZE).polygon([(526, 234), (560, 234), (560, 254), (526, 254)])
    cap = Sheet(SIZE).polygon(MIRROR).minus(stalk)
    art = Art(SIZE)
    art.paint(cap, grey(250))
    art.paint(Sheet.of(SIZE, vgradient(SIZE, [(218, 0), (240, 90)], mode="L")), grey(0), clip=cap)
    return art.done()


def _glass(art: Art) -> None:
    glass = windows().minus(mirror())
    art.paint(glass, "#1c2a36", 0.28)
    streaks = Sheet(SIZE)
    streaks.polygon([(360, 182), (396, 182), (352, 245), (316, 245)])
    streaks.polygon([(404, 182), (416, 182), (376, 245), (364, 245)])
    streaks.polygon([(200, 186), (240, 186), (200, 245), (160, 245)])
    art.paint(streaks.blur(2), "#ffffff", 0.22, clip=glass)


def _pillars(colour: str) -> Sheet:
    pillars = Sheet(SIZE)
    pillars.polygon([(440, 178), (472, 176), (556, 234), (548, 246), (530, 242), (465, 190), (448, 182)])
    pillars.rect((300, 182, 322, 246))
    pillars.polygon([(110, 182), (128, 182), (126, 186), (112, 242), (96, 250), (102, 214)])
    pillars.rect((104, 240, 540, 247))
    pillars.line([(120, 186), (300, 184), (322, 184), (450, 182)], width=3)
    return pillars.times(Sheet(SIZE).polygon(_outline())).minus(mirror())


def _cladding() -> Sheet:
    sheet = Sheet(SIZE)
    sheet.rect((262, 378, 540, SILL))
    for centre in (REAR_WHEEL, FRONT_WHEEL):
        sheet.circle(centre, ARCH_R + 8)
    sheet = sheet.minus(arches()).above(SILL)
    sheet.polygon([(86, 382), (140, 382), (150, SILL), (98, SILL)])
    sheet.polygon([(700, 372), (760, 372), (756, 396), (740, SILL), (700, SILL)])
    return sheet.times(Sheet(SIZE).polygon(_outline()).plus(Sheet(SIZE).rect((80, 370, 770, SILL))))


def _lights(art: Art, ring: str) -> None:
    body = Sheet(SIZE).polygon(_outline())
    head = Sheet(SIZE).ellipse((722, 258, 772, 312))
    art.paint(head, ring, clip=body)
    art.paint(Sheet(SIZE).ellipse((728, 264, 772, 306)), "#dfe6ea", clip=body)
    art.paint(Sheet(SIZE).ellipse((738, 274, 762, 296)), "#ffffff", 0.85, clip=body)
    tail = Sheet(SIZE).rect((80, 256, 100, 312), radius=8)
    art.paint(tail, "#2a0d0d", clip=body)
    art.paint(Sheet(SIZE).rect((82, 260, 99, 308), radius=7), "#c8202a", clip=body)
    art.paint(Sheet(SIZE).rect((86, 266, 99, 284), radius=4), "#ff6a5a", 0.7, clip=body)


def _handle(art: Art, colour: str) -> None:
    art.paint(Sheet(SIZE).rect((330, 258, 360, 265), radius=3), colour)
    art.paint(Sheet(SIZE).rect((332, 259, 358, 261), radius=1), "#ffffff", 0.35)


def _trim(accent: str | None, chrome: bool) -> Art:
    art = Art(SIZE)
    art.paint(_pillars("#111"), "#111214")
    _glass(art)
    metal = "#c9ccd0" if chrome else "#1b1c1f"
    art.paint(Sheet(SIZE).line([(112, 244), (532, 244)], width=2.4), metal)
    art.paint(_cladding(), "#1d1e21")
    art.paint(Sheet(SIZE).line([(270, 381), (532, 381)], width=1), "#3a3c40")
    if accent:
        art.paint(Sheet(SIZE).line([(276, 380), (530, 380)], width=2.4), accent)
    _lights(art, metal)
    _handle(art, metal if chrome else "#2a2b2f")
    return art


def trim_classic() -> Image.Image:
    art = _trim(None, chrome=True)
    scuttle = Sheet(SIZE).rect((584, 286, 624, 300), radius=7)
    art.paint(scuttle, "#c9ccd0")
    art.paint(Sheet(SIZE).rect((590, 290, 606, 296), radius=3), "#f19a1d")
    return art.done()


def trim_electric() -> Image.Image:
    art = _trim("#f2d100", chrome=False)
    badge = Sheet(SIZE).rect((586, 284, 620, 302), radius=9)
    art.paint(badge, "#1b1c1f")
    e = Sheet(SIZE)
    e.line([(608, 288), (598, 288), (598, 298), (608, 298)], width=2.2)
    e.line([(598, 293), (606, 293)], width=2.2)
    art.paint(e, "#f2d100")
    flap = Sheet(SIZE).rect((126, 286, 156, 308), radius=5)
    art.paint(flap.minus(Sheet(SIZE).rect((128, 288, 154, 306), radius=4)), "#000000", 0.45)
    bolt = Sheet(SIZE).polygon([(143, 289), (135, 298), (141, 298), (138, 305), (147, 295), (141, 295)])
    art.paint(bolt, "#f2d100")
    return art.done()


def trim_sport() -> Image.Image:
    art = _trim("#d2232a", chrome=False)
    badge = Sheet(SIZE).rect((586, 284, 620, 302), radius=4)
    art.paint(badge, "#1b1c1f")
    art.paint(Sheet(SIZE).rect((590, 288, 616, 298), radius=2), "#d2232a")
    art.paint(Sheet(SIZE).line([(596, 296), (603, 290), (604, 296), (611, 290)], width=1.6), "#ffffff")
    lip = Sheet(SIZE).polygon([(690, 396), (762, 388), (764, 400), (744, 410), (690, 408)])
    art.paint(lip, "#141517")
    art.paint(Sheet(SIZE).line([(692, 404), (756, 398)], width=1.6), "#d2232a")
    intake = Sheet(SIZE).rect((722, 346, 764, 366), radius=6).times(Sheet(SIZE).polygon(_outline()))
    art.paint(intake, "#101113")
    skirt = Sheet(SIZE).polygon([(274, 402), (530, 402), (526, 412), (280, 412)])
    art.paint(skirt, "#141517")
    return art.done()


def _wheel(rim_r: float, draw_rim) -> Image.Image:
    art = Art(SIZE)
    for cx, cy in (REAR_WHEEL, FRONT_WHEEL):
        tyre = Sheet(SIZE).circle((cx, cy), TYRE_R)
        art.paint(tyre, "#1a1a1c")
        wall = Sheet(SIZE).circle((cx, cy), TYRE_R - 4, fill=None, outline=255, width=2)
        art.paint(wall, "#2c2c30")
        art.paint(Sheet(SIZE).circle((cx, cy), rim_r + 2), "#0e0e10")
        draw_rim(art, cx, cy, rim_r)
        art.paint(Sheet(SIZE).circle((cx, cy), 7), "#2a2b2e")
        art.paint(Sheet(SIZE).circle((cx, cy), 4), "#c9ccd0")
    return art.done()


def _spokes(cx: float, cy: float, r0: float, r1: float, count: int, width: float, phase: float = 0) -> Sheet:
    sheet = Sheet(SIZE)
    for i in range(count):
        a = phase + 2 * math.pi * i / count
        inner = (cx + r0 * math.cos(a), cy + r0 * math.sin(a))
        sheet.line([inner, (cx + r1 * math.cos(a), cy + r1 * math.sin(a))], width=width)
    return sheet


def wheels_r16() -> Image.Image:
    def rim(art: Art, cx: float, cy: float, r: float) -> None:
        art.paint(Sheet(SIZE).circle((cx, cy), r), "#b9bdc2")
        art.paint(Sheet(SIZE).circle((cx, cy), r - 4), "#2b2d31")
        art.paint(_spokes(cx, cy, 6, r - 2, 8, 6, 0.2), "#c4c8cd")
        art.paint(Sheet(SIZE).circle((cx, cy), 12), "#c4c8cd")

    return _wheel(35, rim)


def wheels_r17() -> Image.Image:
    def rim(art: Art, cx: float, cy: float, r: float) -> None:
        art.paint(Sheet(SIZE).circle((cx, cy), r), "#e4e6e8")
        art.paint(Sheet(SIZE).circle((cx, cy), r - 3, fill=None, outline=255, width=1.5), "#9a9ea4")
        slots = Sheet(SIZE)
        for i in range(5):
            a = 2 * math.pi * i / 5 + 0.4
            sx, sy = cx + (r * 0.62) * math.cos(a), cy + (r * 0.62) * math.sin(a)
            slots.circle((sx, sy), 5.5)
        art.paint(slots, "#34363a")
        art.paint(Sheet(SIZE).circle((cx, cy), 14), "#52565c")

    return _wheel(40, rim)


def wheels_r18() -> Image.Image:
    def rim(art: Art, cx: float, cy: float, r: float) -> None:
        art.paint(Sheet(SIZE).circle((cx, cy), r), "#2a2b2f")
        art.paint(Sheet(SIZE).circle((cx, cy), r - 3), "#0f0f11")
        caliper = Sheet(SIZE).ellipse((cx + r * 0.2, cy - r * 0.85, cx + r * 0.75, cy - r * 0.05))
        art.paint(caliper, "#d2232a")
        art.paint(_spokes(cx, cy, 8, r - 2, 10, 4.2, 0.1), "#3b3d42")
        art.paint(_spokes(cx, cy, 8, r - 2, 10, 1.4, 0.1), "#8d9096")
        art.paint(Sheet(SIZE).circle((cx, cy), r, fill=None, outline=255, width=1.5), "#8d9096")

    return _wheel(45, rim)


def _seats(colour: str, stitch: str | None = None, pattern: str | None = None) -> Image.Image:
    art = Art(SIZE)
    shapes = Sheet(SIZE)
    shapes.polygon(path(bezier((372, 246), (354, 222), (362, 210)), (392, 210),
                        bezier((392, 210), (396, 228), (404, 246))))
    shapes.rect((360, 190, 388, 208), radius=7)
    shapes.polygon(path(bezier((160, 246), (148, 224), (156, 214)), (196, 214),
                        bezier((196, 214), (198, 230), (206, 246))))
    shapes.rect((156, 194, 186, 212), radius=7)
    shapes = shapes.times(windows())
    art.paint(shapes, colour)
    shade = Sheet.of(SIZE, vgradient(SIZE, [(190, 0), (246, 110)], mode="L"))
    art.paint(shade, "#000000", 0.5, clip=shapes)
    edge = Sheet(SIZE).rect((386, 210, 404, 246)).plus(Sheet(SIZE).rect((190, 214, 206, 246)))
    art.paint(edge.blur(3), "#000000", 0.35, clip=shapes)
    if pattern:
        dots = Sheet(SIZE)
        for y in range(212, 246, 5):
            for x in range(150, 410, 5):
                dots.circle((x + (y % 10) / 2, y), 0.9)
        art.paint(dots, pattern, 0.7, clip=shapes)
    if stitch:
        seams = Sheet(SIZE)
        seams.line([(364, 224), (394, 224)], width=1)
        seams.line([(158, 228), (198, 228)], width=1)
        art.paint(seams, stitch, 0.9, clip=shapes)
    return art.done()


def interior_black() -> Image.Image:
    return _seats("#2c2d31")


def interior_carbon() -> Image.Image:
    return _seats("#7a7e85", pattern="#5a5e65")


def interior_recycled() -> Image.Image:
    return _seats("#a8b39c", pattern="#7f8b74")


def interior_leather() -> Image.Image:
    return _seats("#a45a2a", stitch="#f1d6b0")


def pack_family() -> Image.Image:
    art = Art(SIZE)
    seat = Sheet(SIZE)
    seat.polygon(path(bezier((214, 246), (208, 222), (214, 200)), (244, 198),
                      bezier((244, 198), (250, 224), (256, 246))))
    seat = seat.times(windows())
    art.paint(seat, "#2f6f86")
    art.paint(Sheet(SIZE).rect((222, 206, 238, 238), radius=6), "#16394a", 0.8, clip=seat)
    art.paint(Sheet(SIZE).line([(230, 208), (230, 236)], width=1.5), "#f2c94c", 0.9, clip=seat)
    rails = Sheet(SIZE)
    rails.line(bezier((150, 152), (290, 144), (420, 150)), width=4)
    for x in (156, 286, 414):
        rails.rect((x - 5, 150, x + 5, 166), radius=2)
    art.paint(rails, "#9fa4aa")
    art.paint(Sheet(SIZE).line(bezier((150, 151), (290, 143), (420, 149)), width=1), "#e5e8eb")
    return art.done()


def pack_tech() -> Image.Image:
    art = Art(SIZE)
    beam = Sheet(SIZE).polygon([(756, 276), (800, 250), (800, 330), (756, 292)]).blur(8)
    art.paint(beam, "#fff7d6", 0.75)
    art.paint(Sheet(SIZE).ellipse((730, 266, 770, 304), fill=None, outline=255, width=3), "#eaf6ff")
    glow = Sheet(SIZE).ellipse((718, 254, 780, 316)).blur(6)
    art.paint(glow, "#dff1ff", 0.45)
    ambient = Sheet(SIZE).line([(330, 238), (520, 238)], width=2).blur(1)
    art.paint(ambient, "#8a6cff", 0.95, clip=windows())
    screen = Sheet(SIZE).rect((436, 216, 458, 228), radius=3).times(windows())
    art.paint(screen, "#59c3ff")
    return art.done()


def pack_sport() -> Image.Image:
    art = Art(SIZE)
    spoiler = Sheet(SIZE).polygon(path((94, 172), bezier((94, 172), (110, 160), (170, 160)),
                                       (170, 168), (112, 180)))
    art.paint(spoiler, "#141517")
    art.paint(Sheet(SIZE).line([(102, 167), (166, 163)], width=1.5), "#d2232a")
    pipes = Sheet(SIZE)
    pipes.rect((90, 396, 128, 404), radius=4)
    pipes.rect((100, 404, 130, 411), radius=3)
    art.paint(pipes, "#6d7077")
    bores = Sheet(SIZE).rect((92, 398, 100, 402), radius=2).rect((102, 406, 110, 409), radius=1)
    art.paint(bores, "#1a1a1c")
    return art.done()


LAYERS = {
    "base": base,
    "body": body,
    "roof": roof,
    "stripes": stripes,
    "mirror-caps": mirror_caps,
    "trim-classic": trim_classic,
    "trim-electric": trim_electric,
    "trim-sport": trim_sport,
    "wheels-r16": wheels_r16,
    "wheels-r17": wheels_r17,
    "wheels-r18": wheels_r18,
    "interior-black": interior_black,
    "interior-carbon": interior_carbon,
    "interior-recycled": interior_recycled,
    "interior-leather": interior_leather,
    "pack-family": pack_family,
    "pack-tech": pack_tech,
    "pack-sport": pack_sport,
}
