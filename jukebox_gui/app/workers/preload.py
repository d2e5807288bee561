"""Loading TensorFlow without freezing the GUI thread, and the warm-up threads the window starts
at launch (parser processes, TensorFlow) so the first scan and the first training start sooner."""

from __future__ import annotations

import gc
import logging
import os
import sys
import threading
import time

from .threads import background_priority

log = logging.getLogger("jukebox.app.workers")

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
            from ...core.ml import training  # noqa: F401  (imports keras and tensorflow)
        finally:
            gc.freeze()
            if was_enabled:
                gc.enable()
        _tf_loaded = True
        log.info("TensorFlow loaded in %.1f s", time.perf_counter() - started)


def _warm_up(name: str, what: str, work) -> threading.Thread:
    """Run ``work`` in a daemon thread at job priority; a failure is only logged (the real job
    reports real errors)."""

    def target() -> None:
        background_priority()  # processes forked from this thread inherit it too
        try:
            work()
        except Exception:  # warming up is optional
            log.debug("%s warm-up failed", what, exc_info=True)

    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread


def warm_up_parsers() -> threading.Thread:
    """Start the MIDI parser process server (at job priority) so the first scan starts at once."""

    def work() -> None:
        from ...core.data.parser_pool import warm_up

        warm_up()

    return _warm_up("jukebox-parser-warmup", "parser", work)


def warm_up_tensorflow() -> threading.Thread:
    """Load TensorFlow in a daemon thread so the first training starts sooner."""
    return _warm_up("jukebox-tf-warmup", "TensorFlow", load_tensorflow)
