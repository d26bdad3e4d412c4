"""Layer art for the trench coat: a front view on a mannequin, on a 600 x 800 canvas.

Z-order: base (backdrop, mannequin) < colour 10 < fabric 11 < lining 20 < storm flap 22
< epaulettes and cuff straps 24 < belt 25 < buttons 26 < D-rings 27 < collar 28 < fit 30
< length 31. The colour layer is a grey mask of the largest coat (relaxed, long, funnel
collar); the fit, length and collar layers paint the mannequin back where their coat is
smaller. Details such as the belt are drawn as light and shade only, so they take the
colour of the cloth beneath them.
"""

from __future__ import annotations

from functools import lru_cache

from PIL import Image

from .drawing import Art, Sheet, bezier, grey, mirror_x, path, shadow, speckles, vgradient

SIZE = (600, 800)
CX = 300
FLOOR = 770
HEMS = {"short": 520, "mid": 612, "long": 712}
FLARES = {"slim": 204, "classic": 178, "relaxed": 152}  # left side of the skirt at y = 740
BELT = (378, 398)
FRONT_EDGE = 356
BUTTON_ROWS = (258, 300, 342)
BUTTON_COLUMNS = (264, 336)


def _half_torso(flare: float) -> list:
    """The left half of the coat body, from the neck down to the hem line and back to the centre."""
    hip_y, hip_x = 446, 222
    return path(
        (CX, 164), (268, 168),
        bezier((268, 168), (236, 176), (202, 194)),
        bezier((202, 194), (214, 240), (216, 270)),
        bezier((216, 270), (228, 330), (228, 384)),
        (hip_x, hip_y),
        (hip_x + (flare - hip_x) * (800 - hip_y) / (740 - hip_y), 800),
        (CX, 800),
    )


def torso(flare: float) -> Sheet:
    half = _half_torso(flare)
    return Sheet(SIZE).polygon(half).polygon(mirror_x(half, CX))


SLEEVE = path(
    (204, 192),
    bezier((204, 192), (178, 202), (174, 246)),
    (164, 478), bezier((164, 478), (196, 486), (232, 482)),
    (234, 300), bezier((234, 300), (228, 236), (204, 192)),
)


def sleeves() -> Sheet:
    return Sheet(SIZE).polygon(SLEEVE).polygon(mirror_x(SLEEVE, CX))


def funnel_collar() -> Sheet:
    return Sheet(SIZE).polygon(path(
        (262, 176), bezier((262, 176), (256, 150), (262, 126)),
        bezier((262, 126), (300, 138), (338, 126)),
        bezier((338, 126), (344, 150), (338, 176)),
    ))


def front_gap() -> Sheet:
    """Below the belt the fronts part a little: the trousers show through."""
    return Sheet(SIZE).polygon([(FRONT_EDGE, BELT[1]), (FRONT_EDGE + 8, 800), (FRONT_EDGE - 20, 800)])


def lining_wedge() -> Sheet:
    return Sheet(SIZE).polygon([(FRONT_EDGE, BELT[1]), (FRONT_EDGE + 66, 800), (FRONT_EDGE + 8, 800)])


def coat() -> Sheet:
    """The largest coat: every other choice only takes away from it."""
    largest = torso(FLARES["relaxed"]).plus(sleeves()).plus(funnel_collar()).plus(_notch_lapels()[0])
    return largest.minus(front_gap())


def v_opening() -> Sheet:
    return Sheet(SIZE).polygon([(274, 160), (326, 160), (300, 262)])


