"""Files only mailbot's own user may read: every folder mailbot creates is 0700 and every file
0600, whatever the process umask.

Mail, alerts, reports and exports name children (special category data), so the mode is set
exactly after creation: ``os.mkdir``, ``os.open`` and ``mkstemp`` all let the umask take bits
away, and a umask can as easily be too loose as too tight. Folders and files that already exist
keep the mode their owner gave them. This is the one copy of that rule; the Maildir adapters,
the SQLite store, reports and subject access exports all create their files through it.

- ``make_private_dir``: a folder and its missing parents, 0700.
- ``create_private_file``: a new file opened exclusively (a name no one can have planted), 0600.
- ``write_private_file``: a whole file written beside its place and renamed over it, 0600.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

from .errors import UsageError

__all__ = ["PRIVATE_FILE", "PRIVATE_DIR", "make_private_dir", "create_private_file", "write_private_file"]

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def make_private_dir(folder: Path, *, exist_ok: bool = True) -> None:
    """Create ``folder`` and its missing parents 0700 whatever the umask; a folder that exists
    is left as it is (its owner chose its mode). Without ``exist_ok`` an existing ``folder``
    raises FileExistsError, as ``os.mkdir`` does (a folder that must be new, such as an
    export's staging folder)."""
    folder = Path(folder)
    missing = []
    each = folder
    while not each.exists() and each != each.parent:
        missing.append(each)
        each = each.parent
    if not missing and not exist_ok:
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(folder))
    for each in reversed(missing):
        try:
            os.mkdir(each, PRIVATE_DIR)
        except FileExistsError:
            if each == folder and not exist_ok:
                raise
            continue  # made meanwhile by another process: not ours to change
        os.chmod(each, PRIVATE_DIR)  # mkdir honours the umask, which may take bits away


def create_private_file(path: Path, flags: int, *, exist_ok: bool = False) -> int:
    """Open ``path`` with ``flags``, creating it 0600 whatever the umask; returns the descriptor.
    The file is created exclusively, so an existing one raises FileExistsError; with
    ``exist_ok`` it is opened as it is instead (a log appended to)."""
    try:
        fd = os.open(path, flags | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        if not exist_ok:
            raise
        return os.open(path, flags)
    try:
        os.fchmod(fd, PRIVATE_FILE)  # os.open honours the umask, which may take bits away
    except BaseException:
        os.close(fd)  # the caller never sees the descriptor, so it must not leak
        raise
    return fd


def write_private_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` as a file only its owner can read (0600 whatever the umask;
    a missing folder is made 0700). It is written beside ``path`` and renamed over it, so a
    failure leaves the old file or none, never half a file; it is reported as one UsageError
    line naming ``path``."""
    path = Path(path)
    temporary: str | None = None
    try:
        make_private_dir(path.parent)
        # mkstemp: a new file with a name no one can have planted (0600, made exclusively).
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with open(fd, "wb") as handle:
            os.fchmod(handle.fileno(), PRIVATE_FILE)  # mkstemp's mode minus the umask: say it exactly
            handle.write(data)
        os.replace(temporary, path)
    except OSError as exc:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
