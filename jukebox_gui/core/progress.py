"""Progress reporting and cancellation for long jobs, with no Qt in sight.

A job takes ``progress: ProgressSink | None`` and ``cancel: CancelToken | None``. It calls
``progress(event)`` with a small frozen dataclass and checks ``cancel.raise_if_cancelled()``
(or ``cancel.cancelled``) between units of work.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from .errors import Cancelled


@dataclass(frozen=True)
class Progress:
    """Generic step progress: ``done`` of ``total`` units (total 0 = unknown)."""

    stage: str
    done: int
    total: int = 0
    message: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def fraction(self) -> float | None:
        return self.done / self.total if self.total else None


ProgressSink = Callable[[Any], None]


def null_sink(_event: Any) -> None:
    """A sink that ignores every event."""


class CancelToken:
    """A thread-safe cancel flag, plus a pause gate that jobs may honour."""

    def __init__(self) -> None:
        self._cancel = threading.Event()
        self._running = threading.Event()
        self._running.set()

    def cancel(self) -> None:
        self._cancel.set()
        self._running.set()  # a paused job must wake up to notice

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def raise_if_cancelled(self) -> None:
        if self._cancel.is_set():
            raise Cancelled("cancelled by the user")

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def wait_if_paused(self, timeout: float | None = None) -> None:
        """Block while paused (until resumed or cancelled)."""
        self._running.wait(timeout)
