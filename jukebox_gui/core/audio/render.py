"""Offline rendering of a Score (or MIDI file) to a float32 stereo buffer with FluidSynth.

No audio driver is started: the synth is stepped between note events, writing straight into the
output array with ``fluid_synth_write_float`` (pyfluidsynth's ``get_samples`` returns int16, which
would clip loud passages before we can normalise them). Rendering is deterministic.

Our Score carries no controller data, so sustain pedal is whatever midi_io folded into note
durations; notes are released at their written end and a ``tail_s`` release tail follows.
"""

from __future__ import annotations

import ctypes
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import RenderError
from ..music.score import DRUM_CHANNEL, Score
from ..progress import CancelToken, Progress, ProgressSink
from .soundfonts import resolve_soundfont
from .wav import SAMPLE_RATE

INSTALL_ADVICE = "install libfluidsynth3 (apt install libfluidsynth3)"
MAX_SECONDS = 30 * 60.0  # a corrupt delta time once made FluidSynth write 240 MB in 5 s
CHUNK = 32768  # frames rendered between cancel checks / progress events
PEAK = 0.9
SILENCE_RMS = 1e-5


def load_fluidsynth():
    """Import pyfluidsynth, turning a missing libfluidsynth into a RenderError with advice."""
    try:
        import fluidsynth  # noqa: PLC0415 (lazy: loads a C library)
    except (ImportError, OSError) as exc:
        raise RenderError(f"FluidSynth is not available ({exc}); {INSTALL_ADVICE}") from exc
    return fluidsynth


def fluidsynth_available() -> tuple[bool, str]:
    """(True, "") when rendering can work, else (False, reason) for the window to show."""
    try:
        load_fluidsynth()
        resolve_soundfont()
    except RenderError as exc:
        return False, str(exc)
    return True, ""


@dataclass(frozen=True)
class _Event:
    frame: int
    order: int  # 0 = note off before 1 = note on at the same frame
    channel: int
    pitch: int
    velocity: int


def _allocate_channels(score: Score) -> list[int]:
    """One MIDI channel per track (the synth has 256): drums on channels 9, 25, ... (bank 128)."""
    melodic = (c for c in range(256) if c % 16 != DRUM_CHANNEL)
    drums = (c for c in range(DRUM_CHANNEL, 256, 16))
    channels = []
    for track in score.tracks:
        try:
            channels.append(next(drums) if track.is_drum else next(melodic))
        except StopIteration as exc:
            raise RenderError(f"too many tracks to render ({len(score.tracks)})") from exc
    return channels


def _events(score: Score, channels: list[int], sample_rate: int) -> list[_Event]:
    events = []
    for track, channel in zip(score.tracks, channels):
        for note in track.notes:
            if not 0 <= note.pitch <= 127:
                continue
            on = round(score.beat_to_seconds(note.start) * sample_rate)
            off = max(on + 1, round(score.beat_to_seconds(note.end) * sample_rate))
            velocity = min(127, max(1, int(note.velocity)))
            events.append(_Event(on, 1, channel, note.pitch, velocity))
            events.append(_Event(off, 0, channel, note.pitch, 0))
    events.sort(key=lambda e: (e.frame, e.order, e.channel, e.pitch))
    return events


@dataclass(frozen=True)
class RenderPlan:
    """What every FluidSynth pass of one score shares: checked once, before any audio is made."""

    soundfont: Path
    sample_rate: int
    gain: float
    frames: int
    channels: list[int]  # one MIDI channel per track, as _allocate_channels gives them


