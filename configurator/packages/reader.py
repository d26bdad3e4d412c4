"""Opening a product package (a folder, or a zip of one) with safety limits.

Everything is checked before anything is unpacked: the archive's size, the number of files,
the total unpacked size, each entry's compression ratio (zip bombs), and each name (absolute
paths, `..`, symlinks). Entries are then read through zipfile, which stops an entry at its
declared size and checks its CRC, so a central directory that lies is caught too.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

from .errors import PackageError, PackageInvalid

CATALOG_NAMES = ("catalog.yaml", "catalog.yml", "catalog.json")
IGNORED = re.compile(r"(^|/)(__MACOSX/|\.DS_Store$|Thumbs\.db$)")
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True, slots=True)
class Limits:
    """Read from settings at call time, so a deployment (or a test) can change them."""

    max_bytes: int
    max_files: int
    max_unpacked_bytes: int
    max_ratio: int
    max_pixels: int
    max_catalog_bytes: int

    @classmethod
    def current(cls) -> Limits:
        return cls(
            max_bytes=settings.ATELIER_PACKAGE_MAX_BYTES,
            max_files=settings.ATELIER_PACKAGE_MAX_FILES,
            max_unpacked_bytes=settings.ATELIER_PACKAGE_MAX_UNPACKED_BYTES,
            max_ratio=settings.ATELIER_PACKAGE_MAX_RATIO,
            max_pixels=settings.ATELIER_PACKAGE_MAX_PIXELS,
            max_catalog_bytes=settings.ATELIER_PACKAGE_MAX_CATALOG_BYTES,
        )


@dataclass(frozen=True, slots=True)
class PackageFiles:
    """The package's files by their path inside it ("catalog.yaml", "layers/side/body.png")."""

    files: dict[str, bytes]
    catalog_name: str

    @property
    def catalog(self) -> bytes:
        return self.files[self.catalog_name]


def unsafe_name(name: str) -> bool:
    """A name that could land outside the package folder once unpacked."""
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or bool(_DRIVE.match(name)) or ".." in parts or "\x00" in name


def _megabytes(n: int) -> str:
    return f"{n / 1024**2:.1f} MB" if n >= 1024**2 else f"{n / 1024:.0f} KB"


def _zip_members(archive: zipfile.ZipFile, limits: Limits) -> tuple[list[zipfile.ZipInfo], list[PackageError]]:
    errors: list[PackageError] = []
    members = [info for info in archive.infolist() if not info.is_dir() and not IGNORED.search(info.filename)]
    if len(members) > limits.max_files:
        return [], [PackageError("", _("The package holds %(count)s files; at most %(limit)s are allowed.") % {
            "count": len(members), "limit": limits.max_files})]
    total = 0
    for info in members:
        name = info.filename
        mode = info.external_attr >> 16
        if unsafe_name(name):
            errors.append(PackageError(name, _("This path would land outside the package folder.")))
        elif stat.S_ISLNK(mode):
            errors.append(PackageError(name, _("Symbolic links are not allowed in a package.")))
        elif info.file_size > max(info.compress_size, 1) * limits.max_ratio and info.file_size > 1024 * 1024:
            errors.append(PackageError(name, _(
                "This file unpacks to %(ratio)s times its packed size (at most %(limit)s): refused as a zip bomb."
            ) % {"ratio": info.file_size // max(info.compress_size, 1), "limit": limits.max_ratio}))
        total += info.file_size
    if total > limits.max_unpacked_bytes:
        errors.append(PackageError("", _("The package unpacks to %(size)s; at most %(limit)s is allowed.") % {
            "size": _megabytes(total), "limit": _megabytes(limits.max_unpacked_bytes)}))
    return members, errors


def read_zip(stream: IO[bytes], size: int, limits: Limits | None = None) -> PackageFiles:
    """The files of a zipped package; raises PackageInvalid when it breaks a limit or is no zip."""
    limits = limits or Limits.current()
    if size > limits.max_bytes:
        raise PackageInvalid([PackageError("", _("The package is %(size)s; at most %(limit)s is allowed.") % {
            "size": _megabytes(size), "limit": _megabytes(limits.max_bytes)})])
    try:
        with zipfile.ZipFile(stream) as archive:
            members, errors = _zip_members(archive, limits)
            if errors:
                raise PackageInvalid(errors)
            files = {info.filename: archive.read(info) for info in members}
    # RuntimeError: an encrypted entry (it asks for a password); zlib.error: a broken deflate stream.
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, ValueError, RuntimeError,
            zlib.error) as exc:
        raise PackageInvalid([PackageError("", _("This is not a readable zip file (%(error)s).") % {
            "error": exc})]) from exc
    return _package(files)


def read_folder(path: Path, limits: Limits | None = None) -> PackageFiles:
    """The files of a package folder on this machine (used by `manage.py product_import`)."""
    limits = limits or Limits.current()
    errors: list[PackageError] = []
    names: list[tuple[str, Path]] = []
    total = 0
    for folder, dirs, filenames in os.walk(path, followlinks=False):
        for name in [*dirs, *filenames]:
            full = Path(folder) / name
            relative = full.relative_to(path).as_posix()
            if full.is_symlink():
                errors.append(PackageError(relative, _("Symbolic links are not allowed in a package.")))
            elif name in filenames and not IGNORED.search(relative):
                names.append((relative, full))
                total += full.stat().st_size
        if len(names) > limits.max_files:
            raise PackageInvalid([PackageError("", _(
                "The package holds more than %(limit)s files.") % {"limit": limits.max_files})])
    if total > limits.max_unpacked_bytes:
        errors.append(PackageError("", _("The package unpacks to %(size)s; at most %(limit)s is allowed.") % {
            "size": _megabytes(total), "limit": _megabytes(limits.max_unpacked_bytes)}))
    if errors:
        raise PackageInvalid(errors)
    return _package({relative: full.read_bytes() for relative, full in names})


def read_package(path: Path, limits: Limits | None = None) -> PackageFiles:
    """A package folder, or a .zip file, on this machine."""
    if path.is_dir():
        return read_folder(path, limits)
    if not path.is_file():
        raise PackageInvalid([PackageError(str(path), _("No package folder or zip file here."))])
    with path.open("rb") as stream:
        return read_zip(stream, path.stat().st_size, limits)


def _package(files: dict[str, bytes]) -> PackageFiles:
    """Find the catalog file: at the top, or in the one folder a zipped folder has at its top."""
    for name in CATALOG_NAMES:
        if name in files:
            return PackageFiles(files, name)
    tops = {PurePosixPath(name).parts[0] for name in files}
    if len(tops) == 1:
        top = tops.pop()
        inner = {name[len(top) + 1:]: body for name, body in files.items() if "/" in name}
        if any(name in inner for name in CATALOG_NAMES):
            return _package(inner)
    raise PackageInvalid([PackageError("", _(
        "The package has no catalog file: put catalog.yaml (or catalog.json) at its top.")
    )])
