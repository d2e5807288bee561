"""Atomic file writes: write a temp file beside the target, fsync, rename into place.

A crash, a full disk or a read-only folder never leaves a half-written target: the previous
file stays as it was and the caller gets an ``ExportError`` with a readable reason.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import tempfile
from pathlib import Path
from typing import IO, Any, Iterator

from .errors import ExportError


def _explain(exc: OSError, path: Path) -> str:
    if exc.errno == errno.ENOSPC:
        return f"the disk is full, could not write {path}"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"no permission to write {path} (read-only folder?)"
    if exc.errno == errno.ENOENT:
        return f"the folder for {path} does not exist"
    return f"could not write {path}: {exc.strerror or exc}"


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike, mode: str = "wb", *, durable: bool = True) -> Iterator[IO[Any]]:
    """Yield a file object; on clean exit it replaces ``path`` atomically.

    ``durable=False`` skips the fsyncs: still never half-written while the machine runs, but a
    power cut may leave the old file or an empty one. Only for caches, whose readers treat an
    unreadable file as missing."""
    target = Path(path)
    tmp_name = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as handle:
            yield handle
            handle.flush()
            os.fchmod(handle.fileno(), _permissions(target))
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp_name, target)
        tmp_name = None
        if durable:
            _fsync_dir(target.parent)
    except OSError as exc:
        raise ExportError(_explain(exc, target)) from exc
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)


def _read_umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


_UMASK = _read_umask()  # read once at import: os.umask is process-wide and not thread-safe


def _permissions(target: Path) -> int:
    """Keep an existing file's mode; a new file gets 0666 less the umask (mkstemp makes 0600)."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        return 0o666 & ~_UMASK


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_bytes(path: str | os.PathLike, data: bytes, *, durable: bool = True) -> None:
    with atomic_writer(path, "wb", durable=durable) as handle:
        handle.write(data)


def atomic_write_text(path: str | os.PathLike, text: str, *, durable: bool = True) -> None:
    with atomic_writer(path, "w", durable=durable) as handle:
        handle.write(text)


def atomic_write_json(path: str | os.PathLike, obj: Any, *, compact: bool = False) -> None:
    """``compact`` for machine data: no indentation, so json's C encoder writes it (with an
    indent the pure-Python encoder holds a list of every fragment: a 20,000-file corpus's
    originality index took about 800 MB more to write than it holds)."""
    if compact:
        text = json.dumps(obj, separators=(",", ":"), sort_keys=True, default=_json_default)
    else:
        text = json.dumps(obj, indent=2, sort_keys=True, default=_json_default)
    atomic_write_text(path, text + "\n")


def _json_default(obj: Any) -> Any:
    import dataclasses

    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "tolist"):  # numpy scalars and arrays
        return obj.tolist()
    raise TypeError(f"cannot write {type(obj).__name__} as JSON")
