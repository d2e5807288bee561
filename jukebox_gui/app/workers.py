"""The ONE seam between Qt and the core: every long job runs here, off the GUI thread.

A ``Worker`` is a QObject that stays in the GUI thread while its job runs in a QThread (see
``_JobThread`` for why it is not moved). Its ``run`` calls a core function with
``progress=`` (a sink that batches events into ``progress(list)`` signals, at most ~25 per
second so per-batch training events never flood the GUI thread) and ``cancel=`` (a CancelToken).
Results come back as ``finished(object)``, domain errors as ``failed(str)``, a user cancel as
``cancelled()``. Workers never touch widgets. Core modules (and so TensorFlow) are imported
only inside the job functions, which run in the worker thread.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal

from ..core.errors import Cancelled, JukeboxError
from ..core.progress import CancelToken

log = logging.getLogger("jukebox.app.workers")

FLUSH_INTERVAL_S = 0.04


class Worker(QObject):
    """Runs ``job(progress=..., cancel=...)`` in a QThread and relays what happens as signals."""

    progress = Signal(list)  # a list of core progress events, oldest first
    finished = Signal(object)  # the job's return value
    failed = Signal(str)  # a one-line message for a dialog
    cancelled = Signal()
    stopped = Signal()  # always emitted last, whatever the outcome

    def __init__(self, name: str, job: Callable[..., Any]) -> None:
        super().__init__()
        self.name = name
        self.job = job
        self.token = CancelToken()
        self.thread: QThread | None = None
        self._buffer: list[Any] = []
        self._last_flush = 0.0
        self._lock = threading.Lock()
        self._done = threading.Event()

    # ---- controls (called from the GUI thread) ----------------------------------------------
    def cancel(self) -> None:
        self.token.cancel()

    def pause(self) -> None:
        self.token.pause()

    def resume(self) -> None:
        self.token.resume()

    @property
    def paused(self) -> bool:
        return self.token.paused

    def is_running(self) -> bool:
        return self.thread is not None and not self._done.is_set()

    def wait(self, timeout_s: float) -> bool:
        """Block until the job has returned; True if it did within ``timeout_s``."""
        ok = self._done.wait(timeout_s)
        if ok and self.thread is not None:
            self.thread.wait(max(1, int(timeout_s * 1000)))
        return ok

    # ---- the worker thread -------------------------------------------------------------------
    def _sink(self, event: Any) -> None:
        with self._lock:
            previous = self._buffer[-1] if self._buffer else None
            self._buffer.append(event)
            now = time.monotonic()
            due = now - self._last_flush >= FLUSH_INTERVAL_S
            if previous is not None and type(previous) is not type(event):
                due = True
            if not due:
                return
            batch, self._buffer = self._buffer, []
            self._last_flush = now
        self.progress.emit(batch)

    def _flush(self) -> None:
        with self._lock:
            batch, self._buffer = self._buffer, []
        if batch:
            self.progress.emit(batch)

    def run(self) -> None:
        started = time.perf_counter()
        outcome, payload = "finished", None
        try:
            payload = self.job(progress=self._sink, cancel=self.token)
        except Cancelled:
            outcome = "cancelled"
        except JukeboxError as exc:
            outcome, payload = "failed", str(exc)
            log.warning("%s failed: %s", self.name, exc)
        except Exception as exc:  # a bug in the core: log the trace, show one line
            outcome = "failed"
            payload = f"{self.name} failed unexpectedly ({type(exc).__name__}: {exc}). See the log file."
            log.exception("%s crashed", self.name)
        self._flush()
        log.info("%s %s after %.1f s", self.name, outcome, time.perf_counter() - started)
        self._done.set()  # before the signals, so slots already see is_running() == False
        try:
            if outcome == "finished":
                self.finished.emit(payload)
            elif outcome == "failed":
                self.failed.emit(payload)
            else:
                self.cancelled.emit()
        finally:
            self.stopped.emit()
            if self.thread is not None:
                self.thread.quit()  # thread-safe; the loop ends once run() returns


class _JobThread(QThread):
    """Runs one worker's job. The Worker itself stays in the GUI thread (it is NOT moved): PySide
    delivers signals to lambdas and plain functions in the *sender's* thread, so a worker moved
    to its thread would run such slots there and touch widgets off the GUI thread (seen here as
    "QBackingStore::endPaint() called with active painter" and a segfault)."""

    def __init__(self, worker: Worker) -> None:
        super().__init__()
        self.worker = worker

    def run(self) -> None:
        background_priority()
        self.worker.run()


def background_priority(nice: int = 5) -> None:
    """Lower the calling thread's CPU priority so the GUI thread wins the CPU while jobs still get
    every idle cycle. On Linux nice is per thread and inherited by the threads and processes it
    creates: TensorFlow's thread pools and the scan's worker processes start from job threads."""
    if not sys.platform.startswith("linux"):
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, max(nice, os.getpriority(os.PRIO_PROCESS, tid)))
    except OSError:  # not allowed here: keep the normal priority
        log.debug("could not lower the job thread's priority", exc_info=True)


class JobManager(QObject):
    """Starts workers in their own threads, keeps them alive, and stops them all on close."""

    activeChanged = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._active: list[Worker] = []

    def start(self, worker: Worker) -> Worker:
        thread = _JobThread(worker)
        thread.setObjectName(f"jukebox-{worker.name}")
        worker.thread = thread
        worker.stopped.connect(self._on_stopped)
        self._active.append(worker)
        thread.start()
        self.activeChanged.emit(len(self._active))
        return worker

    def _on_stopped(self) -> None:
        worker = self.sender()
        if isinstance(worker, Worker) and worker in self._active:
            self._active.remove(worker)
            if worker.thread is not None:
                worker.thread.wait(2000)
            self.activeChanged.emit(len(self._active))

    def active(self, name: str | None = None) -> list[Worker]:
        return [w for w in self._active if w.is_running() and (name is None or w.name == name)]

    def cancel_all(self) -> None:
        for worker in list(self._active):
            worker.cancel()

    def stop_all(self, timeout_s: float = 5.0) -> bool:
        """Cancel every job and wait for all of them; True if they all stopped in time."""
        self.cancel_all()
        deadline = time.monotonic() + timeout_s
        ok = True
        for worker in list(self._active):
            ok = worker.wait(max(0.0, deadline - time.monotonic())) and ok
        return ok


# ---- the jobs: plain functions, core imported lazily (in the worker thread) ----------------------

def resolve_source(source: str) -> Path:
    """A folder path or ``demo:NAME`` -> a folder of MIDI files (demo corpora built on first use)."""
    from ..core.demo import resolve_source as core_resolve

    return Path(core_resolve(source))


def scan_worker(source: str) -> Worker:
    def job(progress, cancel):
        from ..core.data.scan import scan

        folder = resolve_source(source) if source.startswith("demo:") else Path(source)
        return scan(folder, progress=progress, cancel=cancel)

    return Worker("scan", job)


@dataclass(frozen=True)
class TrainRequest:
    source: str
    out_dir: Path
    preset: str = "tiny"
    arch: str = "lstm"
    overrides: tuple[tuple[str, Any], ...] = ()
    resume: bool = False
    from_bundle: str | None = None
    config: tuple[tuple[str, Any], ...] = ()  # a saved TrainConfig dict (resume): wins over preset


def train_worker(request: TrainRequest) -> Worker:
    def job(progress, cancel):
        load_tensorflow()
        from ..core.ml import training

        if request.config:
            from ..core.ml.config import train_config_from_dict

            config = train_config_from_dict(dict(request.config))
        else:
            config = training_config(request.preset, request.arch, dict(request.overrides))
        source = request.source
        if source.startswith("demo:"):
            source = str(resolve_source(source))
        kwargs: dict[str, Any] = {"progress": progress, "cancel": cancel}
        if request.resume:
            kwargs["resume"] = True
        if request.from_bundle:
            kwargs["from_bundle"] = request.from_bundle
        return training.train(source, request.out_dir, config, **kwargs)

    return Worker("train", job)


def training_config(preset: str, arch: str, overrides: dict[str, Any]) -> Any:
    """The core TrainConfig for a preset + architecture + advanced overrides
    (epochs, batch_size, learning_rate, seed, seq_len); ``None`` keeps the preset's value."""
    import dataclasses

    from ..core.ml.config import preset as make_preset

    config = make_preset(preset, arch)
    overrides = {k: v for k, v in overrides.items() if v is not None}
    model_fields = {f.name for f in dataclasses.fields(config.model)}
    model_changes = {k: overrides.pop(k) for k in list(overrides) if k in model_fields and k != "arch"}
    if model_changes:
        config = dataclasses.replace(config, model=dataclasses.replace(config.model, **model_changes))
    fields = {f.name for f in dataclasses.fields(config)}
    return dataclasses.replace(config, **{k: v for k, v in overrides.items() if k in fields})