def plan_render(
    score: Score,
    soundfont: str | os.PathLike | None = None,
    *,
    sample_rate: int = SAMPLE_RATE,
    gain: float = 0.2,
    tail_s: float = 2.0,
    max_seconds: float = MAX_SECONDS,
) -> RenderPlan:
    """Check the input and resolve the SoundFont and library (RenderError with a reason if not)."""
    if not 8000 <= sample_rate <= 192000:
        raise RenderError(f"sample rate {sample_rate} Hz is out of range (8000..192000)")
    if score.note_count == 0:
        raise RenderError("nothing to render: the score has no notes")
    seconds = score.duration_seconds + max(0.0, tail_s)
    if seconds > max_seconds:
        raise RenderError(
            f"refusing to render {seconds / 60:.1f} minutes of audio (limit {max_seconds / 60:.0f} min); "
            "the file may have a corrupt timing"
        )
    sf_path = resolve_soundfont(soundfont)
    load_fluidsynth()
    return RenderPlan(sf_path, int(sample_rate), float(gain), int(round(seconds * sample_rate)),
                      _allocate_channels(score))


def render_pass(
    plan: RenderPlan,
    score: Score,
    tracks: Sequence[int] | None = None,
    *,
    progress: ProgressSink | None = None,
    cancel: CancelToken | None = None,
    done_before: int = 0,
    grand_total: int | None = None,
    label: str = "",
) -> np.ndarray:
    """One fresh synth renders ``score`` into an un-normalised float32 ``(plan.frames, 2)`` buffer
    with only ``tracks`` audible (indices into score.tracks; None = all). Every pass programs every
    channel and plays every note the same way (the others at -144 dB), so a track alone is its
    share of the mix. Progress events count
    ``done_before + cursor`` of ``grand_total`` frames: several passes make one "render" stream."""
    fluidsynth = load_fluidsynth()
    out = np.zeros((plan.frames, 2), dtype=np.float32)
    # We never send CC 93 (chorus send), so the chorus unit only burns time: off, same output.
    synth = fluidsynth.Synth(gain=plan.gain, samplerate=float(plan.sample_rate), **{"synth.chorus.active": 0})
    try:
        _render_into(fluidsynth, synth, score, str(plan.soundfont), out, plan, tracks,
                     _Reporter(progress, done_before, grand_total or plan.frames, plan.sample_rate, label), cancel)
    finally:
        synth.delete()
    return out


def peak_scale(audio: np.ndarray, peak: float | None, soundfont: Path) -> float:
    """The factor that brings ``audio``'s peak to ``peak`` (1.0 when ``peak`` is falsy); RenderError
    when the audio is silent."""
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))
    if rms < SILENCE_RMS:
        raise RenderError(f"the render is silent: does {soundfont.name} have the instruments this score uses?")
    if not peak:
        return 1.0
    return float(np.float32(peak / float(np.max(np.abs(audio)))))


def render_score(
    score: Score,
    soundfont: str | os.PathLike | None = None,
    *,
    sample_rate: int = SAMPLE_RATE,
    gain: float = 0.2,
    tail_s: float = 2.0,
    max_seconds: float = MAX_SECONDS,
    peak: float | None = PEAK,
    progress: ProgressSink | None = None,
    cancel: CancelToken | None = None,
) -> np.ndarray:
    """Render ``score`` to float32 stereo ``(frames, 2)``; peaks normalised to ``peak``."""
    plan = plan_render(score, soundfont, sample_rate=sample_rate, gain=gain, tail_s=tail_s,
                       max_seconds=max_seconds)
    out = render_pass(plan, score, progress=progress, cancel=cancel)
    if cancel is not None:  # the passes below take seconds on a long render: do not make a closing window wait
        cancel.raise_if_cancelled()
    scale = peak_scale(out, peak, plan.soundfont)
    if scale != 1.0:
        out *= np.float32(scale)
    return out


class _Reporter:
    """Turns a pass's cursor into "render" Progress events of the whole job."""

    def __init__(self, sink: ProgressSink | None, before: int, total: int, sample_rate: int, label: str) -> None:
        self.sink, self.before, self.total, self.rate = sink, before, total, sample_rate
        self.prefix = f"{label}: " if label else ""

    def __call__(self, cursor: int) -> None:
        if self.sink is not None:
            self.sink(Progress("render", self.before + cursor, self.total,
                               f"{self.prefix}{cursor / self.rate:.1f} s"))


