"""The bytes, kept once per content under ``<data dir>/attachments``: ``ab/cd/<sha256>``
(two levels of fan-out), thumbnails beside them under ``thumbnails/ab/cd/<sha256>.jpg``.
Directories are 0700 and files 0600, like the signing keys; every file is written to a
temporary name in its directory and renamed into place, so a reader never sees half a
file and the same bytes stored twice at once are stored once."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
_HASH = re.compile(r"[0-9a-f]{64}")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Store:
    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir.resolve() / "attachments"
        self.thumbnails = self.root / "thumbnails"

    # where ------------------------------------------------------------------------------
    def path(self, sha256: str) -> Path:
        _check(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def thumbnail_path(self, sha256: str) -> Path:
        _check(sha256)
        return self.thumbnails / sha256[:2] / sha256[2:4] / f"{sha256}.jpg"

    # writing ----------------------------------------------------------------------------
    def put(self, data: bytes) -> str:
        """Keeps ``data``; answers its hash. Written afresh even when present, so that its
        modification time says it is in use again (the cleanup spares recent files)."""
        sha256 = digest(data)
        _write(self.path(sha256), data, self.root)
        return sha256

    def put_thumbnail(self, sha256: str, data: bytes) -> None:
        _write(self.thumbnail_path(sha256), data, self.root)

    # reading ----------------------------------------------------------------------------
    def read(self, sha256: str) -> bytes | None:
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError:
            return None

    def read_thumbnail(self, sha256: str) -> bytes | None:
        try:
            return self.thumbnail_path(sha256).read_bytes()
        except FileNotFoundError:
            return None

    # cleaning ---------------------------------------------------------------------------
    def stored(self, older_than_s: float) -> Iterator[str]:
        """Hashes of the files not written in the last ``older_than_s`` seconds."""
        if not self.root.is_dir():
            return
        cutoff = time.time() - older_than_s
        for first in sorted(self.root.iterdir()):
            if len(first.name) != 2 or not first.is_dir():
                continue  # the thumbnails directory, or something not ours
            for second in sorted(first.iterdir()):
                for file in sorted(second.iterdir()):
                    if file.stat().st_mtime >= cutoff:
                        continue
                    if _HASH.fullmatch(file.name):
                        yield file.name
                    elif file.name.startswith(".tmp-"):  # left by a crash while writing
                        file.unlink(missing_ok=True)

    def remove(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)
        self.thumbnail_path(sha256).unlink(missing_ok=True)


def _check(sha256: str) -> None:
    if not _HASH.fullmatch(sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")


def _make_dirs(path: Path, root: Path) -> None:
    """``path`` and its parents up to the data directory, each 0700."""
    missing = []
    for parent in (path, *path.parents):
        if parent.is_dir():
            break
        missing.append(parent)
        if parent == root.parent:
            break
    for directory in reversed(missing):
        with contextlib.suppress(FileExistsError):
            directory.mkdir(mode=DIR_MODE)
        os.chmod(directory, DIR_MODE)  # whatever the umask


def _write(path: Path, data: bytes, root: Path) -> None:
    _make_dirs(path.parent, root)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")  # created 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, FILE_MODE)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
