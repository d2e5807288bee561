"""Audio playback behind a small interface, so the window works without an audio device.

``create_player()`` returns a :class:`Player` built on ``QMediaPlayer`` when QtMultimedia can be
imported, else a :class:`NullPlayer` that explains why. Both share one API:

    load_wav(path) / unload(), play(), pause(), stop(), seek(seconds), position() -> float,
    duration (seconds), state ("stopped" | "playing" | "paused"), available, unavailable_reason,
    silent (no audio output device: it plays, the position advances, nothing is heard),
    signals positionChanged(float seconds), stateChanged(str), durationChanged(float),
    errorOccurred(str).

A ``QAudioOutput`` is attached only when ``QMediaDevices.audioOutputs()`` is not empty; without
one ``QMediaPlayer`` still "plays" silently and its position advances, which drives the playhead
(and the tests) on headless machines. The position is polled at ~30 Hz by a ``QTimer``
(``QMediaPlayer.positionChanged`` fires too rarely for a smooth playhead).
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, QUrl, Signal

from jukebox_gui.core.errors import JukeboxError

STOPPED, PLAYING, PAUSED = "stopped", "playing", "paused"
POLL_MS = 33
NO_OUTPUT_REASON = "No audio output found — playback is silent; export WAV to listen elsewhere"


class PlaybackError(JukeboxError):
    """A WAV file could not be loaded for playback."""


def wav_duration(path: str | os.PathLike) -> float:
    """Duration in seconds read from a RIFF/WAVE header (PCM, float or extensible)."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            head = fh.read(12)
            if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                raise PlaybackError(f"{p.name} is not a WAV file")
            byte_rate = 0
            while True:
                chunk = fh.read(8)
                if len(chunk) < 8:
                    raise PlaybackError(f"{p.name} has no audio data (truncated WAV?)")
                cid, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
                if cid == b"fmt ":
                    fmt = fh.read(size + (size & 1))
                    if len(fmt) < 16:
                        raise PlaybackError(f"{p.name} has a broken WAV header")
                    byte_rate = struct.unpack("<I", fmt[8:12])[0]
                elif cid == b"data":
                    if byte_rate <= 0:
                        raise PlaybackError(f"{p.name} has a broken WAV header")
                    remaining = max(0, p.stat().st_size - fh.tell())
                    return min(size, remaining) / byte_rate
                else:
                    fh.seek(size + (size & 1), os.SEEK_CUR)
    except OSError as exc:
        raise PlaybackError(f"cannot read {p}: {exc.strerror or exc}") from exc