def _write_float(fluidsynth):
    """libfluidsynth's ``fluid_synth_write_float``, which pyfluidsynth does not wrap: declared with
    pyfluidsynth's public ``cfunc`` prototype helper (its ``_fl`` library handle stays private)."""
    c_void_p, c_int = ctypes.c_void_p, ctypes.c_int
    func = fluidsynth.cfunc("fluid_synth_write_float", c_int,
                            ("synth", c_void_p, 1), ("len", c_int, 1),
                            ("lbuf", c_void_p, 1), ("loff", c_int, 1), ("lincr", c_int, 1),
                            ("rbuf", c_void_p, 1), ("roff", c_int, 1), ("rincr", c_int, 1))
    if func is None:
        raise RenderError(f"this libfluidsynth lacks fluid_synth_write_float; {INSTALL_ADVICE}")
    return func


def _render_into(fluidsynth, synth, score, sf_path, out, plan, tracks, report, cancel) -> None:
    sfid = synth.sfload(sf_path)
    if sfid < 0:
        raise RenderError(f"FluidSynth could not load the SoundFont {sf_path} (corrupt or unsupported)")
    channels = plan.channels
    for track, channel in zip(score.tracks, channels):
        bank, program = (128, 0 if track.program > 127 else track.program) if track.is_drum else (0, track.program)
        if synth.program_select(channel, sfid, bank, min(127, max(0, program))) < 0:
            # the SoundFont lacks this preset: fall back to the first of its bank
            synth.program_select(channel, sfid, bank, 0)
    if tracks is not None:
        # The other tracks still play, silenced: FluidSynth hands a new note the voice slot a
        # finished note used, and some of that voice's state carries over (measured: a snare
        # after a synth-bass note differs by 18 % of its peak). Playing every note keeps the slot
        # history of the mix, so a track alone is exactly its share of the mix.
        audible = {channels[i] for i in tracks}
        for channel in set(channels) - audible:
            synth.cc(channel, 7, 0)  # volume and expression 0: 1440 cB, FluidSynth's floor (-144 dB)
            synth.cc(channel, 11, 0)
    events = _events(score, channels, plan.sample_rate)
    write = _write_float(fluidsynth)
    base = out.ctypes.data
    total = out.shape[0]
    sounding: dict[tuple[int, int], int] = {}
    cursor = 0

    def advance(to: int) -> None:
        nonlocal cursor
        to = min(to, total)
        while cursor < to:
            if cancel is not None:
                cancel.wait_if_paused()
                cancel.raise_if_cancelled()
            n = min(CHUNK, to - cursor)
            # interleaved stereo: left at even floats, right at odd, 4 bytes each
            if write(synth.synth, n, base, cursor * 2, 2, base, cursor * 2 + 1, 2) != 0:
                raise RenderError("FluidSynth failed while rendering")
            cursor += n
            if cursor == total or n == CHUNK:
                report(cursor)

    for event in events:
        advance(event.frame)
        key = (event.channel, event.pitch)
        if event.order:
            synth.noteon(event.channel, event.pitch, event.velocity)
            sounding[key] = sounding.get(key, 0) + 1
        else:
            # overlapping notes of one pitch: release only when the last of them ends
            count = sounding.get(key, 0) - 1
            if count <= 0:
                sounding.pop(key, None)
                synth.noteoff(event.channel, event.pitch)
            else:
                sounding[key] = count
    advance(total)


def render_midi(path: str | os.PathLike, soundfont: str | os.PathLike | None = None, **kwargs) -> np.ndarray:
    """Read a MIDI file and render it (same keyword arguments as render_score). The file is parsed
    in a worker process with a time limit, as every single file a user gives is: a file that
    crashes or hangs the native parser raises a clear error and this process stays up."""
    from ..music.safe_read import read_midi_isolated  # noqa: PLC0415

    return render_score(read_midi_isolated(Path(path)), soundfont, **kwargs)
