"""The default file storage, and what the site knows about its health.

`AtomicFileSystemStorage` is Django's FileSystemStorage, except that a file is written under a
temporary name in its own folder and linked into place only once it is complete (and on disk):
a reader never opens half a file, and a write that fails (a full disk, a killed worker's soft
time limit) leaves nothing under the real name. The temporary file is removed on any error. Like
FileSystemStorage it never replaces an existing file (a reader may have it open); a taken name
gets a fresh one. Object storages (S3 and the like) store an upload whole or not at all, so they
need nothing of this.

`storage_failed` and `storage_problem` are the cheap signal /health/ reads: a write that failed
in the last minute, in any process (through the shared cache), or less free space than
ATELIER_STORAGE_MIN_FREE_BYTES on a local file system (one statvfs).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import secrets
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.utils._os import safe_makedirs

logger = logging.getLogger(__name__)

TEMP_SUFFIX = ".part"
# How long a failed write keeps /health/ degraded unless another one fails meanwhile.
FAILURE_SECONDS = 60
_FAILURE_KEY = "atelier:storage:failure"
_local_failure: dict = {}


def is_temp_name(name: str) -> bool:
    """Whether `name` (a storage name or a base name) is a write in progress or left behind."""
    base = name.rsplit("/", 1)[-1]
    return base.startswith(".") and base.endswith(TEMP_SUFFIX)


class AtomicFileSystemStorage(FileSystemStorage):
    def _save(self, name, content):
        if hasattr(content, "temporary_file_path"):  # an upload already on disk: Django renames it into place
            return super()._save(name, content)
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        if self.directory_permissions_mode is not None:
            safe_makedirs(directory, self.directory_permissions_mode, exist_ok=True)
        else:
            os.makedirs(directory, exist_ok=True)
        temp = os.path.join(directory, f".{os.path.basename(full_path)}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
        try:
            _write(temp, content)
            if self.file_permissions_mode is not None:
                os.chmod(temp, self.file_permissions_mode)
            full_path = self._place(temp, name, full_path)
        finally:
            with contextlib.suppress(FileNotFoundError):  # linked into place: only its name goes
                os.unlink(temp)
        self._ensure_location_group_id(full_path)
        return os.path.relpath(full_path, self.location).replace("\\", "/")

    def _place(self, temp: str, name: str, full_path: str) -> str:
        """Give the complete file its real name, choosing another if that one is taken. A hard
        link is atomic and never replaces a file; a file system without them gets a rename."""
        while True:
            try:
                if self._allow_overwrite:
                    os.replace(temp, full_path)
                else:
                    os.link(temp, full_path)
                return full_path
            except FileExistsError:
                name = self.get_available_name(name)
                full_path = self.path(name)
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
                    raise
                if os.path.exists(full_path):
                    name = self.get_available_name(name)
                    full_path = self.path(name)
                os.rename(temp, full_path)
                return full_path


def _write(path: str, content) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    handle = None
    try:
        for chunk in content.chunks():
            if handle is None:
                handle = os.fdopen(fd, "wb" if isinstance(chunk, bytes) else "wt")
            handle.write(chunk)
        if handle is not None:
            handle.flush()
        # On disk before it gets its name, so that a crash cannot leave an empty file behind it.
        os.fsync(fd)
    finally:
        if handle is not None:
            handle.close()
        else:
            os.close(fd)


def free_bytes(storage: Storage | None = None) -> int | None:
    """Free bytes where a local file storage keeps its files (for unprivileged users); None for
    a storage that is not on a local file system."""
    storage = storage or default_storage
    try:
        path = Path(storage.path(""))
    except NotImplementedError:
        return None
    while not path.exists() and path != path.parent:  # MEDIA_ROOT not made yet: its file system
        path = path.parent
    stat = os.statvfs(path)
    return stat.f_bavail * stat.f_frsize


def headroom_check(storage: Storage | None = None) -> None:
    """OSError(ENOSPC) when writing a cached file would leave less than
    ATELIER_STORAGE_MIN_FREE_BYTES free: renders never take the room the database and uploads
    need on a shared disk."""
    free = free_bytes(storage)
    if free is not None and free < settings.ATELIER_STORAGE_MIN_FREE_BYTES:
        raise OSError(errno.ENOSPC, "less free space than ATELIER_STORAGE_MIN_FREE_BYTES")


def error_code(exc: BaseException) -> str:
    """"ENOSPC" and the like for an OSError, else the exception's class name (never its text,
    which may name paths)."""
    if isinstance(exc, OSError) and exc.errno in errno.errorcode:
        return errno.errorcode[exc.errno]
    return type(exc).__name__


def storage_failed(exc: BaseException) -> None:
    """Remember, for FAILURE_SECONDS and in every process that shares the cache, that a write
    to storage failed."""
    failure = {"error": error_code(exc), "at": time.time()}
    _local_failure.update(failure)
    cache.set(_FAILURE_KEY, failure, FAILURE_SECONDS)  # (Redis away: logged, this process still knows)


def storage_problem() -> str | None:
    """Why writing to storage fails or is about to ("ENOSPC", "EROFS", ...), or None."""
    free = free_bytes()
    if free is not None and free < settings.ATELIER_STORAGE_MIN_FREE_BYTES:
        return errno.errorcode[errno.ENOSPC]
    failure = cache.get(_FAILURE_KEY) or _local_failure
    if failure and time.time() - failure["at"] < FAILURE_SECONDS:
        return failure["error"]
    return None


def storage_failures_forget() -> None:
    """(Tests.) Forget failed writes."""
    _local_failure.clear()
    cache.delete(_FAILURE_KEY)
