"""The 1200x630 social card of a shared build: its preview, its name and price, the brand."""

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


def social_card(preview: Image.Image, title: str, subtitle: str, price: str, font_dir: Path) -> Image.Image:
    """Texts are drawn literally (no markup), shrunk to fit their line."""
    card = Image.new("RGB", CARD_SIZE, BACKGROUND)
    area = (760, 630)
    shot = preview.convert("RGB")
    if shot.width > area[0]:  # trim the empty backdrop at the sides before any resampling
        margin = (shot.width - area[0]) // 2
        shot = shot.crop((margin, 0, margin + area[0], shot.height))
    if shot.width > area[0] or shot.height > area[1]:
        shot.thumbnail(area, Image.Resampling.BILINEAR)
    card.paste(shot, ((area[0] - shot.width) // 2, (area[1] - shot.height) // 2))
    draw = ImageDraw.Draw(card)
    draw.rectangle((760, 0, 1200, 630), fill="#ffffff")
    bold, regular = str(font_dir / "DejaVuSans-Bold.ttf"), str(font_dir / "DejaVuSans.ttf")
    draw.text((800, 70), "Atelier", font=font(bold, 34), fill=ACCENT)
    draw.text((800, 200), title[:60], font=_fit(draw, title[:60], bold, 48, 360), fill=INK)
    draw.text((800, 270), subtitle[:80], font=_fit(draw, subtitle[:80], regular, 30, 360), fill="#5f6368")
    draw.text((800, 480), price, font=_fit(draw, price, bold, 56, 360), fill=INK)
    return card
