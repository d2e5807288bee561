"""Tracks panel: one row per track of the take shown, with its colour (the piano roll's), its
General MIDI name, its note count, Mute and Solo toggles and a volume slider, and "Export stems…".

The panel only holds the mixer's state; ``gains()`` turns it into what each stem plays at with
``core.audio.stems.audible_gains`` (mute wins over solo; with any solo only soloed tracks sound),
and ``mixChanged`` says when it changed, so the page can pass the gains to the player and dim
the unheard tracks in the piano roll.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import (QFrame, QGridLayout, QGroupBox, QLabel, QPushButton, QScrollArea,
                               QSizePolicy, QSlider, QToolButton, QVBoxLayout, QWidget)

from jukebox_gui.core.audio.stems import audible_gains
from jukebox_gui.core.music.gm_names import track_names

from .track_colours import DIMMED_ALPHA, score_colours

VOLUME_STEPS = 100  # the slider's range: 0..100 % of the track's rendered level


class TrackRow:
    """The widgets of one track's row (tests and the page reach them by name)."""

    def __init__(self, index: int, name: str, notes: int, colour: QColor, is_drum: bool) -> None:
        self.index, self.name, self.colour, self.is_drum = index, name, colour, is_drum
        self.swatch = QLabel()
        self.swatch.setFixedSize(QSize(14, 14))
        self.swatch.setAccessibleName(f"{name} colour")
        self.name_label = QLabel(name)
        self.name_label.setToolTip(f"Track {index + 1}: {name}" + (" (drums)" if is_drum else ""))
        self.name_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.count_label = QLabel(f"{notes:,}")
        self.count_label.setToolTip(f"{notes:,} notes")
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.mute_button = _toggle("M", f"Mute {name}", "#d9534f")
        self.solo_button = _toggle("S", f"Solo {name}: hear only the soloed tracks", "#e0b000")
        self.volume_slider = QSlider(Qt.Orientation.Horizontal)
        self.volume_slider.setRange(0, VOLUME_STEPS)
        self.volume_slider.setValue(VOLUME_STEPS)
        self.volume_slider.setAccessibleName(f"{name} volume")
        self.volume_slider.setToolTip(f"{name} volume: 100 %")
        self.volume_slider.setFixedWidth(56)
        self.regenerate_button = QToolButton()
        self.regenerate_button.setText("↻")
        self.regenerate_button.setToolTip(f"Write a new {name} part under the other tracks, which stay as they "
                                          "are (in the bars selected, or the whole take)")
        self.regenerate_button.setAccessibleName(f"Regenerate {name}")
        self.regenerate_button.setFixedWidth(26)
        self.show_heard(True)

    @property
    def volume(self) -> float:
        return self.volume_slider.value() / VOLUME_STEPS

    def show_heard(self, heard: bool) -> None:
        """Draw the swatch and name dimmed when the track is not heard (as the piano roll does).
        A pixmap, not a style sheet: re-polishing style sheets on every click stalls the GUI
        thread, which feeds the audio device."""
        if getattr(self, "_heard", None) == heard:
            return
        self._heard = heard
        colour = QColor(self.colour)
        if not heard:
            colour.setAlphaF(DIMMED_ALPHA)
        pixmap = QPixmap(self.swatch.size())
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setBrush(colour)
        painter.setPen(self.colour.darker(140))
        painter.drawRoundedRect(0, 0, pixmap.width() - 1, pixmap.height() - 1, 2, 2)
        painter.end()
        self.swatch.setPixmap(pixmap)
        palette = self.name_label.palette()
        text = self.name_label.parentWidget().palette() if self.name_label.parentWidget() else palette
        role = QPalette.ColorRole.WindowText if heard else QPalette.ColorRole.PlaceholderText
        palette.setColor(QPalette.ColorRole.WindowText, text.color(role))
        self.name_label.setPalette(palette)
        self.count_label.setPalette(palette)


def _toggle(text: str, tip: str, on_colour: str) -> QToolButton:
    button = QToolButton()
    button.setStyleSheet(f"QToolButton:checked {{ background: {on_colour}; color: white; font-weight: bold;"
                         f" border: 1px solid {on_colour}; border-radius: 3px; }}")
    button.setText(text)
    button.setCheckable(True)
    button.setToolTip(tip)
    button.setAccessibleName(tip.split(":")[0])
    button.setFixedWidth(26)
    return button


