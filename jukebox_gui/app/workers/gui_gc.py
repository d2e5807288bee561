"""Python's cyclic garbage collector runs in the GUI thread only.

Left automatic, a collection runs in whichever thread happens to allocate past the threshold:
often a worker tokenising or training. If the garbage holds a Qt object (a page's widget left in
a reference cycle), its C++ destructor then runs in that worker, and PySide's destructor hook
waits there for the interpreter lock forever: the window hangs (seen: a training worker stuck in
``QObject::~QObject`` called from ``gc_collect_main`` inside MidiTok's encoder). So the automatic
collector is switched off once Qt jobs start, and a timer in the GUI thread collects, with the
same generation thresholds the automatic one uses, while any job runs; with no job running the
automatic collector is back on (a process that is not running Qt's event loop, a test session's
later tests, must not go without one). Reference counting frees everything else at once, as
always; only cycles wait for the next tick (a quarter of a second).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer

TICK_MS = 250


class GuiGarbageCollector(QObject):
    _installed: "GuiGarbageCollector | None" = None

    @classmethod
    def install(cls) -> "GuiGarbageCollector | None":
        """Once per process, from the GUI thread (a no-op elsewhere or without an application)."""
        app = QCoreApplication.instance()
        if cls._installed is not None or app is None or QThread.currentThread() is not app.thread():
            return cls._installed
        cls._installed = cls(app)
        return cls._installed

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        self.jobs = 0
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.check)

    def job_started(self) -> None:
        self.jobs += 1
        if self.jobs == 1:
            gc.disable()
            self.timer.start()

    def job_stopped(self) -> None:
        self.jobs = max(0, self.jobs - 1)
        if self.jobs == 0:
            self.timer.stop()
            gc.enable()

    def check(self) -> None:
        """Collect the oldest generation whose count passed its threshold (as gc would have)."""
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if self.thresholds[generation] and counts[generation] > self.thresholds[generation]:
                gc.collect(generation)
                return