def load_bundle(name_or_path: str) -> Any:
    from ..core.ml import bundle as bundles

    path = Path(name_or_path)
    if path.exists():
        return bundles.load_bundle(path)
    return bundles.load_bundle(bundles.resolve_bundle(name_or_path))


def generate_worker(model: str, settings: dict[str, Any]) -> Worker:
    def job(progress, cancel):
        load_tensorflow()
        from ..core.ml.generation import GenerationConfig, generate

        import dataclasses

        known = {f.name for f in dataclasses.fields(GenerationConfig)}
        unknown = sorted(k for k, v in settings.items() if v is not None and k not in known)
        if unknown:
            log.warning("generation settings not supported by the core, ignored: %s", unknown)
        bundle = load_bundle(model)
        config = GenerationConfig(**{k: v for k, v in settings.items() if v is not None and k in known})
        return generate(bundle, config, progress=progress, cancel=cancel)

    return Worker("generate", job)


def list_models() -> list[dict[str, Any]]:
    """Built-in and trained models with their validation figures (reads small JSON files)."""
    import json

    from ..core.ml import bundle as bundles
    from ..core.ml.builtin_models import BUILTIN_MODELS, available_builtins

    rows: list[dict[str, Any]] = []
    for name, folder in sorted(available_builtins().items()):
        rows.append({"name": name, "ref": f"builtin:{name}", "path": str(folder), "builtin": True,
                     "corpus": BUILTIN_MODELS[name].corpus, **_training_figures(folder, json)})
    for info in bundles.list_bundles():
        row = {"name": info.name, "ref": str(info.path), "path": str(info.path), "builtin": False,
               "arch": info.arch, "preset": info.preset, "created": info.created, "ok": info.ok,
               "problem": info.problem, **_training_figures(info.path, json)}
        rows.append(row)
    return rows


