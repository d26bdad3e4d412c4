"""Checking the package's layer images from their headers, before any of them is decoded."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from .errors import PackageError, Places

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def image_problem(body: bytes, canvas: tuple[int, int], max_pixels: int) -> str | None:
    """What is wrong with one layer image, or None. Its size is read from the header: an image
    with too many pixels is refused before it is decoded."""
    if not body.startswith(PNG_SIGNATURE):
        return _("This is not a PNG file.")
    try:
        with warnings.catch_warnings():  # too many pixels is reported below, in the staff's words
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(body))
        with image:
            width, height = image.size
            if width * height > max_pixels:
                return _("This image is %(width)s×%(height)s pixels; at most %(limit)s pixels are allowed.") % {
                    "width": width, "height": height, "limit": max_pixels}
            allowed = (canvas, (canvas[0] * 2, canvas[1] * 2))
            if (width, height) not in allowed:
                return _(
                    "This image is %(width)s×%(height)s pixels; layers must be the canvas size, %(cw)s×%(ch)s, "
                    "or twice it for the zoom, %(zw)s×%(zh)s."
                ) % {"width": width, "height": height, "cw": canvas[0], "ch": canvas[1],
                     "zw": canvas[0] * 2, "zh": canvas[1] * 2}
            if not has_alpha(image):
                return _("This image has no alpha channel (mode %(mode)s): save it as a PNG with transparency.") % {
                    "mode": image.mode}
            image.verify()  # checks the chunks' checksums without keeping the pixels
    except Image.DecompressionBombError:
        return _("This image has too many pixels.")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        return _("This image cannot be read: %(error)s") % {"error": exc}
    return None


def image_errors(references: Iterable[tuple[str, tuple]], files: dict[str, bytes], canvas: tuple[int, int],
                 max_pixels: int, places: Places) -> list[PackageError]:
    """References are (image path, key path in the catalog file). A missing image is placed at
    the key that names it; a bad one at its own path, once however often it is used."""
    errors: list[PackageError] = []
    checked: dict[str, str | None] = {}
    for path, at in references:
        if path not in files:
            errors.append(places.error(at, _("The image “%(path)s” is not in the package.") % {"path": path}))
            continue
        if path not in checked:
            checked[path] = image_problem(files[path], canvas, max_pixels)
            if checked[path]:
                errors.append(PackageError(path, checked[path]))
    return errors


def image_references(pkg: dict[str, Any]) -> list[tuple[str, tuple]]:
    refs = [(view["base_layer"], (*view["at"], "base_layer")) for view in pkg["views"] if view["base_layer"]]
    for step in pkg["steps"]:
        for option in step["options"]:
            refs += [(layer["image"], (*layer["at"], "image")) for layer in option["layers"].values() if layer["image"]]
    return refs
