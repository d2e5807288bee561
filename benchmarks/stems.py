"""Stems: one FluidSynth pass per track vs. the full mix, on a real multi-track song.

The song is Debian's ``planetblupi-music-midi`` music003.mid (8 tracks with drums), its first
``--seconds`` (default 60), when installed; else a generated 4-track score (piano, bass, strings,
drums). ``stems_max_diff_lsb``: the largest difference between the summed stems and the full
render, both normalised with the mix's one factor and rounded to 16-bit (32767 full scale), in
LSB. ``stems_file_sum_max_lsb``: the same when each stem is rounded to 16 bits on its own first
(what adding the WAV files gives). ``realtime_factor``: seconds of song / seconds to render all
its stems. ``stems_cost``: the stems' render time / the full mix's, same run.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

BLUPI = Path("/usr/share/planetblupi/music")


def _song(midi: str | None, seconds: float):
    from jukebox_gui.core.music.midi_io import read_midi
    from jukebox_gui.core.music.score import Note, Score, Track

    path = Path(midi) if midi else BLUPI / "music003.mid"
    if path.is_file():
        score = read_midi(path)
        return path.name, score.slice_beats(0.0, score.seconds_to_beat(seconds))
    beats = int(seconds * 2)  # 120 bpm
    chords = [(60, 64, 67), (57, 60, 64), (53, 57, 60), (55, 59, 62)]
    piano = [Note(b, 1.0, p, 70) for b in range(beats) for p in chords[(b // 4) % 4]]
    bass = [Note(b, 0.5, chords[(b // 4) % 4][0] - 24, 100) for b in range(beats)]
    strings = [Note(b, 4.0, chords[(b // 4) % 4][2] + 12, 60) for b in range(0, beats, 4)]
    drums = [Note(b / 2, 0.25, (36, 42, 38, 42)[b % 4], 100) for b in range(beats * 2)]
    return "generated 4-track", Score(tracks=[Track(0, notes=piano), Track(33, notes=bass),
                                              Track(48, notes=strings), Track(0, True, notes=drums)])


def _q16(audio: np.ndarray) -> np.ndarray:
    return np.round(np.clip(audio.astype(np.float64), -1.0, 1.0) * 32767.0)


def main(argv: list[str]) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks stems")
    parser.add_argument("--midi", help="multi-track MIDI file (default: planetblupi music003, else generated)")
    parser.add_argument("--seconds", type=float, default=60.0, help="render the first S seconds (60)")
    parser.add_argument("--soundfont", help="SoundFont (default: the resolved one)")
    args = parser.parse_args(argv)

    from jukebox_gui.core.audio.render import render_score
    from jukebox_gui.core.audio.soundfonts import resolve_soundfont
    from jukebox_gui.core.audio.stems import render_stems

    name, score = _song(args.midi, args.seconds)
    soundfont = resolve_soundfont(args.soundfont)
    render_score(score.slice_beats(0.0, 4.0), soundfont)  # warm the page cache
    started = time.perf_counter()
    full = render_score(score, soundfont)
    full_s = time.perf_counter() - started
    started = time.perf_counter()
    stems = render_stems(score, soundfont)
    stems_s = time.perf_counter() - started
    mix = stems.mix()
    audio_s = stems.frames / stems.sample_rate
    file_sum = sum(_q16(s.audio) for s in stems.stems)
    return {
        "song": name,
        "soundfont": soundfont.name,
        "tracks": len(stems.stems),
        "names": [s.name for s in stems.stems],
        "audio_seconds": round(audio_s, 2),
        "full_render_seconds": round(full_s, 3),
        "stems_render_seconds": round(stems_s, 3),
        "stems_max_diff_lsb": float(np.max(np.abs(_q16(mix) - _q16(full)))),
        "stems_max_diff_float_lsb": round(float(np.max(np.abs(mix.astype(np.float64) - full))) * 32768, 4),
        "stems_file_sum_max_lsb": float(np.max(np.abs(file_sum - _q16(full)))),
        "stems_file_sum_mean_lsb": round(float(np.mean(np.abs(file_sum - _q16(full)))), 3),
        "realtime_factor": round(audio_s / stems_s, 1),
        "stems_cost": round(stems_s / full_s, 2),
    }
