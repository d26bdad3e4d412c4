"""Helpers for the product package tests: a writable copy of the example watch package, edits
to its catalog file, and images made to order."""

from __future__ import annotations

import io
import shutil
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image

from configurator.packages.errors import PackageInvalid
from configurator.packages.reader import read_package
from configurator.packages.validate import Package, package_validate

ROOT = Path(__file__).resolve().parents[2]
WATCH = ROOT / "docs" / "packages" / "watch"


def watch_copy(target: Path) -> Path:
    folder = target / "watch"
    shutil.copytree(WATCH, folder)
    return folder


def edit(folder: Path, old: str, new: str) -> None:
    """Replace one passage of catalog.yaml (which must be there exactly once)."""
    path = folder / "catalog.yaml"
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))


def line_of(folder: Path, text: str) -> int:
    """The 1-based line of catalog.yaml that holds `text`."""
    lines = (folder / "catalog.yaml").read_text().splitlines()
    found = [n for n, line in enumerate(lines, 1) if text in line]
    assert len(found) == 1, (text, found)
    return found[0]


def problems(folder: Path, **kwargs) -> list[str]:
    """Every problem the validator reports, as "place: message"."""
    with pytest.raises(PackageInvalid) as caught:
        package_validate(read_package(folder), **kwargs)
    return [str(error) for error in caught.value.errors]


def valid(folder: Path, **kwargs) -> Package:
    return package_validate(read_package(folder), **kwargs)


def png(size: tuple[int, int], mode: str = "RGBA") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, 0).save(buffer, "PNG")
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width × height pixels, with almost no pixel data."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b"")


def zipped(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()
