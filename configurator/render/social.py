"""Social images of a shared build: its best two views, its name and price, the brand, in the
shape each network takes. The 1200x630 card (link previews: X, Facebook, LinkedIn, chat apps), a
square (Instagram's feed), a portrait (Pinterest, Instagram's 4:5) and a story (Instagram and
TikTok stories, WhatsApp status). One renderer for all: a picture area with the views and a
white panel with the texts, placed per format."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from .compose import font

BACKGROUND = "#f4f1ea"
INK = "#1d1d1f"
MUTED = "#5f6368"
ACCENT = "#0b5cad"
BRAND = "Atelier"
TITLE_MAX, SUBTITLE_MAX = 60, 80  # characters drawn of a name


@dataclass(frozen=True)
class Text:
    x: int
    y: int
    size: int


@dataclass(frozen=True)
class Layout:
    size: tuple[int, int]
    picture: tuple[int, int, int, int]  # left, top, width, height of the views' area
    panel: tuple[int, int, int, int]  # the white panel behind the texts (left, top, right, bottom)
    brand: Text
    title: Text
    subtitle: Text
    price: Text
    text_width: int  # a text wider than this is drawn smaller
    grow: float = 1.0  # how far a view may be enlarged to fill its cell


FORMATS: dict[str, Layout] = {
    "card": Layout((1200, 630), (0, 0, 760, 630), (760, 0, 1200, 630), Text(800, 70, 34), Text(800, 200, 48),
                   Text(800, 270, 30), Text(800, 480, 56), 360),
    "square": Layout((1080, 1080), (0, 0, 1080, 740), (0, 740, 1080, 1080), Text(60, 772, 34), Text(60, 832, 52),
                     Text(60, 904, 32), Text(60, 968, 60), 960, grow=1.25),
    "portrait": Layout((1080, 1350), (0, 0, 1080, 980), (0, 980, 1080, 1350), Text(60, 1014, 36), Text(60, 1078, 56),
                       Text(60, 1154, 34), Text(60, 1226, 66), 960, grow=1.25),
    # Stories: the top and bottom ~250 px sit under the app's own bars and reply field.
    "story": Layout((1080, 1920), (0, 250, 1080, 1150), (0, 1400, 1080, 1920), Text(60, 1440, 38),
                    Text(60, 1506, 62), Text(60, 1590, 36), Text(60, 1660, 72), 960, grow=1.25),
}
CARD_SIZE = FORMATS["card"].size


def _fit(draw: ImageDraw.ImageDraw, text: str, path: str, size: int, width: int):
    face = font(path, size)
    while size > 18 and draw.textlength(text, font=face) > width:
        size -= 2
        face = font(path, size)
    return face


def _place(canvas: Image.Image, preview: Image.Image, cell: tuple[int, int, int, int], grow: float) -> None:
    """Paste a view centred in its cell (left, top, width, height), scaled to fit (enlarged at
    most `grow` times). A view a little wider than its cell loses its empty backdrop at the sides."""
    left, top, width, height = cell
    shot = preview.convert("RGB")
    if width < shot.width <= width * 1.1 and shot.height <= height:
        margin = (shot.width - width) // 2
        shot = shot.crop((margin, 0, margin + width, shot.height))
    scale = min(width / shot.width, height / shot.height)
    if scale < 1:
        shot.thumbnail((width, height), Image.Resampling.BILINEAR)
    elif scale > 1 and grow > 1:
        factor = min(scale, grow)
        shot = shot.resize((round(shot.width * factor), round(shot.height * factor)), Image.Resampling.BILINEAR)
    canvas.paste(shot, (left + (width - shot.width) // 2, top + (height - shot.height) // 2))


def _cells(shots: list[Image.Image], area: tuple[int, int, int, int]) -> list[tuple[int, int, int, int]]:
    """One cell per view: one view fills the area; two go one above the other or side by side,
    whichever shows them larger."""
    left, top, width, height = area
    if len(shots) == 1:
        return [area]
    w, h = shots[0].size
    stacked = min(width / w, height / 2 / h)
    beside = min(width / 2 / w, height / h)
    if stacked >= beside:
        return [(left, top, width, height // 2), (left, top + height // 2, width, height - height // 2)]
    return [(left, top, width // 2, height), (left + width // 2, top, width - width // 2, height)]


def social_image(fmt: str, previews: Image.Image | list[Image.Image], title: str, subtitle: str, price: str,
                 font_dir: Path) -> Image.Image:
    """The build in one of FORMATS, from one or two of its views. Texts are drawn literally (no
    markup, no interpretation), each shrunk to fit its line."""
    layout = FORMATS[fmt]
    shots = [previews] if isinstance(previews, Image.Image) else list(previews)[:2]
    image = Image.new("RGB", layout.size, BACKGROUND)
    for shot, cell in zip(shots, _cells(shots, layout.picture), strict=False):
        _place(image, shot, cell, layout.grow)
    draw = ImageDraw.Draw(image)
    draw.rectangle(layout.panel, fill="#ffffff")
    bold, regular = str(font_dir / "DejaVuSans-Bold.ttf"), str(font_dir / "DejaVuSans.ttf")
    width = layout.text_width
    title, subtitle = title[:TITLE_MAX], subtitle[:SUBTITLE_MAX]
    b, t, s, p = layout.brand, layout.title, layout.subtitle, layout.price
    draw.text((b.x, b.y), BRAND, font=font(bold, b.size), fill=ACCENT)
    draw.text((t.x, t.y), title, font=_fit(draw, title, bold, t.size, width), fill=INK)
    draw.text((s.x, s.y), subtitle, font=_fit(draw, subtitle, regular, s.size, width), fill=MUTED)
    draw.text((p.x, p.y), price, font=_fit(draw, price, bold, p.size, width), fill=INK)
    return image


def social_card(previews: Image.Image | list[Image.Image], title: str, subtitle: str, price: str,
                font_dir: Path) -> Image.Image:
    """The 1200x630 card: one or two views (two landscape views one above the other, two
    portrait ones side by side) beside the texts."""
    return social_image("card", previews, title, subtitle, price, font_dir)
