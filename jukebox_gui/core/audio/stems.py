"""Stems: every track of a score rendered on its own, scaled so that the stems add up to the mix.

Each track gets its own FluidSynth pass through ``render.render_pass``, the code path
``render_score`` uses for the full mix: same synth settings, the track on the same channel as in
the mix (drums on the percussion bank), every channel programmed as in the mix, and every other
track's notes played too, silenced (CC 7 and 11 at 0: -144 dB). One factor,
``StemRender.scale``, brings the SUMMED stems' peak to ``peak`` and is applied to every stem, so
``render.mix()`` equals ``render_score(score)`` within float rounding and a muted stem leaves
exactly its own sound out of the mix.

Is the sum linear? The buses and FluidSynth 2.3's FDN reverb are: switching reverb off changed
nothing in the difference. What is not is voice allocation: a new note takes the voice slot of a
finished one and inherits some of its state, so a track rendered truly alone differed from its
share of the mix (a snare after a synth-bass note by 18 % of its peak; a real 8-track song by
698 16-bit LSB). Replaying the other tracks silently keeps the slot history of the mix, and the
difference drops to float rounding (~1e-7). The price: each pass synthesises every voice, so
stems cost about one full render per track. Voice stealing past ``synth.polyphony`` (256) is the
same in every pass for the same reason.

Stems are written as 16-bit files: each file rounds on its own, so adding the files can differ
from the 16-bit mix by up to half an LSB per stem (measured in the tests and the benchmark).
A stem is scaled by the mix's factor, so a stem can peak above 1.0 only where other tracks
cancel it in the mix (opposite phase): not seen with General MIDI SoundFonts, and write_wav clips.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import ExportError, RenderError
from ..music.gm_names import track_names
from ..music.score import Score
from ..progress import CancelToken, Progress, ProgressSink
from .render import PEAK, peak_scale, plan_render, render_pass
from .wav import SAMPLE_RATE, write_wav


@dataclass(frozen=True)
class Stem:
    index: int  # the track's index in score.tracks
    name: str  # display name, unique within the take (gm_names.track_names)
    program: int
    is_drum: bool
    audio: np.ndarray  # float32 (frames, 2), already multiplied by StemRender.scale


@dataclass(frozen=True)
class StemRender:
    stems: list[Stem]
    scale: float  # the one factor applied to every stem (brings the mix's peak to PEAK)
    sample_rate: int

    @property
    def frames(self) -> int:
        return int(self.stems[0].audio.shape[0]) if self.stems else 0

    def mix(self, gains: Sequence[float] | None = None) -> np.ndarray:
        """The stems summed, each times its gain (default 1.0 each): float32 ``(frames, 2)``."""
        if gains is None:
            gains = [1.0] * len(self.stems)
        gains = [float(g) for g in gains]
        if len(gains) != len(self.stems):
            raise RenderError(f"{len(gains)} gains for {len(self.stems)} stems")
        if not all(np.isfinite(g) for g in gains):
            raise RenderError("a stem gain is not a finite number")
        total = np.zeros((self.frames, 2), dtype=np.float64)
        for stem, g in zip(self.stems, gains):
            if g == 1.0:
                total += stem.audio
            elif g != 0.0:
                total += g * stem.audio.astype(np.float64)
        return total.astype(np.float32)


def audible_gains(volumes: Sequence[float], muted: Sequence[bool], soloed: Sequence[bool]) -> list[float]:
    """The gain each track plays at, by the usual mixer rule: a muted track never sounds (mute wins
    over solo); when any track is soloed only the soloed ones sound; a sounding track plays at its
    volume clipped to 0..1 (NaN counts as 0)."""
    if not len(volumes) == len(muted) == len(soloed):
        raise RenderError(f"mixer lists differ in length: {len(volumes)} volumes, {len(muted)} mutes, "
                          f"{len(soloed)} solos")
    any_solo = any(bool(s) for s in soloed)
    gains = []
    for volume, mute, solo in zip(volumes, muted, soloed):
        v = float(volume)
        v = 0.0 if v != v else min(1.0, max(0.0, v))  # v != v: NaN
        gains.append(0.0 if mute or (any_solo and not solo) else v)
    return gains


def render_stems(
    score: Score,
    soundfont: str | os.PathLike | None = None,
    *,
    sample_rate: int = SAMPLE_RATE,
    gain: float = 0.2,
    tail_s: float = 2.0,
    peak: float | None = PEAK,
    progress: ProgressSink | None = None,
    cancel: CancelToken | None = None,
) -> StemRender:
    """Render every track of ``score`` alone (one pass each, one "render" progress stream over all
    passes), scaled together so that the stems sum to ``render_score(score)``'s mix."""
    plan = plan_render(score, soundfont, sample_rate=sample_rate, gain=gain, tail_s=tail_s)
    names = track_names(score)
    count = len(score.tracks)
    grand_total = plan.frames * count
    raw = []
    for i, track in enumerate(score.tracks):
        if cancel is not None:
            cancel.raise_if_cancelled()
        if not track.notes:  # a silent pass would render zeros: skip the synth
            raw.append(np.zeros((plan.frames, 2), dtype=np.float32))
            if progress is not None:
                progress(Progress("render", plan.frames * (i + 1), grand_total, f"{names[i]}: no notes"))
            continue
        raw.append(render_pass(plan, score, [i], progress=progress, cancel=cancel,
                               done_before=plan.frames * i, grand_total=grand_total, label=names[i]))
    if cancel is not None:
        cancel.raise_if_cancelled()
    total = np.zeros((plan.frames, 2), dtype=np.float32)
    for audio in raw:  # float32 adds, as FluidSynth's one pass sums voices into one float buffer
        total += audio
    scale = peak_scale(total, peak, plan.soundfont)
    factor = np.float32(scale)
    stems = []
    for i, (track, audio) in enumerate(zip(score.tracks, raw)):
        if scale != 1.0:
            audio *= factor
        stems.append(Stem(i, names[i], int(track.program), bool(track.is_drum), audio))
    return StemRender(stems, scale, plan.sample_rate)


_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def stem_filename(stem: Stem, count: int) -> str:
    """ "01 Fingered Bass.wav": index + 1 (zero-padded to the number of stems, at least 2 digits),
    the name with characters no common file system accepts replaced by "-"."""
    name = _UNSAFE.sub("-", stem.name).strip(" .") or "Track"
    width = max(2, len(str(count)))
    return f"{stem.index + 1:0{width}d} {name}.wav"


def write_stems(render: StemRender, directory: str | os.PathLike, *, progress: ProgressSink | None = None,
                cancel: CancelToken | None = None) -> list[Path]:
    """One 16-bit stereo WAV per stem in ``directory`` (created if missing), each replaced
    atomically: a failure leaves every file whole (or absent), never half written."""
    if not render.stems:
        raise ExportError("no stems to write")
    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"{folder} is a file, not a folder for stems")
    paths = []
    count = len(render.stems)
    for i, stem in enumerate(render.stems):
        if cancel is not None:
            cancel.raise_if_cancelled()
        path = folder / stem_filename(stem, count)
        write_wav(path, stem.audio, render.sample_rate)
        paths.append(path)
        if progress is not None:
            progress(Progress("write", i + 1, count, path.name))
    return paths