class NullPlayer(QObject):
    """Plays nothing; says why. Also the base class that defines the player API."""

    positionChanged = Signal(float)
    stateChanged = Signal(str)
    durationChanged = Signal(float)
    errorOccurred = Signal(str)

    def __init__(self, reason: str = "Playback is unavailable", parent: QObject | None = None):
        super().__init__(parent)
        self._reason = reason
        self._state = STOPPED
        self._duration = 0.0
        self._path: Path | None = None

    # ---- facts -------------------------------------------------------------------------
    @property
    def available(self) -> bool:
        return False

    @property
    def unavailable_reason(self) -> str:
        return self._reason

    @property
    def silent(self) -> bool:
        return True

    @property
    def silent_reason(self) -> str:
        return self._reason

    @property
    def duration(self) -> float:
        return self._duration

    @property
    def state(self) -> str:
        return self._state

    @property
    def source(self) -> Path | None:
        return self._path

    def position(self) -> float:
        return 0.0

    # ---- actions -----------------------------------------------------------------------
    def load_wav(self, path: str | os.PathLike) -> None:
        self._duration = wav_duration(path)
        self._path = Path(path)
        self.durationChanged.emit(self._duration)

    def unload(self) -> None:
        self._path = None
        self._duration = 0.0
        self.durationChanged.emit(0.0)

    def play(self) -> None:
        self.errorOccurred.emit(self._reason)

    def pause(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def seek(self, seconds: float) -> None:
        pass

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.stateChanged.emit(state)


class Player(NullPlayer):
    """QMediaPlayer-backed playback; silent but position-advancing without an audio device."""

    def __init__(self, parent: QObject | None = None):
        super().__init__("", parent)
        from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer

        self._QMediaPlayer = QMediaPlayer
        self._media = QMediaPlayer(self)
        self._output = None
        if QMediaDevices.audioOutputs():
            self._output = QAudioOutput(self)
            self._media.setAudioOutput(self._output)
        self._pending_seek: float | None = None
        self._last_emitted = -1.0
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)
        self._media.playbackStateChanged.connect(self._on_playback_state)
        self._media.mediaStatusChanged.connect(self._on_media_status)
        self._media.durationChanged.connect(self._on_duration)
        self._media.errorOccurred.connect(self._on_error)

    @property
    def available(self) -> bool:
        return True

    @property
    def silent(self) -> bool:
        return self._output is None

    @property
    def silent_reason(self) -> str:
        return NO_OUTPUT_REASON if self._output is None else ""

    def position(self) -> float:
        if self._pending_seek is not None:
            return self._pending_seek
        return self._media.position() / 1000.0

    def load_wav(self, path: str | os.PathLike) -> None:
        duration = wav_duration(path)  # validates the file synchronously; raises PlaybackError
        self.stop()
        self._path = Path(path).resolve()
        self._duration = duration
        self._pending_seek = None
        self._media.setSource(QUrl.fromLocalFile(str(self._path)))
        self.durationChanged.emit(duration)
        self._emit_position(0.0, force=True)

    def unload(self) -> None:
        self.stop()
        self._media.setSource(QUrl())
        super().unload()
        self._emit_position(0.0, force=True)

    def play(self) -> None:
        if self._path is None:
            return
        if self._duration and self.position() >= self._duration - 0.01:
            self.seek(0.0)
        self._media.play()
        self._timer.start()
        self._set_state(PLAYING)

    def pause(self) -> None:
        if self._state != PLAYING:
            return
        self._media.pause()
        self._timer.stop()
        self._set_state(PAUSED)
        self._emit_position(self.position(), force=True)

    def stop(self) -> None:
        self._timer.stop()
        self._media.stop()
        self._pending_seek = None
        self._set_state(STOPPED)
        self._emit_position(0.0, force=True)

    def seek(self, seconds: float) -> None:
        if self._path is None:
            return
        seconds = min(max(0.0, float(seconds)), self._duration)
        if self._media.isSeekable():
            self._pending_seek = None
            self._media.setPosition(int(round(seconds * 1000)))
        else:  # media still loading: apply once loaded
            self._pending_seek = seconds
        self._emit_position(seconds, force=True)

    # ---- QMediaPlayer callbacks --------------------------------------------------------
    def _poll(self) -> None:
        pos = self.position()
        media_ms = self._media.duration()
        # Without an audio output the backend never reports EndOfMedia: the clock just parks
        # at the duration. Treat reaching the end as the end of playback.
        if media_ms > 0 and pos * 1000.0 >= media_ms - 1 and self._pending_seek is None:
            self._emit_position(pos)
            self._finished()
            return
        self._emit_position(pos)

    def _finished(self) -> None:
        """Playback reached the end: rewind and stop, like pressing Stop."""
        if self._state == PLAYING:
            self.stop()

    def _emit_position(self, seconds: float, force: bool = False) -> None:
        if force or abs(seconds - self._last_emitted) > 1e-4:
            self._last_emitted = seconds
            self.positionChanged.emit(seconds)

    def _on_playback_state(self, qstate) -> None:
        PS = self._QMediaPlayer.PlaybackState
        if qstate == PS.StoppedState and self._state == PLAYING:
            self._finished()  # end of media (with an audio output) or the backend stopped

    def _on_media_status(self, status) -> None:
        MS = self._QMediaPlayer.MediaStatus
        if status == MS.EndOfMedia:
            self._finished()
            return
        if status in (MS.LoadedMedia, MS.BufferedMedia) and self._pending_seek is not None:
            target, self._pending_seek = self._pending_seek, None
            self._media.setPosition(int(round(target * 1000)))

    def _on_duration(self, ms: int) -> None:
        if ms > 0 and abs(ms / 1000.0 - self._duration) > 0.05:
            self._duration = ms / 1000.0
            self.durationChanged.emit(self._duration)

    def _on_error(self, _error, message: str) -> None:
        self._timer.stop()
        self._set_state(STOPPED)
        self.errorOccurred.emit(message or "playback failed")


def create_player(parent: QObject | None = None) -> NullPlayer:
    """A working :class:`Player`, or a :class:`NullPlayer` carrying the reason it cannot play."""
    try:
        import PySide6.QtMultimedia  # noqa: F401  (needs libpulse0 on Linux)
    except ImportError as exc:
        return NullPlayer(f"Playback unavailable: QtMultimedia cannot load ({exc})", parent)
    return Player(parent)
