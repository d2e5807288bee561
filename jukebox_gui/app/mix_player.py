"""Live mixing playback: a take's stems summed with the current gains as the audio device asks.

``MixPlayer`` has the API of :class:`~jukebox_gui.app.player.Player` (state, position, seek,
play/pause/stop, positionChanged / stateChanged / durationChanged / errorOccurred, available,
silent, source, duration) so the :class:`Transport` drives it unchanged, and adds
``load_render(StemRender | array)`` and ``set_gains(gains)``.

Where an audio output exists it plays through a ``QAudioSink`` in push mode with a small buffer
(``BUFFER_MS``): a ``QTimer`` every ``FEED_MS`` tops the sink's buffer up with the next frames,
mixed by :class:`StemMixer` with the gains of that moment, so a mute, solo or volume change is
heard one buffer (plus the sound server's own latency) after the click, not at the next render.
The position is what the sink says it has played (``processedUSecs``), so the playhead follows
what is heard. Where there is no output (headless, no sound server) it "plays" silently and the
position advances by a monotonic clock, as ``QMediaPlayer`` does without a ``QAudioOutput``: the
playhead and the tests work the same way.

The mixing itself (:class:`StemMixer`) is plain numpy with no Qt: tests read from it directly.
A gain change ramps linearly over ``RAMP_MS`` so a mute does not click.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from PySide6.QtCore import QObject, QTimer

from jukebox_gui.core.errors import JukeboxError

from .player import NO_OUTPUT_REASON, PAUSED, PLAYING, POLL_MS, STOPPED, NullPlayer, PlaybackError

BUFFER_MS = 50  # what the sink holds ahead: the delay between a gain change and hearing it
FEED_MS = 10  # how often the buffer is topped up (well under BUFFER_MS, so a busy GUI thread has slack)
RAMP_MS = 5  # a gain change fades over this long instead of jumping (no click)


class StemMixer:
    """Stems (float32 ``(frames, 2)`` each, same length) read out in order, summed with gains."""

    def __init__(self, stems: Sequence[np.ndarray], sample_rate: int) -> None:
        self.stems = [np.asarray(s, dtype=np.float32) for s in stems]
        if any(s.ndim != 2 or s.shape[1] != 2 for s in self.stems):
            raise PlaybackError("stems must be stereo arrays (frames, 2)")
        lengths = {int(s.shape[0]) for s in self.stems}
        if len(lengths) > 1:
            raise PlaybackError(f"stems differ in length: {sorted(lengths)}")
        self.sample_rate = int(sample_rate)
        self.frames = lengths.pop() if lengths else 0
        self.frame = 0  # the read head: the next frame ``read`` returns
        self._gains = [1.0] * len(self.stems)
        self._heard = list(self._gains)  # the gains the last read ended at (the ramp starts there)
        self.ramp = max(1, int(self.sample_rate * RAMP_MS / 1000))

    @property
    def gains(self) -> list[float]:
        return list(self._gains)

    def set_gains(self, gains: Sequence[float]) -> None:
        gains = [float(g) for g in gains]
        if len(gains) != len(self.stems):
            raise PlaybackError(f"{len(gains)} gains for {len(self.stems)} stems")
        self._gains = [g if np.isfinite(g) else 0.0 for g in gains]

    def seek(self, frame: int) -> None:
        self.frame = min(max(0, int(frame)), self.frames)

    def remaining(self) -> int:
        return self.frames - self.frame

    def read(self, count: int) -> np.ndarray:
        """The next ``count`` frames (fewer at the end) mixed, float32 ``(n, 2)``, clipped to ±1."""
        a = self.frame
        b = min(self.frames, a + max(0, int(count)))
        n = b - a
        out = np.zeros((n, 2), dtype=np.float32)
        if n:
            ramp_n = min(n, self.ramp)
            for stem, old, new in zip(self.stems, self._heard, self._gains):
                if old == new:
                    if new:
                        out += new * stem[a:b] if new != 1.0 else stem[a:b]
                    continue
                curve = np.full(n, new, dtype=np.float32)  # old -> new over the first ramp_n frames
                curve[:ramp_n] = np.linspace(old, new, ramp_n, endpoint=False, dtype=np.float32)
                out += stem[a:b] * curve[:, None]
            np.clip(out, -1.0, 1.0, out=out)
            self._heard = list(self._gains)
        self.frame = b
        return out

    def read_pcm16(self, count: int) -> bytes:
        """``read`` as interleaved little-endian 16-bit PCM (what the sink is fed)."""
        return (self.read(count) * 32767.0).astype("<i2").tobytes()


def stems_of(render: Any, sample_rate: int | None = None) -> tuple[list[np.ndarray], int]:
    """A ``core.audio.stems.StemRender`` -> its stems' arrays; a plain mix array -> one stem."""
    if hasattr(render, "stems") and hasattr(render, "sample_rate"):
        return [s.audio for s in render.stems], int(render.sample_rate)
    audio = np.asarray(render, dtype=np.float32)
    if audio.ndim == 1:
        audio = audio[:, None]
    if audio.ndim != 2 or audio.shape[1] not in (1, 2):
        raise PlaybackError(f"cannot play audio shaped {audio.shape}")
    if audio.shape[1] == 1:
        audio = np.repeat(audio, 2, axis=1)
    if sample_rate is None:
        raise PlaybackError("a plain audio array needs its sample rate")
    return [audio], int(sample_rate)


