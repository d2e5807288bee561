"""Transport bar: Play / Pause / Stop, a position slider, "0:12 / 1:30", and why it is silent.

Wiring for a page::

    transport = Transport()                       # makes its own Player (or NullPlayer)
    transport.positionChanged.connect(roll.set_playhead)
    roll.seekRequested.connect(transport.seek)
    window.addAction(transport.play_pause_action)  # space bar anywhere in the window
    transport.set_wav(path)                        # after the worker rendered the take
    transport.set_audio(samples, SAMPLE_RATE)      # or straight from the renderer's array

``set_enabled_reason(False, "Rendering…")`` disables Play and shows the reason.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QEvent, Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence, QPalette
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QPushButton, QSizePolicy, QSlider, QStyle,
                               QVBoxLayout, QWidget)

from jukebox_gui.app.player import PAUSED, PLAYING, STOPPED, NullPlayer, PlaybackError, create_player


def format_time(seconds: float) -> str:
    """``75.4 -> "1:15"``, ``3725 -> "1:02:05"``."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Transport(QWidget):
    """Playback controls over a :class:`~jukebox_gui.app.player.Player`."""

    positionChanged = Signal(float)  # seconds; drives the piano roll's playhead
    stateChanged = Signal(str)  # "stopped" | "playing" | "paused"

    def __init__(self, player: NullPlayer | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self._player = player if player is not None else create_player(self)
        self._ok, self._reason, self._error = True, "", ""
        self._updating_slider = False

        style = self.style()
        self.play_button = self._button("Play", QStyle.StandardPixmap.SP_MediaPlay, self.play)
        self.pause_button = self._button("Pause", QStyle.StandardPixmap.SP_MediaPause, self.pause)
        self.stop_button = self._button("Stop", QStyle.StandardPixmap.SP_MediaStop, self.stop)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setAccessibleName("Position")
        self.slider.setRange(0, 0)
        self.slider.setSingleStep(1000)
        self.slider.setPageStep(5000)
        self.slider.valueChanged.connect(self._on_slider_value)
        self.time_label = QLabel(self._time_text(0.0))
        self.time_label.setMinimumWidth(self.time_label.fontMetrics().horizontalAdvance("00:00 / 00:00") + 6)
        self.time_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.info_label = QLabel()
        self.info_label.setWordWrap(True)
        self._style_info_label()
        self.info_label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

        # Space toggles play/pause anywhere in the window (text fields keep their spaces: they
        # claim the key through ShortcutOverride). Pages may also add it to a menu.
        self.play_pause_action = QAction("Play/Pause", self)
        self.play_pause_action.setShortcut(QKeySequence(Qt.Key.Key_Space))
        self.play_pause_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.play_pause_action.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.play_pause_action.triggered.connect(self.toggle_play_pause)
        self.addAction(self.play_pause_action)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        for button in (self.play_button, self.pause_button, self.stop_button):
            row.addWidget(button)
        row.addWidget(self.slider, 1)
        row.addWidget(self.time_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.info_label)

        self._player.positionChanged.connect(self._on_position)
        self._player.stateChanged.connect(self._on_state)
        self._player.durationChanged.connect(self._on_duration)
        self._player.errorOccurred.connect(self._on_error)
        self._refresh()

    def _button(self, text: str, icon: QStyle.StandardPixmap, slot) -> QPushButton:
        button = QPushButton(self.style().standardIcon(icon), "")
        button.setToolTip(text)
        button.setAccessibleName(text)
        button.clicked.connect(slot)
        return button

    # ---- public API ----------------------------------------------------------------------
    @property
    def player(self) -> NullPlayer:
        return self._player

    def set_wav(self, path: str | os.PathLike) -> bool:
        """Load a rendered take. On a bad file, shows why and returns False (never raises)."""
        try:
            self._player.load_wav(path)
        except PlaybackError as exc:
            self._error = str(exc)
            self._player.unload()
            self._refresh()
            return False
        self._error = ""
        self._refresh()
        return True

    def set_audio(self, audio, sample_rate: int) -> bool:
        """Play rendered samples (float in [-1, 1], (frames,) or (frames, 1|2)): writes them to a
        cache WAV (alternating two names, so the loaded file is never replaced under the player)
        and loads it. Prefer ``set_wav`` when the renderer already wrote a file."""
        from jukebox_gui.core.audio.wav import write_wav
        from jukebox_gui.core.errors import JukeboxError
        from jukebox_gui.core.paths import cache_dir

        self._audio_slot = 1 - getattr(self, "_audio_slot", 1)
        path = cache_dir() / "playback" / f"take-{os.getpid()}-{id(self):x}-{self._audio_slot}.wav"
        try:
            write_wav(path, audio, sample_rate)
        except JukeboxError as exc:
            self._player.unload()
            self._error = str(exc)
            self._refresh()
            return False
        return self.set_wav(path)

    def clear(self) -> None:
        """Forget the loaded take (e.g. a new take is being generated)."""
        self._player.unload()
        self._error = ""
        self._refresh()

    def set_enabled_reason(self, ok: bool, reason: str = "") -> None:
        """Allow playback, or disable Play and show ``reason`` (e.g. "Rendering…")."""
        self._ok, self._reason = bool(ok), reason
        if not ok and self._player.state != STOPPED:
            self._player.stop()
        self._refresh()

    @Slot(float)
    def seek(self, seconds: float) -> None:
        self._player.seek(seconds)

    @Slot()
    def play(self) -> None:
        if self._can_play():
            self._player.play()

    @Slot()
    def pause(self) -> None:
        self._player.pause()

    @Slot()
    def stop(self) -> None:
        self._player.stop()

    @Slot()
    def toggle_play_pause(self) -> None:
        if self._player.state == PLAYING:
            self.pause()
        else:
            self.play()

    def message(self) -> str:
        """The explanation under the controls ("" when there is nothing to say)."""
        if not self._player.available:
            return self._player.unavailable_reason
        if not self._ok:
            return self._reason
        if self._error:
            return self._error
        return self._player.silent_reason if self._player.silent else ""

    # ---- internals -----------------------------------------------------------------------
    def _can_play(self) -> bool:
        return self._player.available and self._ok and self._player.source is not None

    def _refresh(self) -> None:
        state = self._player.state
        loaded = self._player.source is not None
        self.play_button.setEnabled(self._can_play() and state != PLAYING)
        self.pause_button.setEnabled(state == PLAYING)
        self.stop_button.setEnabled(state in (PLAYING, PAUSED))
        self.slider.setEnabled(loaded and self._player.available)
        self.play_pause_action.setEnabled(self._can_play())
        text = self.message()
        self.play_button.setToolTip(text if text and not self._can_play() else "Play (Space)")
        self.info_label.setText(text)
        self.info_label.setVisible(bool(text))
        self._on_duration(self._player.duration)

    def _style_info_label(self) -> None:
        palette = self.info_label.palette()
        palette.setColor(QPalette.ColorRole.WindowText, self.palette().color(QPalette.ColorRole.PlaceholderText))
        self.info_label.setPalette(palette)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:  # light/dark switch
            self._style_info_label()

    def _time_text(self, seconds: float) -> str:
        return f"{format_time(seconds)} / {format_time(self._player.duration)}"

    def _set_slider(self, seconds: float) -> None:
        self._updating_slider = True
        try:
            self.slider.setValue(int(round(seconds * 1000)))
        finally:
            self._updating_slider = False

    def _on_slider_value(self, ms: int) -> None:
        if self._updating_slider:
            return
        self.time_label.setText(self._time_text(ms / 1000.0))
        self._player.seek(ms / 1000.0)  # drag, click on the groove, arrow keys

    def _on_position(self, seconds: float) -> None:
        if not self.slider.isSliderDown():
            self._set_slider(seconds)
            self.time_label.setText(self._time_text(seconds))
        self.positionChanged.emit(seconds)

    def _on_state(self, state: str) -> None:
        self._refresh()
        icon = QStyle.StandardPixmap.SP_MediaPause if state == PLAYING else QStyle.StandardPixmap.SP_MediaPlay
        self.play_pause_action.setIcon(self.style().standardIcon(icon))
        self.stateChanged.emit(state)

    def _on_duration(self, seconds: float) -> None:
        self._updating_slider = True
        try:
            self.slider.setRange(0, int(round(seconds * 1000)))
        finally:
            self._updating_slider = False
        self.time_label.setText(self._time_text(self._player.position()))

    def _on_error(self, message: str) -> None:
        self._error = message
        self._refresh()