def _training_figures(folder: Path | str, json: Any) -> dict[str, Any]:
    folder = Path(folder)
    out: dict[str, Any] = {}
    try:
        training = json.loads((folder / "training.json").read_text(encoding="utf-8"))
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return out
    out["arch"] = config.get("arch")
    out["created"] = config.get("created")
    out["val_loss"] = training.get("best_val_loss")
    out["val_perplexity"] = training.get("val_perplexity")
    corpus = training.get("corpus") or {}
    if isinstance(corpus, dict) and corpus.get("pieces"):
        source = corpus.get("source")
        label = f"{corpus['pieces']} pieces"
        out.setdefault("corpus", f"{Path(source).name or source} ({label})" if source else label)
    return out


def list_models_worker() -> Worker:
    return Worker("models", lambda progress, cancel: list_models())


def render_worker(score: Any, soundfont: str | None) -> Worker:
    def job(progress, cancel):
        from ..core.audio.render import render_score

        return render_score(score, soundfont=soundfont or None, progress=progress, cancel=cancel)

    return Worker("render", job)


def export_worker(kind: str, score: Any, path: Path, samples: Any = None, sample_rate: int = 44100) -> Worker:
    """``kind``: midi, musicxml, wav or musescore. Returns the written path."""

    def job(progress, cancel):
        if kind == "midi":
            from ..core.music.midi_io import write_midi

            write_midi(score, path)
        elif kind == "musicxml":
            from ..core.music.musicxml import export_musicxml

            export_musicxml(score, path)
        elif kind == "wav":
            from ..core.audio.wav import write_wav

            data = samples
            if data is None:
                from ..core.audio.render import render_score

                data = render_score(score, progress=progress, cancel=cancel)
            write_wav(path, data, sample_rate)
        elif kind == "musescore":
            from ..core.music.midi_io import write_midi
            from ..core.music.musescore import open_in_musescore

            write_midi(score, path)
            open_in_musescore(path)
        else:
            raise JukeboxError(f"unknown export format {kind!r}")
        return path

    return Worker(f"export-{kind}", job)


