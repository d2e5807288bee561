"""Settings > SoundFont…: choose what renders play with.

Lists the SoundFonts ``core.audio.soundfonts.discover_soundfonts`` finds (looked for in a worker:
it reads folders), the bundled one first and marked as the default, plus Browse… for any
.sf2/.sf3. Every candidate is test-loaded by FluidSynth before OK takes it: in a worker thread
that runs a separate Python process (``probe_soundfont``), so a file that crashes libfluidsynth
cannot take the window with it. A file FluidSynth refuses gets a message naming it, and the
previous choice stays.

The choice is saved in two places: the window's Settings (``set_soundfont``; "" = the bundled
default) and the CLI's remembered choice (``save_soundfont_choice``, the JSON file that
``jukebox render --remember`` writes). One person, one sound: a take rendered in the window and
``jukebox render`` of its exported MIDI play with the same instruments. The JSON file is written
by a worker (no disk wait on the GUI thread).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout, QLabel, QListWidget,
                               QListWidgetItem, QPushButton, QVBoxLayout, QWidget)

from .settings import Settings
from .style import ERROR_COLOR, OK_COLOR
from .workers import JobManager, Worker

PROBE_TIMEOUT_S = 30.0
PATH_ROLE = Qt.ItemDataRole.UserRole
SOURCE_ROLE = Qt.ItemDataRole.UserRole + 1
SOURCES = {"bundled": "bundled with AI Jukebox · the default", "user": "your choice", "system": "installed on this system",
           "file": "chosen with Browse…"}

# Runs in a child process: load the SoundFont, count its presets, play one note. One JSON line out.
_PROBE = r"""
import json, sys
def say(**kw):
    print(json.dumps(kw)); sys.exit(0)
try:
    import fluidsynth
except (ImportError, OSError) as exc:
    say(ok=False, reason=f"FluidSynth is not available ({exc}); install libfluidsynth3")
synth = fluidsynth.Synth(gain=0.2, samplerate=22050.0)
sfid = synth.sfload(sys.argv[1])
if sfid < 0:
    say(ok=False, reason="FluidSynth refused to load it: the file is damaged or not a SoundFont")
presets = [(b, p) for b in (0, 128) for p in range(128) if synth.sfpreset_name(sfid, b, p)]
if not presets:
    say(ok=False, reason="FluidSynth loaded it but found no instruments in it")
bank, program = presets[0]
synth.program_select(0, sfid, bank, program)
synth.noteon(0, 60, 100)
peak = int(max(abs(int(v)) for v in synth.get_samples(11025)))
if peak == 0:
    say(ok=False, reason="FluidSynth loaded it but its first instrument makes no sound")
