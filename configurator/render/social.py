"""The 1200x630 social card of a shared build: its best two views, its name and price, the brand."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

from .compose import font

CARD_SIZE = (1200, 630)
BACKGROUND = "#f4f1ea"
INK = "#1d1d1f"
ACCENT = "#0b5cad"


def _fit(draw: ImageDraw.ImageDraw, text: str, path: str, size: int, width: int):
    face = font(path, size)
    while size > 18 and draw.textlength(text, font=face) > width:
        size -= 2
        face = font(path, size)
    return face


def _place(card: Image.Image, preview: Image.Image, cell: tuple[int, int, int, int]) -> None:
    """Paste a view centred in its cell (left, top, width, height), scaled down to fit."""
    left, top, width, height = cell
    shot = preview.convert("RGB")
    if shot.width > width and shot.height <= height:  # trim the empty backdrop at the sides first
        margin = (shot.width - width) // 2
        shot = shot.crop((margin, 0, margin + width, shot.height))
    if shot.width > width or shot.height > height:
        shot.thumbnail((width, height), Image.Resampling.BILINEAR)
    card.paste(shot, (left + (width - shot.width) // 2, top + (height - shot.height) // 2))


def social_card(previews: Image.Image | list[Image.Image], title: str, subtitle: str, price: str,
                font_dir: Path) -> Image.Image:
    """One or two views of the design (two landscape views one above the other, two portrait
    ones side by side). Texts are drawn literally (no markup), shrunk to fit their line."""
    shots = [previews] if isinstance(previews, Image.Image) else list(previews)[:2]
    card = Image.new("RGB", CARD_SIZE, BACKGROUND)
    area = (760, 630)
    if len(shots) == 1:
        _place(card, shots[0], (0, 0, *area))
    elif shots[0].width >= shots[0].height:
        _place(card, shots[0], (0, 0, area[0], area[1] // 2))
        _place(card, shots[1], (0, area[1] // 2, area[0], area[1] // 2))
    else:
        _place(card, shots[0], (0, 0, area[0] // 2, area[1]))
        _place(card, shots[1], (area[0] // 2, 0, area[0] // 2, area[1]))
    draw = ImageDraw.Draw(card)
    draw.rectangle((760, 0, 1200, 630), fill="#ffffff")
    bold, regular = str(font_dir / "DejaVuSans-Bold.ttf"), str(font_dir / "DejaVuSans.ttf")
    draw.text((800, 70), "Atelier", font=font(bold, 34), fill=ACCENT)
    draw.text((800, 200), title[:60], font=_fit(draw, title[:60], bold, 48, 360), fill=INK)
    draw.text((800, 270), subtitle[:80], font=_fit(draw, subtitle[:80], regular, 30, 360), fill="#5f6368")
    draw.text((800, 480), price, font=_fit(draw, price, bold, 56, 360), fill=INK)
    return card