@lru_cache(maxsize=1)
def base_art() -> Art:
    art = Art(SIZE)
    backdrop = vgradient(SIZE, [(0, "#efece6"), (600, "#e4dfd6"), (FLOOR - 20, "#d9d3c8"), (800, "#cfc8bb")])
    art.paint(Sheet(SIZE, 255), backdrop)
    art.paint(shadow(SIZE, (170, FLOOR - 14, 430, FLOOR + 14), 10, 230), "#3a342c", 0.45)
    skin = "#e4d8c6"
    legs = Sheet(SIZE)
    legs.polygon([(256, 380), (298, 380), (296, 756), (266, 756)])
    legs.polygon([(302, 380), (344, 380), (334, 756), (304, 756)])
    art.paint(legs, "#2f3238")
    art.paint(Sheet(SIZE).line([(299, 420), (299, 756)], width=2), "#1f2125")
    shoes = Sheet(SIZE).ellipse((246, 746, 298, 776)).ellipse((302, 746, 354, 776))
    art.paint(shoes, "#231c18")
    art.paint(Sheet(SIZE).ellipse((256, 750, 286, 760)).ellipse((314, 750, 344, 760)), "#ffffff", 0.12)
    art.paint(Sheet(SIZE).rect((284, 110, 316, 190)), skin)
    art.paint(Sheet(SIZE).ellipse((262, 40, 338, 140)), skin)
    shade = Sheet(SIZE).ellipse((262, 40, 338, 140)).minus(Sheet(SIZE).ellipse((258, 34, 328, 130)).blur(6))
    art.paint(shade, "#000000", 0.12)
    art.paint(Sheet(SIZE).rect((284, 134, 316, 150)).blur(4), "#000000", 0.15)
    sweater = Sheet(SIZE).polygon([(262, 160), (338, 160), (330, 330), (270, 330)])
    art.paint(sweater, "#3a3b41")
    art.paint(Sheet(SIZE).line(bezier((284, 162), (300, 176), (316, 162)), width=3), "#2a2b30")
    hand = path((174, 474), (214, 474), bezier((214, 474), (214, 520), (200, 536)),
                bezier((200, 536), (188, 540), (180, 528)), bezier((180, 528), (172, 500), (174, 474)))
    hands = Sheet(SIZE).polygon(hand).polygon(mirror_x(hand, CX))
    art.paint(hands, skin)
    art.paint(hands.minus(hands.copy().blur(2)), "#000000", 0.12)
    return art


def base() -> Image.Image:
    return base_art().done()


def colour() -> Image.Image:
    shape = coat()
    art = Art(SIZE)
    art.paint(shape, grey(252))
    sides = Sheet.of(SIZE, Image.merge("L", [_round_shade()]))
    art.paint(sides, grey(0), clip=shape)
    art.paint(sleeves(), grey(0), 0.10, clip=shape)
    inner = Sheet(SIZE)
    for pts in (SLEEVE, mirror_x(SLEEVE, CX)):
        inner.line(pts[-24:], width=6)
    art.paint(inner.blur(3), grey(0), 0.18, clip=torso(FLARES["relaxed"]).minus(sleeves()))
    folds = Sheet(SIZE)
    for x0, x1 in ((250, 232), (282, 276), (318, 326), (384, 398), (216, 190), (408, 430)):
        folds.line([(x0, 450), (x1, 800)], width=5)
    art.paint(folds.blur(4), grey(0), 0.12, clip=shape)
    seams = Sheet(SIZE)
    for side in (1, -1):
        raglan = bezier((218, 268), (226, 214), (268, 172))
        pocket = [(238, 476), (262, 512)]
        if side < 0:
            raglan, pocket = mirror_x(raglan, CX), mirror_x(pocket, CX)
        seams.line(raglan, width=1.5)
        seams.line(pocket, width=2)
    seams.line([(FRONT_EDGE, 250), (FRONT_EDGE, BELT[1])], width=1.5)
    art.paint(seams, grey(40), 0.55, clip=shape)
    flaps = Sheet(SIZE)
    for pts in ([(236, 470), (244, 466), (268, 506), (262, 512)],):
        flaps.polygon(pts).polygon(mirror_x(pts, CX))
    art.paint(flaps.blur(1.5), grey(0), 0.12, clip=shape)
    return art.done()


def _round_shade() -> Image.Image:
    """Darker towards the left and right, like cloth round a body."""
    row = []
    for x in range(SIZE[0] * 2):
        d = abs(x / 2 - CX) / 150
        row.append(round(min(90, 70 * d**2.4)))
    strip = Image.new("L", (SIZE[0] * 2, 1))
    strip.putdata(row)
    return strip.resize((SIZE[0] * 2, SIZE[1] * 2), Image.NEAREST)


def _twill(art: Art, opacity: float) -> None:
    lines = Sheet(SIZE)
    for k in range(-800, 600, 4):
        lines.line([(k, 0), (k + 800, 800)], width=1)
    art.paint(lines, "#000000", opacity, clip=coat())


def fabric_gabardine() -> Image.Image:
    art = Art(SIZE)
    _twill(art, 0.12)
    art.paint(Sheet(SIZE).ellipse((230, 200, 330, 420)).blur(30), "#ffffff", 0.10, clip=coat())
    return art.done()


