"""Small Pillow helpers for the demo art.

Everything is drawn at twice the canvas size and scaled down at the end (LANCZOS on
premultiplied alpha), which is a cheap and deterministic way to get smooth edges. Coordinates
passed to these helpers are always canvas pixels; the 2x lives only in here.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable, Sequence

from PIL import Image, ImageChops, ImageDraw, ImageFilter

SCALE = 2

Point = tuple[float, float]
Colour = str | tuple[int, ...]


def rgb(colour: Colour) -> tuple[int, ...]:
    if isinstance(colour, tuple):
        return colour
    value = colour.lstrip("#")
    return tuple(int(value[i : i + 2], 16) for i in (0, 2, 4))


def grey(level: int, alpha: int = 255) -> tuple[int, int, int, int]:
    return (level, level, level, alpha)


def bezier(*points: Point, steps: int = 24) -> list[Point]:
    """Points along the Bézier curve with these control points (any degree)."""
    out = []
    for i in range(steps + 1):
        t = i / steps
        pts = list(points)
        while len(pts) > 1:
            pts = [(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t) for a, b in itertools.pairwise(pts)]
        out.append(pts[0])
    return out


def path(*parts: Sequence[Point] | Point) -> list[Point]:
    """Join points and point lists (such as `bezier` results) into one outline."""
    out: list[Point] = []
    for part in parts:
        if part and isinstance(part[0], (int, float)):
            out.append(part)  # type: ignore[arg-type]
        else:
            out.extend(part)  # type: ignore[arg-type]
    return out


def ribbon(centre: Sequence[Point], widths: Sequence[float]) -> list[Point]:
    """The outline of a band along `centre`, `widths[i]` wide at point i (for tapered strokes)."""
    left, right = [], []
    for i, (x, y) in enumerate(centre):
        ax, ay = centre[max(0, i - 1)]
        bx, by = centre[min(len(centre) - 1, i + 1)]
        dx, dy = bx - ax, by - ay
        norm = (dx * dx + dy * dy) ** 0.5 or 1.0
        nx, ny = -dy / norm * widths[i] / 2, dx / norm * widths[i] / 2
        left.append((x + nx, y + ny))
        right.append((x - nx, y - ny))
    return left + right[::-1]


def mirror_x(points: Iterable[Point], axis: float) -> list[Point]:
    return [(2 * axis - x, y) for x, y in points]


def _blurred(image: Image.Image, radius: float) -> Image.Image:
    """Gaussian blur of a mostly empty channel, done only around what is drawn (much faster)."""
    box = image.getbbox()
    if box is None or radius <= 0:
        return image.copy()
    if image.getextrema()[0] > 0:  # nothing is empty: blur it all
        return image.filter(ImageFilter.GaussianBlur(radius))
    pad = int(radius * 3) + 2
    x0, y0 = max(0, box[0] - pad), max(0, box[1] - pad)
    x1, y1 = min(image.width, box[2] + pad), min(image.height, box[3] + pad)
    out = Image.new("L", image.size, 0)
    out.paste(image.crop((x0, y0, x1, y1)).filter(ImageFilter.GaussianBlur(radius)), (x0, y0))
    return out


class Sheet:
    """One 8-bit channel at 2x: a shape mask, a shading map, a region."""

    def __init__(self, size: tuple[int, int], fill: int = 0) -> None:
        self.size = size
        self.image = Image.new("L", (size[0] * SCALE, size[1] * SCALE), fill)
        self.draw = ImageDraw.Draw(self.image)

    @classmethod
    def of(cls, size: tuple[int, int], image: Image.Image) -> Sheet:
        sheet = cls(size)
        sheet.image = image
        sheet.draw = ImageDraw.Draw(image)
        return sheet

    def copy(self) -> Sheet:
        return Sheet.of(self.size, self.image.copy())

    @staticmethod
    def _pts(points: Iterable[Point]) -> list[Point]:
        return [(x * SCALE, y * SCALE) for x, y in points]

    @staticmethod
    def _box(box: Sequence[float]) -> list[float]:
        return [v * SCALE for v in box]

    def polygon(self, points: Iterable[Point], fill: int = 255) -> Sheet:
        self.draw.polygon(self._pts(points), fill=fill)
        return self

    def ellipse(self, box: Sequence[float], fill: int | None = 255, outline: int | None = None,
                width: float = 1) -> Sheet:
        self.draw.ellipse(self._box(box), fill=fill, outline=outline, width=round(width * SCALE))
        return self

    def circle(self, centre: Point, radius: float, fill: int | None = 255, outline: int | None = None,
               width: float = 1) -> Sheet:
        x, y = centre
        return self.ellipse((x - radius, y - radius, x + radius, y + radius), fill, outline, width)

    def rect(self, box: Sequence[float], fill: int = 255, radius: float = 0) -> Sheet:
        self.draw.rounded_rectangle(self._box(box), radius=radius * SCALE, fill=fill)
        return self

    def line(self, points: Iterable[Point], fill: int = 255, width: float = 1) -> Sheet:
        self.draw.line(self._pts(points), fill=fill, width=max(1, round(width * SCALE)), joint="curve")
        return self

    def arc(self, box: Sequence[float], start: float, end: float, fill: int = 255, width: float = 1) -> Sheet:
        self.draw.arc(self._box(box), start, end, fill=fill, width=max(1, round(width * SCALE)))
        return self

    def blur(self, radius: float) -> Sheet:
        self.image = _blurred(self.image, radius * SCALE)
        self.draw = ImageDraw.Draw(self.image)
        return self

    def grow(self, radius: float) -> Sheet:
        """The shape spread outwards by about `radius` (a blur pushed up: much faster than a max filter)."""
        spread = _blurred(self.image, radius * SCALE / 2)
        return Sheet.of(self.size, spread.point(lambda v: min(255, v * 12)))

    def shrink(self, radius: float) -> Sheet:
        inverse = Sheet.of(self.size, ImageChops.invert(self.image)).grow(radius)
        return Sheet.of(self.size, ImageChops.invert(inverse.image))

    def times(self, other: Sheet) -> Sheet:
        """Keep only where `other` is set too (intersection, with soft edges)."""
        return Sheet.of(self.size, ImageChops.multiply(self.image, other.image))

    def minus(self, other: Sheet) -> Sheet:
        return Sheet.of(self.size, ImageChops.subtract(self.image, other.image))

    def plus(self, other: Sheet) -> Sheet:
        return Sheet.of(self.size, ImageChops.lighter(self.image, other.image))

    def scaled(self, factor: float) -> Sheet:
        return Sheet.of(self.size, self.image.point(lambda v: round(v * factor)))

    def below(self, y: float) -> Sheet:
        """Only the part of the sheet below canvas row `y`."""
        keep = Sheet(self.size).rect((0, y, self.size[0], self.size[1]))
        return self.times(keep)

    def above(self, y: float) -> Sheet:
        keep = Sheet(self.size).rect((0, 0, self.size[0], y))
        return self.times(keep)


def vgradient(size: tuple[int, int], stops: Sequence[tuple[float, Colour]], mode: str = "RGB") -> Image.Image:
    """A 2x image graded top to bottom through (canvas y, colour) stops."""
    height = size[1] * SCALE
    stops = [(y * SCALE, rgb(c) if mode != "L" else c) for y, c in stops]
    column = []
    for y in range(height):
        if y <= stops[0][0]:
            value = stops[0][1]
        elif y >= stops[-1][0]:
            value = stops[-1][1]
        else:
            for (y0, c0), (y1, c1) in itertools.pairwise(stops):
                if y0 <= y <= y1:
                    t = (y - y0) / max(1, y1 - y0)
                    if mode == "L":
                        value = round(c0 + (c1 - c0) * t)
                    else:
                        value = tuple(round(a + (b - a) * t) for a, b in zip(c0, c1, strict=True))
                    break
        column.append(value)
    image = Image.new(mode, (1, height))
    image.putdata(column)
    return image.resize((size[0] * SCALE, height), Image.NEAREST)


def hgradient(size: tuple[int, int], stops: Sequence[tuple[float, Colour]], mode: str = "RGB") -> Image.Image:
    flipped = vgradient((size[1], size[0]), stops, mode)
    return flipped.transpose(Image.TRANSPOSE)


def speckles(size: tuple[int, int], count: int, seed: int, radius: tuple[float, float] = (0.6, 1.6),
             box: Sequence[float] | None = None) -> list[tuple[float, float, float]]:
    """Deterministic random dots: (x, y, r) in canvas pixels."""
    rng = random.Random(seed)
    x0, y0, x1, y1 = box or (0, 0, size[0], size[1])
    return [(rng.uniform(x0, x1), rng.uniform(y0, y1), rng.uniform(*radius)) for _ in range(count)]


class Art:
    """An RGBA layer at 2x, painted through sheets. For a tint mask, paint only greys."""

    def __init__(self, size: tuple[int, int]) -> None:
        self.size = size
        self.image = Image.new("RGBA", (size[0] * SCALE, size[1] * SCALE), (0, 0, 0, 0))

    def paint(self, shape: Sheet, colour: Colour | Image.Image, opacity: float = 1.0,
              clip: Sheet | None = None) -> Art:
        """Lay `colour` (a colour or a 2x RGB image) over the layer through `shape`."""
        mask = shape if clip is None else shape.times(clip)
        box = mask.image.getbbox()
        if box is None:
            return self
        alpha = mask.image.crop(box)
        if isinstance(colour, Image.Image):
            source = colour.crop(box).convert("RGBA")
        else:
            value = rgb(colour)
            source = Image.new("RGBA", alpha.size, (*value[:3], 255))
            if len(value) == 4:
                opacity *= value[3] / 255
        if opacity < 1:
            alpha = alpha.point(lambda v: round(v * opacity))
        source.putalpha(alpha)
        self.image.alpha_composite(source, dest=box[:2])
        return self

    def done(self, resample: int = Image.LANCZOS) -> Image.Image:
        """The layer at canvas size. LANCZOS keeps edges crisp; BOX (a plain average) suits
        layers that repaint the backdrop, where LANCZOS's faint ringing would show as a seam."""
        small = self.image.convert("RGBa").resize(self.size, resample)
        return small.convert("RGBA")


def shadow(size: tuple[int, int], box: Sequence[float], blur: float, strength: int) -> Sheet:
    return Sheet(size).ellipse(box, fill=strength).blur(blur)