_tf_lock = threading.Lock()
_tf_loaded = False
TF_LIBRARIES = ("libtensorflow_framework.so.2", "libtensorflow_cc.so.2")


def _preload_tensorflow_libraries() -> None:
    """dlopen TensorFlow's big C++ libraries through a ctypes call, which releases the GIL.

    Importing TensorFlow's first extension module otherwise loads ~1.2 GB of libraries while
    holding the GIL: the GUI thread froze for ~250 ms here. Linux only; elsewhere a no-op."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import importlib.util
    import os

    try:
        spec = importlib.util.find_spec("tensorflow")
        libc = ctypes.CDLL(None)
        dlopen = libc.dlopen
    except (ImportError, OSError, AttributeError, ValueError):
        return
    if spec is None or not spec.origin:
        return
    dlopen.restype = ctypes.c_void_p
    dlopen.argtypes = [ctypes.c_char_p, ctypes.c_int]
    folder = os.path.dirname(spec.origin)
    for name in TF_LIBRARIES:
        path = os.path.join(folder, name)
        if os.path.exists(path):
            dlopen(path.encode(), os.RTLD_NOW)


def load_tensorflow() -> None:
    """Import the ML core (and so TensorFlow) without freezing the GUI thread; call it from a
    worker thread. Besides the GIL-free library preload, the garbage collector is paused during
    the import (full collections of the growing heap held the GIL for up to ~150 ms) and the
    imported objects are then frozen out of later collections."""
    global _tf_loaded
    with _tf_lock:
        if _tf_loaded:
            return
        started = time.perf_counter()
        _preload_tensorflow_libraries()
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            from ..core.ml import training  # noqa: F401  (imports keras and tensorflow)
        finally:
            gc.freeze()
            if was_enabled:
                gc.enable()
        _tf_loaded = True
        log.info("TensorFlow loaded in %.1f s", time.perf_counter() - started)


def warm_up_parsers() -> threading.Thread:
    """Start the MIDI parser process server (at job priority) so the first scan starts at once."""

    def target() -> None:
        background_priority()  # the server and every parser process forked from it inherit it
        try:
            from ..core.data.parser_pool import warm_up

            warm_up()
        except Exception:  # optional, as above
            log.debug("parser warm-up failed", exc_info=True)

    thread = threading.Thread(target=target, name="jukebox-parser-warmup", daemon=True)
    thread.start()
    return thread


def warm_up_tensorflow() -> threading.Thread:
    """Load TensorFlow in a daemon thread so the first training starts sooner."""

    def target() -> None:
        background_priority()
        try:
            load_tensorflow()
        except Exception:  # warming up is optional: the real job reports real errors
            log.debug("TensorFlow warm-up failed", exc_info=True)

    thread = threading.Thread(target=target, name="jukebox-tf-warmup", daemon=True)
    thread.start()
    return thread