def fabric_cashmere() -> Image.Image:
    art = Art(SIZE)
    fibres = Sheet(SIZE)
    for x, y, r in speckles(SIZE, 9000, seed=3, radius=(0.4, 0.9), box=(140, 110, 460, 800)):
        fibres.circle((x, y), r)
    art.paint(fibres.blur(0.7), "#ffffff", 0.07, clip=coat())
    sheen = Sheet(SIZE)
    sheen.ellipse((232, 190, 300, 470)).ellipse((310, 420, 370, 760)).ellipse((186, 210, 214, 450))
    art.paint(sheen.blur(22), "#ffffff", 0.28, clip=coat())
    art.paint(coat(), "#000000", 0.06)
    return art.done()


def fabric_recycled() -> Image.Image:
    art = Art(SIZE)
    _twill(art, 0.08)
    for seed, colour_, opacity in ((11, "#ffffff", 0.45), (12, "#000000", 0.35), (13, "#5b7fa6", 0.5)):
        flecks = Sheet(SIZE)
        for x, y, r in speckles(SIZE, 900, seed=seed, radius=(0.5, 1.3), box=(140, 110, 460, 800)):
            flecks.line([(x, y), (x + 3 * r, y + r)], width=r)
        art.paint(flecks, colour_, opacity, clip=coat())
    return art.done()


def _check(ground: str, dark: str, light: str, accent: str) -> Image.Image:
    wedge = lining_wedge().times(torso(FLARES["relaxed"]))
    art = Art(SIZE)
    art.paint(wedge, ground)
    bands, thin, red = Sheet(SIZE), Sheet(SIZE), Sheet(SIZE)
    for k in range(0, 800, 30):
        bands.rect((k + 8, 0, k + 16, 800)).rect((0, k + 8, 600, k + 16))
        thin.line([(k + 24, 0), (k + 24, 800)], width=1.2).line([(0, k + 24), (600, k + 24)], width=1.2)
    for k in range(0, 800, 60):
        red.line([(k + 2, 0), (k + 2, 800)], width=1.4).line([(0, k + 2), (600, k + 2)], width=1.4)
    art.paint(bands, dark, 0.55, clip=wedge)
    art.paint(thin, light, 0.9, clip=wedge)
    art.paint(red, accent, 0.9, clip=wedge)
    _wedge_shade(art, wedge)
    return art.done()


def _wedge_shade(art: Art, wedge: Sheet) -> None:
    deeper = Sheet.of(SIZE, vgradient(SIZE, [(BELT[1], 120), (520, 0)], mode="L"))
    art.paint(deeper, "#000000", 0.6, clip=wedge)
    edge = Sheet(SIZE).line([(FRONT_EDGE, BELT[1]), (FRONT_EDGE + 8, 800)], width=5).blur(2)
    art.paint(edge, "#000000", 0.35, clip=wedge)


def lining_archive() -> Image.Image:
    return _check("#d9c29a", "#1d1b19", "#f6f1e6", "#b3282d")


def lining_ice() -> Image.Image:
    return _check("#c9cdd2", "#3b4250", "#ffffff", "#6f8fb5")


def lining_noir() -> Image.Image:
    return _check("#2b2b2f", "#000000", "#b9b9bd", "#8a6d3b")


def lining_silk() -> Image.Image:
    wedge = lining_wedge().times(torso(FLARES["relaxed"]))
    art = Art(SIZE)
    art.paint(wedge, "#8c2f39")
    art.paint(Sheet(SIZE).line([(FRONT_EDGE + 30, 420), (FRONT_EDGE + 60, 800)], width=10).blur(6),
              "#ffffff", 0.35, clip=wedge)
    _wedge_shade(art, wedge)
    return art.done()


