"""Demo corpora: MIDI collections built from music21's bundled corpus, cached in the data folder.

``demo_corpus_dir("irish")`` builds ``data_dir()/demo/irish`` on first use (in a temp folder that
is renamed into place, under a lock, so neither an interrupted build nor two processes building
at once leave a half corpus) and returns the cached folder instantly afterwards. A manifest with
a builder version stamp makes a changed builder (or music21 version) rebuild.

Anywhere a corpus folder is accepted, ``resolve_source("demo:irish")`` turns the name into it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from .errors import Cancelled, CorpusError
from .fileio import atomic_write_bytes, atomic_write_json
from .progress import CancelToken, Progress, ProgressSink

log = logging.getLogger("jukebox.demo")

DEMO_CORPORA: dict[str, str] = {
    "irish": "Irish fiddle tunes: 500 airs, jigs, reels and hornpipes from O'Neill's 1850 collection",
    "bach": "Bach's four-part chorales (about 400), one track per voice",
}
DEMO_PREFIX = "demo:"
BUILDER_VERSION = 2  # bump when the conversion changes: cached corpora then rebuild
_BUILDER_MODULES = ("demo_sources.py", "music/m21_convert.py", "music/midi_io.py")
MANIFEST = "manifest.json"
CHUNK = 20  # work items per worker task
WORKERS = 2
COPY_THREADS = 16


@dataclass(frozen=True)
class DemoResult:
    written: int
    skipped: int
    folder: Path


@functools.lru_cache(maxsize=1)
def builder_stamp() -> str:
    """The version plus a digest of the builder's source: any change to it rebuilds the corpora."""
    digest = hashlib.sha256()
    for relative in _BUILDER_MODULES:
        with contextlib.suppress(OSError):
            digest.update((Path(__file__).parent / relative).read_bytes())
    return f"{BUILDER_VERSION}-{digest.hexdigest()[:12]}"


def _check_name(name: str) -> str:
    if name not in DEMO_CORPORA:
        raise CorpusError(f"unknown demo corpus {name!r}; available: {', '.join(sorted(DEMO_CORPORA))}")
    return name


def _root() -> Path:
    from .paths import data_dir

    return data_dir() / "demo"


def _read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest of a complete, current corpus folder, else None."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    from .demo_sources import music21_version

    if not isinstance(manifest, dict) or manifest.get("builder_version") != builder_stamp():
        return None
    if manifest.get("music21") != music21_version():
        return None
    files = manifest.get("files")
    if not isinstance(files, list) or not files:
        return None
    present = {p.name for p in folder.glob("*.mid")}
    if any(not isinstance(entry, dict) or entry.get("file") not in present for entry in files):
        return None
    return manifest


def demo_corpus_dir(name: str, *, progress: ProgressSink | None = None,
                    cancel: CancelToken | None = None) -> Path:
    """The cached MIDI folder of a demo corpus, built on first use."""
    _check_name(name)
    folder = _root() / name
    if _read_manifest(folder) is not None:
        return folder
    with _build_lock(_root() / f".{name}.lock"):
        if _read_manifest(folder) is not None:  # another process built it while we waited
            return folder
        _build(name, folder, progress, cancel)
    return folder


