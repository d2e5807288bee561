"""The crash handler: log every uncaught exception; show a dialog only on the GUI thread.

Worker errors normally arrive as ``failed(str)`` signals; this is the last line for bugs.
An exception in another thread is logged and then reported on the GUI thread through a
queued signal, never by touching widgets from that thread.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal
from PySide6.QtWidgets import QApplication, QMessageBox

log = logging.getLogger("jukebox.crash")


class _Relay(QObject):
    crashed = Signal(str, str)  # summary, details


_relay: _Relay | None = None
_log_path = ""
_showing = False


def _on_gui_thread() -> bool:
    app = QCoreApplication.instance()
    return app is not None and QThread.currentThread() is app.thread()


def _show(summary: str, details: str) -> None:
    global _showing
    if _showing or QApplication.instance() is None:
        return
    _showing = True
    try:
        box = QMessageBox(QApplication.activeWindow())
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle("AI Jukebox: unexpected error")
        box.setText(f"Something went wrong: {summary}")
        box.setInformativeText(f"The details were written to the log file:\n{_log_path}")
        box.setDetailedText(details)
        box.exec()
    finally:
        _showing = False


def handle(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None,
           thread_name: str | None = None) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    details = "".join(traceback.format_exception(exc_type, exc, tb))
    where = f" in thread {thread_name}" if thread_name else ""
    log.critical("uncaught exception%s\n%s", where, details)
    summary = f"{exc_type.__name__}: {exc}"
    if _relay is None:
        return
    if _on_gui_thread():
        _show(summary, details)
    else:
        _relay.crashed.emit(summary, details)  # queued to the GUI thread


def _thread_hook(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    handle(args.exc_type, args.exc_value, args.exc_traceback,
           args.thread.name if args.thread is not None else "?")


def install(log_path: str = "", *, dialogs: bool = True) -> None:
    """Install ``sys.excepthook`` and ``threading.excepthook``. Call after the QApplication."""
    global _relay, _log_path
    _log_path = log_path
    if dialogs and QApplication.instance() is not None:
        _relay = _Relay()
        _relay.crashed.connect(_show)
    sys.excepthook = handle
    threading.excepthook = _thread_hook