def _buttons(face: str, rim: str, holes: bool = True, weave: bool = False, mottle: str | None = None,
             shine: float = 0.25) -> Image.Image:
    art = Art(SIZE)
    points = [(x, y) for y in BUTTON_ROWS for x in BUTTON_COLUMNS]
    discs, faces, drill, gloss = Sheet(SIZE), Sheet(SIZE), Sheet(SIZE), Sheet(SIZE)
    for x, y in points:
        discs.circle((x, y), 8.5)
        faces.circle((x, y), 6.5)
        gloss.ellipse((x - 5, y - 6, x + 1, y - 2))
        if holes:
            for dx, dy in ((-1.8, -1.8), (1.8, -1.8), (-1.8, 1.8), (1.8, 1.8)):
                drill.circle((x + dx, y + dy), 0.9)
    art.paint(Sheet(SIZE).plus(discs).blur(2), "#000000", 0.35)
    art.paint(discs, rim)
    art.paint(faces, face)
    if mottle:
        spots = Sheet(SIZE)
        for x, y, r in speckles(SIZE, 260, seed=5, radius=(0.6, 1.6), box=(250, 244, 350, 356)):
            spots.circle((x, y), r)
        art.paint(spots, mottle, 0.7, clip=faces)
    if weave:
        mesh = Sheet(SIZE)
        for k in range(-120, 120, 3):
            mesh.line([(250 + k, 240), (370 + k, 360)], width=1)
            mesh.line([(370 + k, 240), (250 + k, 360)], width=1)
        art.paint(mesh, "#000000", 0.45, clip=faces)
    art.paint(drill, "#1a120c", 0.9)
    art.paint(gloss.blur(1.5), "#ffffff", shine, clip=discs)
    return art.done()


def buttons_horn() -> Image.Image:
    return _buttons("#5b3a22", "#3e2716", mottle="#9a6b43")


def buttons_corozo() -> Image.Image:
    return _buttons("#e7dcc4", "#c9b996", mottle="#d2c29f")


def buttons_leather() -> Image.Image:
    return _buttons("#4a2e1f", "#2e1c12", holes=False, weave=True, shine=0.2)


def buttons_gunmetal() -> Image.Image:
    return _buttons("#6a6e75", "#3d4045", holes=False, shine=0.6)


def _eraser(region: Sheet) -> Image.Image:
    """Paint the mannequin and backdrop back over `region` of the coat."""
    art = Art(SIZE)
    art.paint(region, base_art().image)
    return art.done(resample=Image.BOX)


def _notch_lapels() -> tuple[Sheet, list, list]:
    left = path(
        (274, 160), (300, 262), bezier((300, 262), (262, 236), (238, 206)),
        (246, 196), (236, 186), bezier((236, 186), (248, 170), (262, 160)),
    )
    return Sheet(SIZE).polygon(left).polygon(mirror_x(left, CX)), left, mirror_x(left, CX)


def _collar_relief(art: Art, lapels: Sheet, left: list, right: list) -> None:
    edges = Sheet(SIZE)
    for pts in (left, right):
        edges.line([*pts, pts[0]], width=1.6)
    art.paint(edges, "#000000", 0.45)
    under = Sheet(SIZE)
    for pts in (left, right):
        under.line(pts[2:6], width=7)
    art.paint(under.blur(4), "#000000", 0.22, clip=coat().minus(lapels))
    roll = Sheet(SIZE).line([(270, 168), (294, 248)], width=4).line([(330, 168), (306, 248)], width=4)
    art.paint(roll.blur(2), "#ffffff", 0.18, clip=lapels)


def _collar_top_cut() -> Sheet:
    """The funnel collar's top and the V, where a lapel collar leaves the mannequin bare."""
    band = Sheet(SIZE).polygon(path(
        (250, 100), (350, 100), (350, 160), bezier((338, 160), (300, 150), (262, 160)), (250, 160),
    ))
    grown = funnel_collar().grow(3)
    return grown.times(band).plus(v_opening())


def collar_notch() -> Image.Image:
    cut = _collar_top_cut()
    art = Art(SIZE)
    art.paint(cut, base_art().image)
    lapels, left, right = _notch_lapels()
    _collar_relief(art, lapels, left, right)
    return art.done(resample=Image.BOX)


def collar_funnel() -> Image.Image:
    art = Art(SIZE)
    lapel_tips = _notch_lapels()[0].grow(2).minus(funnel_collar()).minus(torso(FLARES["relaxed"]))
    art.paint(lapel_tips, base_art().image)
    fold = Sheet(SIZE).line(bezier((262, 132), (300, 144), (338, 132)), width=3).blur(1)
    art.paint(fold, "#ffffff", 0.3)
    stand = funnel_collar()
    art.paint(stand.minus(stand.copy().blur(3)), "#000000", 0.35)
    art.paint(Sheet(SIZE).line(bezier((264, 176), (300, 184), (336, 176)), width=5).blur(2), "#000000", 0.25)
    latch = Sheet(SIZE).rect((286, 146, 334, 160), radius=6)
    art.paint(latch.copy().blur(2), "#000000", 0.3)
    art.paint(latch.minus(latch.copy().blur(1.5)), "#000000", 0.45)
    art.paint(Sheet(SIZE).circle((326, 153), 4), "#3e2716")
    art.paint(Sheet(SIZE).line([(FRONT_EDGE - 20, 180), (FRONT_EDGE, 250)], width=1.5), "#000000", 0.4)
    return art.done(resample=Image.BOX)