def write_demo(name: str, out_dir: str | os.PathLike, *, progress: ProgressSink | None = None,
               cancel: CancelToken | None = None) -> DemoResult:
    """Copy a demo corpus's ``.mid`` files (built first if needed) into ``out_dir``."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise CorpusError(f"{out} exists and is not a folder")
    source = demo_corpus_dir(name, progress=progress, cancel=cancel)
    manifest = _read_manifest(source) or {}
    files = [entry["file"] for entry in manifest.get("files", [])]
    copy = lambda file_name: atomic_write_bytes(out / file_name, (source / file_name).read_bytes())  # noqa: E731
    # Each write fsyncs; concurrent fsyncs share journal commits (~8x faster than one by one).
    with ThreadPoolExecutor(max_workers=COPY_THREADS) as pool:
        futures = [pool.submit(copy, file_name) for file_name in files]
        try:
            for index, future in enumerate(as_completed(futures), 1):
                future.result()
                if cancel is not None:
                    cancel.raise_if_cancelled()
                if progress is not None and (index % 50 == 0 or index == len(files)):
                    progress(Progress(stage=f"demo:{name}", done=index, total=len(files), message="copying"))
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return DemoResult(written=len(files), skipped=len(manifest.get("skipped", [])), folder=out)


def resolve_source(source: str | os.PathLike, *, progress: ProgressSink | None = None,
                   cancel: CancelToken | None = None) -> Path:
    """The one corpus-source resolver (scan, training, the window and the CLI all come here):
    ``demo:NAME`` -> the demo corpus folder (built on first use); an existing folder -> its path;
    anything else -> CorpusError naming the demo corpora."""
    text = os.fspath(source)
    if text.startswith(DEMO_PREFIX):
        return demo_corpus_dir(text[len(DEMO_PREFIX):], progress=progress, cancel=cancel)
    names = ", ".join(f"{DEMO_PREFIX}{n}" for n in sorted(DEMO_CORPORA))
    if not text.strip():
        raise CorpusError(f"no corpus given; give a folder of MIDI files or one of: {names}")
    path = Path(text).expanduser()
    if path.is_dir():
        return path
    shown = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")  # names need not be UTF-8
    reason = "not a folder" if path.exists() else "no such folder"
    raise CorpusError(f"{reason}: {shown}; give a folder of MIDI files or one of: {names}")


# ---- building -----------------------------------------------------------------------------------
@contextlib.contextmanager
def _build_lock(lock_path: Path) -> Iterator[None]:
    """An exclusive inter-process lock (POSIX flock; elsewhere no lock)."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with open(lock_path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def safe_filename(title: str, taken: set[str], *, limit: int = 80) -> str:
    """A portable ``.mid`` file name for a title, unique within ``taken`` (case-insensitively)."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^A-Za-z0-9.\-]+", "_", ascii_text).strip("._-")[:limit].rstrip("._-") or "untitled"
    candidate, counter = stem, 2
    while candidate.lower() in taken:
        candidate = f"{stem}_{counter}"
        counter += 1
    taken.add(candidate.lower())
    return f"{candidate}.mid"


def _build(name: str, folder: Path, progress: ProgressSink | None, cancel: CancelToken | None) -> None:
    from .demo_sources import music21_version, plan

    started = time.monotonic()
    items = plan(name)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.building.", dir=folder.parent))
    try:
        files: list[dict[str, str]] = []
        skipped: list[dict[str, str]] = []
        taken: set[str] = set()
        for done, result in _convert_all(name, items, cancel):
            if "midi" in result:
                file_name = safe_filename(result["title"], taken)
                atomic_write_bytes(tmp / file_name, result["midi"])
                files.append({"source": result["source"], "title": result["title"], "file": file_name})
            else:
                skipped.append({"source": result["source"], "error": result["error"]})
            if progress is not None:
                progress(Progress(stage=f"demo:{name}", done=done, total=len(items), message=result["title"]))
            if cancel is not None:
                cancel.raise_if_cancelled()
        if not files:
            raise CorpusError(f"demo corpus {name!r}: music21 could not convert any tune")
        seconds = round(time.monotonic() - started, 1)
        atomic_write_json(tmp / MANIFEST, {
            "corpus": name, "description": DEMO_CORPORA[name], "builder_version": builder_stamp(),
            "music21": music21_version(), "source": "music21 bundled corpus", "build_seconds": seconds,
            "files": files, "skipped": skipped,
        })
        _make_readable(tmp)
        _swap_into_place(tmp, folder)
        log.info("built demo corpus %s: %d files, %d skipped, %.1f s", name, len(files), len(skipped), seconds)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _make_readable(folder: Path) -> None:
    """mkdtemp/mkstemp make private modes; give the corpus ordinary ones."""
    with contextlib.suppress(OSError):
        folder.chmod(0o755)
        for path in folder.iterdir():
            path.chmod(0o644)


def _swap_into_place(tmp: Path, folder: Path) -> None:
    old = None
    if folder.exists():
        old = folder.with_name(f".{folder.name}.old.{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(folder, old)
    os.replace(tmp, folder)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _convert_all(name: str, items: list[tuple[str, str]],
                 cancel: CancelToken | None) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(items done, result)`` in plan order, converting chunks in a 'spawn' pool."""
    from .demo_sources import convert_chunk

    chunks = [items[i:i + CHUNK] for i in range(0, len(items), CHUNK)]
    done = 0
    workers = min(WORKERS, os.cpu_count() or 1, len(chunks))
    if workers <= 1:
        for item in items:
            if cancel is not None:
                cancel.raise_if_cancelled()
            done += 1
            yield done, convert_chunk(name, [item])[0]
        return
    import multiprocessing

    pool = multiprocessing.get_context("spawn").Pool(workers)
    try:
        pending = [pool.apply_async(convert_chunk, (name, chunk)) for chunk in chunks]
        for job in pending:
            while not job.ready():
                if cancel is not None and cancel.cancelled:
                    raise Cancelled("cancelled by the user")
                job.wait(0.2)
            for result in job.get():
                done += 1
                yield done, result
        pool.close()
    finally:
        pool.terminate()
        pool.join()