class MixPlayer(NullPlayer):
    """Plays stems through ``QAudioSink`` with live gains; a clock stands in without an output."""

    def __init__(self, parent: QObject | None = None, use_output: bool = True) -> None:
        super().__init__("", parent)
        self._mixer: StemMixer | None = None
        self._source: Any = None
        self._sink: Any = None
        self._io: Any = None
        self._device: Any = None
        self._silent_reason = NO_OUTPUT_REASON
        if use_output:
            self._find_device()
        self._base_s = 0.0  # the position when the clock (or the sink's counter) was last zeroed
        self._base_us = 0  # the sink's processedUSecs or the clock, in microseconds, at that moment
        self._clock_from: float | None = None  # monotonic time playback started (silent mode)
        self._last_emitted = -1.0
        self.underruns = 0  # times the sink ran dry while playing (the GUI thread was too busy)
        self._idle = False
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._on_poll)
        self._feeder = QTimer(self)
        self._feeder.setInterval(FEED_MS)
        self._feeder.timeout.connect(self._feed)

    def _find_device(self) -> None:
        try:
            from PySide6.QtMultimedia import QMediaDevices
        except ImportError as exc:  # needs libpulse0 on Linux
            self._silent_reason = f"Playback is silent: QtMultimedia cannot load ({exc})"
            return
        if QMediaDevices.audioOutputs():
            self._device = QMediaDevices.defaultAudioOutput()
            self._silent_reason = ""

    # ---- facts ---------------------------------------------------------------------------
    @property
    def available(self) -> bool:
        return True

    @property
    def silent(self) -> bool:
        return self._device is None

    @property
    def silent_reason(self) -> str:
        return self._silent_reason if self._device is None else ""

    @property
    def source(self) -> Any:
        """What is loaded: the StemRender, the array or the WAV path (None when nothing is)."""
        return self._source

    @property
    def mixer(self) -> StemMixer | None:
        return self._mixer

    @property
    def gains(self) -> list[float]:
        return self._mixer.gains if self._mixer is not None else []

    def position(self) -> float:
        if self._mixer is None:
            return 0.0
        if self._state != PLAYING:
            return self._base_s
        if self._sink is not None:
            heard = self._base_s + max(0, self._sink.processedUSecs() - self._base_us) / 1e6
            return min(heard, self._mixer.frame / self._mixer.sample_rate, self._duration)
        elapsed = time.monotonic() - (self._clock_from or time.monotonic())
        return min(self._base_s + elapsed, self._duration)

    # ---- loading -------------------------------------------------------------------------
    def load_render(self, render: Any, sample_rate: int | None = None,
                    gains: Sequence[float] | None = None) -> None:
        """Play ``render``: a ``StemRender`` (its stems mixed live) or a mix array (one stem)."""
        stems, rate = stems_of(render, sample_rate)
        self.stop()
        self._close_sink()
        self._mixer = StemMixer(stems, rate)
        if gains is not None:
            self._mixer.set_gains(gains)
            self._mixer._heard = self._mixer.gains  # no fade-in from the defaults
        self._source = render
        self._duration = self._mixer.frames / rate if rate else 0.0
        self._base_s = 0.0
        self.durationChanged.emit(self._duration)
        self._emit_position(0.0, force=True)

    def load_wav(self, path: str | os.PathLike) -> None:
        from jukebox_gui.core.audio.wav import read_wav

        try:
            audio, rate = read_wav(path)
        except JukeboxError as exc:
            raise PlaybackError(str(exc)) from exc
        self.load_render(audio, rate)
        self._source = self._path = Path(path)

    def unload(self) -> None:
        self.stop()
        self._close_sink()
        self._mixer = self._source = self._path = None
        self._duration = 0.0
        self.durationChanged.emit(0.0)
        self._emit_position(0.0, force=True)

    def set_gains(self, gains: Sequence[float]) -> None:
        """The gain of every stem from now on (heard one buffer later)."""
        if self._mixer is not None:
            self._mixer.set_gains(gains)

    # ---- transport -----------------------------------------------------------------------
    def play(self) -> None:
        if self._mixer is None or self._state == PLAYING:
            return
        if self._duration and self._base_s >= self._duration - 0.01:
            self._base_s = 0.0
        self._mixer.seek(round(self._base_s * self._mixer.sample_rate))
        if self._device is not None and not self._start_sink():
            self._device = None  # the output refused this format: play on the clock instead
        self._clock_from = time.monotonic()
        self._set_state(PLAYING)
        self._poll.start()

    def pause(self) -> None:
        if self._state != PLAYING:
            return
        self._base_s = self.position()
        self._halt()
        self._set_state(PAUSED)
        self._emit_position(self._base_s, force=True)

    def stop(self) -> None:
        self._halt()
        self._base_s = 0.0
        if self._mixer is not None:
            self._mixer.seek(0)
        self._set_state(STOPPED)
        self._emit_position(0.0, force=True)

    def seek(self, seconds: float) -> None:
        if self._mixer is None:
            return
        seconds = min(max(0.0, float(seconds)), self._duration)
        self._mixer.seek(round(seconds * self._mixer.sample_rate))
        self._base_s = seconds
        self._clock_from = time.monotonic()
        if self._sink is not None:
            self._base_us = self._sink.processedUSecs()  # what is queued (< one buffer) still plays
        self._emit_position(seconds, force=True)

    # ---- the sink --------------------------------------------------------------------------
    def _start_sink(self) -> bool:
        from PySide6.QtMultimedia import QAudioFormat, QAudioSink

        fmt = QAudioFormat()
        fmt.setSampleRate(self._mixer.sample_rate)
        fmt.setChannelCount(2)
        fmt.setSampleFormat(QAudioFormat.SampleFormat.Int16)
        if not self._device.isFormatSupported(fmt):
            self._silent_reason = f"The audio output cannot play 16-bit stereo at {fmt.sampleRate()} Hz"
            return False
        self._sink = QAudioSink(self._device, fmt, self)
        self._sink.setBufferSize(fmt.bytesForDuration(BUFFER_MS * 1000))
        self._io = self._sink.start()
        if self._io is None or self._sink.error() != _audio_enums().Error.NoError:
            self._silent_reason = f"The audio output did not start ({self._sink.error().name})"
            self._close_sink()
            return False
        self._base_us = self._sink.processedUSecs()
        self._idle = False
        self._feed()
        self._feeder.start()
        return True

    def _feed(self) -> None:
        if self._sink is None or self._io is None or self._mixer is None:
            return
        idle = self._sink.state() == _audio_enums().State.IdleState \
            and self._sink.processedUSecs() > self._base_us  # idle before the first sound is not dry
        if idle and not self._idle and self._mixer.remaining() > 0:
            self.underruns += 1  # ran dry mid-take (stateChanged cannot reach Python slots in PySide 6.12)
        self._idle = idle
        frames = self._sink.bytesFree() // 4
        if frames > 0 and self._mixer.remaining() > 0:
            self._io.write(self._mixer.read_pcm16(frames))

    def _halt(self) -> None:
        self._poll.stop()
        self._feeder.stop()
        self._close_sink()

    def _close_sink(self) -> None:
        if self._sink is not None:
            self._feeder.stop()
            sink, self._sink, self._io = self._sink, None, None
            sink.stop()
            sink.deleteLater()

    # ---- the playhead ----------------------------------------------------------------------
    def _on_poll(self) -> None:
        pos = self.position()
        self._emit_position(pos)
        if self._duration and pos >= self._duration - 1e-3:
            self.stop()  # the end: rewind, like pressing Stop (as Player does)

    def _emit_position(self, seconds: float, force: bool = False) -> None:
        if force or abs(seconds - self._last_emitted) > 1e-4:
            self._last_emitted = seconds
            self.positionChanged.emit(seconds)


def _audio_enums():
    """Qt 6.7 renamed the QAudio namespace QtAudio; QAudioSink's error() and state() return the
    new enums, which never compare equal to the old ones."""
    from PySide6 import QtMultimedia

    return getattr(QtMultimedia, "QtAudio", None) or QtMultimedia.QAudio


def create_mix_player(parent: QObject | None = None) -> MixPlayer:
    return MixPlayer(parent)