def collar_shearling() -> Image.Image:
    cut = _collar_top_cut()
    art = Art(SIZE)
    art.paint(cut, base_art().image)
    lapels, _, _ = _notch_lapels()
    wide = lapels.plus(Sheet(SIZE).polygon(path(
        (244, 190), bezier((244, 168), (300, 146), (356, 168)), (356, 190), (330, 166), (270, 166),
    )))
    art.paint(wide.copy().blur(3), "#000000", 0.25)
    art.paint(wide, "#efe6d6")
    curls = Sheet(SIZE)
    for x, y, r in speckles(SIZE, 700, seed=21, radius=(1.0, 2.2), box=(230, 150, 370, 265)):
        curls.circle((x, y), r, fill=None, outline=255, width=0.8)
    art.paint(curls, "#b9a98f", 0.55, clip=wide)
    art.paint(Sheet.of(SIZE, vgradient(SIZE, [(150, 0), (262, 90)], mode="L")), "#000000", 0.5, clip=wide)
    return art.done(resample=Image.BOX)


def _relief(art: Art, shape: Sheet, depth: float = 1.0) -> None:
    """A piece of self-fabric: a soft shadow under it and a drawn edge, in the cloth's own colour."""
    art.paint(Sheet(SIZE).plus(shape).blur(3), "#000000", 0.28 * depth)
    art.paint(shape.minus(shape.copy().blur(1.6)), "#000000", 0.5 * depth)
    art.paint(shape.copy().blur(2).minus(shape.copy().blur(0.5)).times(shape), "#ffffff", 0.12)


def _buckle(art: Art, box: tuple[float, float, float, float]) -> None:
    frame = Sheet(SIZE).rect(box, radius=3)
    x0, y0, x1, y1 = box
    art.paint(frame.minus(Sheet(SIZE).rect((x0 + 3, y0 + 3, x1 - 3, y1 - 3), radius=2)), "#4a3322")
    art.paint(Sheet(SIZE).line([(x0 + 3, (y0 + y1) / 2), (x1 - 2, (y0 + y1) / 2)], width=1.5), "#c9b58a")


def extra_belt() -> Image.Image:
    art = Art(SIZE)
    top, bottom = BELT
    belt = Sheet(SIZE).polygon([(220, top), (380, top), (380, bottom), (220, bottom)]).times(coat())
    belt = belt.minus(sleeves())
    tail = Sheet(SIZE).polygon([(318, bottom - 4), (330, bottom - 4), (336, 470), (324, 470)])
    _relief(art, belt.plus(tail.times(coat())))
    loops = Sheet(SIZE).rect((236, top - 3, 244, bottom + 3)).rect((356, top - 3, 364, bottom + 3))
    _relief(art, loops.minus(sleeves()), 0.8)
    _buckle(art, (304, top - 3, 324, bottom + 3))
    art.paint(Sheet(SIZE).circle((330, 458), 1.6).circle((330, 446), 1.6), "#1a120c", 0.8)
    return art.done()


def extra_d_rings() -> Image.Image:
    art = Art(SIZE)
    rings = Sheet(SIZE)
    for x in (252, 380):
        rings.arc((x - 9, BELT[1] - 4, x + 9, BELT[1] + 16), 0, 180, width=2.6)
        rings.line([(x - 9, BELT[1] + 6), (x + 9, BELT[1] + 6)], width=2.6)
    art.paint(Sheet(SIZE).plus(rings).blur(1.5), "#000000", 0.3)
    art.paint(rings, "#a9abb0")
    art.paint(rings.times(Sheet(SIZE).rect((0, BELT[1] + 8, 600, BELT[1] + 14))), "#eef0f2", 0.7)
    return art.done()


