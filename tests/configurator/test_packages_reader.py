"""A package's folder or zip is refused before it is unpacked when it could hurt: too large, too
many files, a zip bomb, or names that escape the folder."""

from __future__ import annotations

import io
import os
import zipfile

import pytest

from configurator.packages.errors import PackageInvalid
from configurator.packages.reader import read_package, read_zip

from .packages import watch_copy, zipped

pytestmark = pytest.mark.usefixtures("english")


def _zip(entries: dict[str, bytes], symlinks: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in entries.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if name in symlinks:
                info.external_attr = 0o120777 << 16
            archive.writestr(info, body)
    return buffer.getvalue()


def _refused(body: bytes) -> list[str]:
    with pytest.raises(PackageInvalid) as caught:
        read_zip(io.BytesIO(body), len(body))
    return [str(error) for error in caught.value.errors]


def test_a_zipped_folder_is_read_with_or_without_its_top_folder(tmp_path):
    folder = watch_copy(tmp_path)
    flat = read_zip(io.BytesIO(zipped(folder)), len(zipped(folder)))
    nested = _zip({f"watch/{name}": body for name, body in flat.files.items()})
    inner = read_zip(io.BytesIO(nested), len(nested))
    assert flat.catalog_name == inner.catalog_name == "catalog.yaml"
    assert inner.files == flat.files
    assert "layers/dial/case-gold.png" in flat.files


@pytest.mark.parametrize("name", ["../evil.png", "layers/../../evil.png", "/etc/cron.d/evil", "C:/evil.png",
                                  "..\\evil.png"])
def test_paths_that_escape_the_folder_are_refused(name):
    found = _refused(_zip({"catalog.yaml": b"format_version: 1\n", name: b"x"}))
    assert found == [f"{name}: This path would land outside the package folder."]


def test_symlinks_in_a_zip_are_refused():
    found = _refused(_zip({"catalog.yaml": b"x", "layers/a.png": b"/etc/passwd"}, symlinks=("layers/a.png",)))
    assert found == ["layers/a.png: Symbolic links are not allowed in a package."]


def test_symlinks_in_a_folder_are_refused(tmp_path):
    folder = watch_copy(tmp_path)
    os.symlink("/etc/passwd", folder / "layers" / "secret.png")
    with pytest.raises(PackageInvalid) as caught:
        read_package(folder)
    assert [str(e) for e in caught.value.errors] == ["layers/secret.png: Symbolic links are not allowed in a package."]


def test_too_many_files_are_refused_before_reading(settings):
    settings.ATELIER_PACKAGE_MAX_FILES = 5
    found = _refused(_zip({f"layers/{n}.png": b"x" for n in range(6)}))
    assert found == ["The package holds 6 files; at most 5 are allowed."]


def test_an_oversized_archive_is_refused(settings, tmp_path):
    settings.ATELIER_PACKAGE_MAX_BYTES = 50 * 1024
    body = zipped(watch_copy(tmp_path))
    assert _refused(body) == [f"The package is {len(body) / 1024:.0f} KB; at most 50 KB is allowed."]


def test_a_zip_bomb_is_refused_by_its_ratio():
    found = _refused(_zip({"catalog.yaml": b"x", "layers/bomb.png": b"\0" * (20 * 1024 * 1024)}))
    assert len(found) == 1
    assert found[0].startswith("layers/bomb.png: This file unpacks to ")
    assert "refused as a zip bomb" in found[0]


def test_too_much_unpacked_data_is_refused(settings):
    settings.ATELIER_PACKAGE_MAX_UNPACKED_BYTES = 1024
    assert _refused(_zip({"catalog.yaml": os.urandom(2048)})) == [
        "The package unpacks to 2 KB; at most 1 KB is allowed."]


def test_something_that_is_not_a_zip():
    [found] = _refused(b"PK\x03\x04 not really a zip")
    assert found.startswith("This is not a readable zip file")


def test_an_encrypted_entry_or_a_broken_stream_is_no_readable_zip():
    """Entries a zip reader cannot unpack (one that asks for a password, a deflate stream that
    is broken) are refused like any unreadable zip, never a server error."""
    body = _zip({"catalog.yaml": b"format_version: 1\n" * 50})
    encrypted = bytearray(body)
    encrypted[6] |= 1  # the "encrypted" flag, in the local header and in the central directory
    encrypted[body.find(b"PK\x01\x02") + 8] |= 1
    broken = bytearray(body)
    start = 30 + len("catalog.yaml")  # the entry's data, after its local header
    broken[start:start + 4] = b"\xff\xff\xff\xff"
    for damaged in (encrypted, broken):
        [found] = _refused(bytes(damaged))
        assert found.startswith("This is not a readable zip file"), found


def test_a_package_without_a_catalog_file():
    assert _refused(_zip({"layers/a.png": b"x"})) == [
        "The package has no catalog file: put catalog.yaml (or catalog.json) at its top."]
