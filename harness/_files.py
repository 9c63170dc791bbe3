"""Writing result files so that they are never half-written: a temporary file, then a rename."""

from __future__ import annotations

import os
import tempfile


def write_atomically(path: str | os.PathLike, text: str | bytes) -> None:
    """Write ``text`` (str or bytes) to ``path`` through a temporary file and a rename.

    A reader sees the old file or the new one, never part of one; a failure leaves no
    temporary file behind.

    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "result.json"
    >>> write_atomically(target, '{"ok": true}')
    >>> target.read_text()
    '{"ok": true}'
    """
    path = os.fspath(path)
    suffix = os.path.splitext(path)[1] or ".out"
    handle, temporary = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)),
                                         prefix=".adharness-", suffix=f"{suffix}.tmp")
    try:
        with os.fdopen(handle, "wb" if isinstance(text, bytes) else "w") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o666 & ~umask())  # mkstemp makes it private; keep the usual mode
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def umask() -> int:
    """The process's file-creation mask (read without changing it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
