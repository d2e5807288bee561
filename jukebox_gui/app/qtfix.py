"""Work around a PySide6 6.12 reference-count bug: ``SignalInstance.emit()`` returns ``True``
without taking a reference, so every ``emit`` whose result is dropped takes one reference
away from ``True``. On CPython 3.11 ``True`` starts with only a few hundred references:
after enough emits (a training run emits many) the interpreter aborts with
"Fatal Python error: bool_dealloc: deallocating True or False".

Measured here: 100 ``emit()`` calls -> ``sys.getrefcount(True)`` drops by exactly 100, for any
signal type, with or without receivers. CPython 3.12+ makes True/False/None immortal, so the
fix is needed (and applied) only before 3.12: it gives the singletons a huge reference count
so they can never reach zero. They are never freed anyway.
"""

from __future__ import annotations

import ctypes
import sys

_RESERVE = 1 << 40
_applied = False


def protect_singletons() -> bool:
    """Apply once; True if applied (CPython < 3.12), False where it is not needed."""
    global _applied
    if _applied:
        return True
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    for obj in (True, False, None):
        ctypes.c_ssize_t.from_address(id(obj)).value += _RESERVE  # ob_refcnt is the first field
    _applied = True
    return True