say(ok=True, presets=len(presets), melodic=sum(1 for b, _p in presets if b == 0))
"""


@dataclass(frozen=True)
class Probe:
    path: str
    ok: bool
    message: str  # one line for the dialog: what loaded, or why not (names the file)
    presets: int = 0
    size: int = 0  # bytes


def probe_soundfont(path: str | Path, timeout_s: float = PROBE_TIMEOUT_S, cancel=None) -> Probe:
    """Test-load ``path`` with FluidSynth in a child process. Never raises for a bad file."""
    from ..core.audio.soundfonts import check_soundfont
    from ..core.errors import RenderError

    path = Path(path)
    name = path.name
    try:
        check_soundfont(path)  # the header first: a renamed text file is told so plainly
    except RenderError as exc:
        if not path.is_file():
            why = "the file is not there"
        elif "not a SoundFont" in str(exc):
            why = "it is not a SoundFont (a .sf2/.sf3 file starts with RIFF…sfbk; this one does not)"
        else:
            why = str(exc)
        return Probe(str(path), False, f"{name} cannot be used: {why}")
    started = time.monotonic()
    try:
        child = subprocess.Popen([sys.executable, "-c", _PROBE, str(path)], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    except OSError as exc:
        return Probe(str(path), False, f"could not start the test of {name}: {exc}")
    try:
        while True:
            try:
                out, err = child.communicate(timeout=0.1)
                break
            except subprocess.TimeoutExpired:
                if (cancel is not None and cancel.cancelled) or time.monotonic() - started > timeout_s:
                    child.kill()
                    child.communicate()
                    if cancel is not None and cancel.cancelled:
                        return Probe(str(path), False, f"the test of {name} was stopped")
                    return Probe(str(path), False, f"FluidSynth took longer than {timeout_s:g} s to load {name}")
    finally:
        if child.poll() is None:
            child.kill()
    try:
        answer = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        answer = {"ok": False, "reason": f"the test process died (exit code {child.returncode}): "
                  "FluidSynth crashed on the file"}
    if not answer.get("ok"):
        return Probe(str(path), False, f"{name} cannot be used: {answer.get('reason', 'unknown error')}")
    presets = int(answer.get("presets", 0))
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    return Probe(str(path), True, f"{name} loads in FluidSynth: {presets} instruments "
                 f"({int(answer.get('melodic', 0))} melodic).", presets, size)


def _discover_job(window_choice: str):
    """(fonts as (path, source, bytes), the bundled one's path, the choice renders use now)."""

    def job(progress, cancel):
        from ..core.audio.soundfonts import bundled_soundfont, discover_soundfonts, load_soundfont_choice

        bundled = bundled_soundfont()
        found = [(str(i.path), i.source, i.size_bytes) for i in discover_soundfonts()]
        remembered = load_soundfont_choice()
        current = window_choice if window_choice and Path(window_choice).is_file() else ""
        current = current or (str(remembered) if remembered else "")
        if current and all(Path(p).resolve() != Path(current).resolve() for p, _s, _b in found):
            found.insert(0, (current, "user", Path(current).stat().st_size))
        return found, str(bundled) if bundled else "", current

    return job


def _remember_job(path: str):
    def job(progress, cancel):
        from ..core.audio.soundfonts import save_soundfont_choice

        save_soundfont_choice(path or None)  # "" (the bundled default): forget the CLI's choice
        return path

    return job


class SoundFontDialog(QDialog):
    chosen = Signal(str)  # the saved choice: a path, or "" for the bundled default
    tested = Signal(object)  # a Probe, after each test load

    def __init__(self, settings: Settings, jobs: JobManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("soundfont-dialog")
        self.setWindowTitle("SoundFont")
        self.settings, self.jobs = settings, jobs
        self.bundled = ""
        self.probes: dict[str, Probe] = {}
        self.testing: set[str] = set()
        self.workers: list[Worker] = []
        self.browse_dialog: QFileDialog | None = None

        intro = QLabel("A SoundFont holds the instruments that takes are rendered and played with. Each "
                       "one is test-loaded with FluidSynth before it is used; the choice is also the one "
                       "<tt>jukebox render</tt> uses.")
        intro.setWordWrap(True)
        self.list = QListWidget()
        self.list.setMinimumSize(460, 150)
        self.list.currentItemChanged.connect(lambda item, _old: self._selected(item))
        self.browse_button = QPushButton("Browse…")
        self.browse_button.setToolTip("Use a .sf2 or .sf3 file of your own")
        self.browse_button.clicked.connect(self.browse)
        self.message = QLabel("Looking for SoundFonts…")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.browse_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self._start(Worker("soundfonts", _discover_job(settings.soundfont())), self._discovered)

    # ---- jobs ------------------------------------------------------------------------------------
    def _start(self, worker: Worker, done) -> Worker:
        worker.finished.connect(done)
        worker.failed.connect(lambda text: self._say(text, ok=False))
        worker.stopped.connect(lambda w=worker: self.workers.remove(w) if w in self.workers else None)
        self.workers.append(worker)
        return self.jobs.start(worker)

    def busy(self) -> bool:
        return any(w.is_running() for w in self.workers)

    # ---- the list ----------------------------------------------------------------------------------
    def open(self) -> None:  # noqa: A003 (QDialog.open)
        """Show the dialog (not modal) with the choice in use selected."""
        self._select(self.settings.soundfont() or self.bundled)
        super().open()

    def _select(self, path: str) -> None:
        for row in range(self.list.count()):
            if path and Path(self.list.item(row).data(PATH_ROLE)) == Path(path):
                self.list.setCurrentRow(row)
                return

    def _discovered(self, found: tuple) -> None:
        fonts, self.bundled, current = found
        if self.bundled:  # the default, always first
            fonts = sorted(fonts, key=lambda f: f[1] != "bundled")
        select = None
        for path, source, size in fonts:
            if source == "system" and self._same_as_bundled(path, size, fonts):
                continue  # a system copy of the bundled file (Debian's timgm6mb-soundfont): listed once
            item = self._add_item(path, "bundled" if path == self.bundled else source, size)
            if (current and Path(path) == Path(current)) or (not current and path == self.bundled):
                select = item
        if self.list.count() == 0:
            self._say("No SoundFont found: install one (apt install fluid-soundfont-gm) or choose a file "
                      "with Browse…", ok=False)
            return
        self.list.setCurrentItem(select or self.list.item(0))

    def _same_as_bundled(self, path: str, size: int, fonts) -> bool:
        return any(p == self.bundled and Path(p).name == Path(path).name and b == size for p, _s, b in fonts)

    def _add_item(self, path: str, source: str, size: int) -> QListWidgetItem:
        for row in range(self.list.count()):
            if Path(self.list.item(row).data(PATH_ROLE)) == Path(path):
                return self.list.item(row)
        megabytes = f" · {size / 1e6:.1f} MB" if size else ""
        item = QListWidgetItem(f"{Path(path).stem}  —  {SOURCES.get(source, source)}{megabytes}")
        item.setToolTip(path)
        item.setData(PATH_ROLE, path)
        item.setData(SOURCE_ROLE, source)
        if source == "bundled":
            font = item.font()
            font.setBold(True)
            item.setFont(font)
        self.list.addItem(item)
        return item

    def selected_path(self) -> str:
        item = self.list.currentItem()
        return str(item.data(PATH_ROLE)) if item is not None else ""

    def _selected(self, item: QListWidgetItem | None) -> None:
        path = str(item.data(PATH_ROLE)) if item is not None else ""
        self.ok_button.setEnabled(False)
        if not path:
            return
        probe = self.probes.get(path)
        if probe is not None:
            self._show_probe(probe)
        else:
            self.test(path)

    # ---- test loads --------------------------------------------------------------------------------
    def test(self, path: str) -> Worker | None:
        """Test-load ``path`` in a worker; ``tested(Probe)`` when done."""
        if path in self.testing:
            return None
        self.testing.add(path)
        self._say(f"Testing {Path(path).name} with FluidSynth…")
        return self._start(Worker("soundfont-test", lambda progress, cancel, p=path: probe_soundfont(p, cancel=cancel)),
                           self._tested)

    def _tested(self, probe: Probe) -> None:
        self.testing.discard(probe.path)
        self.probes[probe.path] = probe
        browsed = self._browsed == probe.path
        if browsed:
            self._browsed = ""
            if probe.ok:
                self.list.setCurrentItem(self._add_item(probe.path, "file", probe.size))
            else:  # refused: not listed, the selection stays where it was
                kept = Path(self.settings.soundfont() or self.bundled).name or "the default"
                self._say(f"{probe.message}. The SoundFont in use stays {kept}.", ok=False)
                self.ok_button.setEnabled(self._passed(self.selected_path()))
        if self.selected_path() == probe.path:
            self._show_probe(probe)
        self.tested.emit(probe)

    _browsed = ""

    def _passed(self, path: str) -> bool:
        probe = self.probes.get(path)
        return probe is not None and probe.ok

    def _show_probe(self, probe: Probe) -> None:
        self._say(probe.message, ok=probe.ok)
        self.ok_button.setEnabled(probe.ok)

    def _say(self, text: str, ok: bool | None = None) -> None:
        colour = "" if ok is None else OK_COLOR if ok else ERROR_COLOR
        mark = "" if ok is None else "✓ " if ok else "✗ "
        self.message.setStyleSheet(f"color: {colour}" if colour else "")
        self.message.setText(mark + text)

    def browse(self) -> QFileDialog:
        """Browse… (not modal): the chosen file is tested before it is listed."""
        if self.browse_dialog is None:
            self.browse_dialog = QFileDialog(self, "Choose a SoundFont", str(Path.home()),
                                             "SoundFonts (*.sf2 *.sf3 *.SF2 *.SF3);;All files (*)")
            self.browse_dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
            self.browse_dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
            self.browse_dialog.fileSelected.connect(self.try_file)
        self.browse_dialog.open()
        return self.browse_dialog

    def try_file(self, path: str) -> Worker | None:
        """Test ``path`` (from Browse…); listed and selected only if FluidSynth takes it."""
        if not path:
            return None
        self._browsed = path
        if path in self.probes:
            self._tested(self.probes[path])
            return None
        return self.test(path)

    # ---- the choice ---------------------------------------------------------------------------------
    def accept(self) -> None:
        path = self.selected_path()
        if not self._passed(path):
            return
        value = "" if path == self.bundled else path
        self.settings.set_soundfont(value)
        self.settings.sync()
        self._start(Worker("remember-soundfont", _remember_job(value)), lambda _p: None)
        super().accept()
        self.chosen.emit(value)


def show_soundfont_dialog(window) -> SoundFontDialog:
    """Open the dialog over ``window`` (a MainWindow); a change makes its cached renders go."""
    dialog = window.findChild(SoundFontDialog)
    if dialog is None:
        dialog = SoundFontDialog(window.settings, window.jobs, window)
        dialog.chosen.connect(lambda path: _changed(window, path))
    dialog.open()
    return dialog


def _changed(window, path: str) -> None:
    window.generate_page.forget_audio()  # audio rendered with the old SoundFont is not heard again
    name = Path(path).name if path else "the bundled SoundFont"
    window.statusBar().showMessage(f"Renders now use {name}: press Render audio to hear it.", 8000)