class TracksPanel(QGroupBox):
    """Mute / solo / volume for every track of the take shown."""

    mixChanged = Signal()  # a mute, solo or volume changed (read gains() / audible())
    exportRequested = Signal()  # "Export stems…"
    regenerateRequested = Signal(int)  # "↻" on a row: write that track anew under the others

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Tracks", parent)
        self.rows: list[TrackRow] = []
        self._score = None
        self._grid_host = QWidget()
        self._grid = QGridLayout(self._grid_host)
        self._grid.setContentsMargins(2, 2, 2, 2)
        self._grid.setHorizontalSpacing(6)
        self._grid.setVerticalSpacing(3)
        self._grid.setColumnStretch(1, 3)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self._grid_host)
        self.empty_label = QLabel("No take shown")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.export_button = QPushButton("Export stems…")
        self.export_button.setToolTip("Save one WAV file per track (the mixer's settings do not change them)")
        self.export_button.clicked.connect(self.exportRequested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.empty_label)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.export_button)
        self.set_score(None)

    # ---- the take -------------------------------------------------------------------------
    def set_score(self, score, keep_mix: bool = False) -> None:
        """One row per track of ``score`` (None: no rows). ``keep_mix`` keeps mute/solo/volume
        when the new score has as many tracks (a variant of the same take)."""
        state = self.mix_state() if keep_mix and score is not None and self.rows \
            and len(score.tracks) == len(self.rows) else None
        for row in self.rows:
            for widget in (row.swatch, row.name_label, row.count_label, row.mute_button, row.solo_button,
                           row.volume_slider, row.regenerate_button):
                self._grid.removeWidget(widget)
                widget.deleteLater()
        self.rows = []
        self._score = score
        tracks = list(score.tracks) if score is not None else []
        names = track_names(score) if score is not None else []
        colours = score_colours(score, self._dark()) if score is not None else []
        for i, track in enumerate(tracks):
            row = TrackRow(i, names[i], len(track.notes), colours[i], bool(track.is_drum))
            for col, widget in enumerate((row.swatch, row.name_label, row.count_label, row.mute_button,
                                          row.solo_button, row.volume_slider, row.regenerate_button)):
                self._grid.addWidget(widget, i, col)
            row.regenerate_button.clicked.connect(lambda _checked=False, k=i: self.regenerateRequested.emit(k))
            row.mute_button.toggled.connect(self._changed)
            row.solo_button.toggled.connect(self._changed)
            row.volume_slider.valueChanged.connect(lambda value, r=row: self._volume_changed(r, value))
            self.rows.append(row)
        self._grid.setRowStretch(len(tracks), 1)
        self.empty_label.setVisible(not tracks)
        self.export_button.setEnabled(bool(tracks))
        if state is not None:
            self.set_mix_state(state)
        else:
            self._refresh()

    def _dark(self) -> bool:
        return self.palette().color(QPalette.ColorRole.Window).lightness() < 128

    # ---- the mixer's state ----------------------------------------------------------------
    def volumes(self) -> list[float]:
        return [row.volume for row in self.rows]

    def muted(self) -> list[bool]:
        return [row.mute_button.isChecked() for row in self.rows]

    def soloed(self) -> list[bool]:
        return [row.solo_button.isChecked() for row in self.rows]

    def gains(self) -> list[float]:
        """What each track's stem plays at now (core.audio.stems.audible_gains)."""
        return audible_gains(self.volumes(), self.muted(), self.soloed())

    def audible(self) -> list[bool]:
        """Which tracks are heard at all: not muted, and soloed when any track is. A track turned
        down to 0 % is still "heard" here (drawn normally): its volume is a level, not a mute."""
        return [g > 0 for g in audible_gains([1.0] * len(self.rows), self.muted(), self.soloed())]

    def set_mute(self, index: int, on: bool = True) -> None:
        self.rows[index].mute_button.setChecked(on)

    def set_solo(self, index: int, on: bool = True) -> None:
        self.rows[index].solo_button.setChecked(on)

    def set_volume(self, index: int, volume: float) -> None:
        self.rows[index].volume_slider.setValue(round(min(1.0, max(0.0, volume)) * VOLUME_STEPS))

    def mix_state(self) -> dict:
        return {"volumes": self.volumes(), "muted": self.muted(), "soloed": self.soloed()}

    def set_mix_state(self, state: dict) -> None:
        """Restore ``mix_state()`` (lists of the rows' length) with one ``mixChanged``."""
        self.blockSignals(True)
        try:
            for row, volume, mute, solo in zip(self.rows, state["volumes"], state["muted"], state["soloed"]):
                row.volume_slider.setValue(round(volume * VOLUME_STEPS))
                row.mute_button.setChecked(bool(mute))
                row.solo_button.setChecked(bool(solo))
        finally:
            self.blockSignals(False)
        self._changed()

    def _volume_changed(self, row: TrackRow, value: int) -> None:
        row.volume_slider.setToolTip(f"{row.name} volume: {value} %")
        self._changed()

    def _changed(self, *_args) -> None:
        self._refresh()
        self.mixChanged.emit()

    def _refresh(self) -> None:
        for row, heard in zip(self.rows, self.audible()):
            row.show_heard(heard)