def extra_epaulettes() -> Image.Image:
    art = Art(SIZE)
    strap = [(210, 194), (264, 172), (268, 182), (214, 206)]
    shape = Sheet(SIZE).polygon(strap).polygon(mirror_x(strap, CX)).times(coat())
    _relief(art, shape)
    art.paint(Sheet(SIZE).circle((258, 180), 3.4).circle((342, 180), 3.4), "#3e2716")
    return art.done()


def extra_storm_flap() -> Image.Image:
    art = Art(SIZE)
    flap = Sheet(SIZE).polygon(path((206, 200), bezier((206, 200), (240, 180), (272, 170)), (282, 236),
                                    bezier((282, 236), (250, 250), (218, 262))))
    _relief(art, flap.times(coat()), 1.2)
    art.paint(Sheet(SIZE).circle((268, 184), 3.6), "#3e2716")
    return art.done()


def extra_cuff_straps() -> Image.Image:
    art = Art(SIZE)
    strap = [(166, 448), (224, 452), (224, 462), (166, 458)]
    shape = Sheet(SIZE).polygon(strap).polygon(mirror_x(strap, CX)).times(sleeves())
    _relief(art, shape)
    _buckle(art, (196, 446, 208, 464))
    _buckle(art, (392, 446, 404, 464))
    return art.done()


def _fit(flare: float) -> Image.Image:
    grown = torso(FLARES["relaxed"]).grow(3)
    # Stop just short of the sleeves: their edge is the colour layer's to draw.
    arms = sleeves().grow(1.5)
    gone = grown.minus(torso(flare)).minus(arms).below(420)
    return _eraser(gone)


def fit_classic() -> Image.Image:
    return _fit(FLARES["classic"])


def fit_slim() -> Image.Image:
    return _fit(FLARES["slim"])


def fit_relaxed() -> Image.Image:
    art = Art(SIZE)
    drape = Sheet(SIZE)
    for x0, x1 in ((236, 196), (364, 404)):
        drape.line([(x0, 470), (x1, 800)], width=6)
    art.paint(drape.blur(5), "#000000", 0.10, clip=torso(FLARES["relaxed"]).minus(sleeves()))
    return art.done()


def _length(hem: float) -> Image.Image:
    grown = coat().plus(front_gap()).grow(3)
    hem_curve = bezier((0, hem - 6), (CX, hem + 10), (600, hem - 6))
    below = Sheet(SIZE).polygon(path(hem_curve, (600, 800), (0, 800)))
    art = Art(SIZE)
    art.paint(grown.times(below), base_art().image)
    hemline = Sheet(SIZE).line(bezier((0, hem - 12), (CX, hem + 4), (600, hem - 12)), width=1)
    stitches = Sheet(SIZE)
    for x in range(0, 600, 6):
        stitches.rect((x, 0, x + 3, 800))
    inner = torso(FLARES["slim"]).minus(lining_wedge()).minus(front_gap())
    inner = inner.shrink(4)
    art.paint(hemline.times(stitches), "#000000", 0.35, clip=inner)
    return art.done(resample=Image.BOX)


def length_short() -> Image.Image:
    return _length(HEMS["short"])


def length_mid() -> Image.Image:
    return _length(HEMS["mid"])


def length_long() -> Image.Image:
    return _length(HEMS["long"])


LAYERS = {
    "base": base,
    "coat": colour,
    "fabric-gabardine": fabric_gabardine,
    "fabric-cashmere": fabric_cashmere,
    "fabric-recycled": fabric_recycled,
    "lining-archive": lining_archive,
    "lining-ice": lining_ice,
    "lining-noir": lining_noir,
    "lining-silk": lining_silk,
    "buttons-horn": buttons_horn,
    "buttons-corozo": buttons_corozo,
    "buttons-leather": buttons_leather,
    "buttons-gunmetal": buttons_gunmetal,
    "collar-notch": collar_notch,
    "collar-funnel": collar_funnel,
    "collar-shearling": collar_shearling,
    "extra-belt": extra_belt,
    "extra-d-rings": extra_d_rings,
    "extra-epaulettes": extra_epaulettes,
    "extra-storm-flap": extra_storm_flap,
    "extra-cuff-straps": extra_cuff_straps,
    "fit-classic": fit_classic,
    "fit-slim": fit_slim,
    "fit-relaxed": fit_relaxed,
    "length-short": length_short,
    "length-mid": length_mid,
    "length-long": length_long,
}
