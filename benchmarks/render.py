"""Rendering speed: our offline FluidSynth render vs. the seed-style `fluidsynth -F` subprocess.

``realtime_factor`` = seconds of audio / seconds of wall time for ``render_score`` on a demo tune
(SoundFont load included; best of ``--repeat``). ``render_speedup`` = the fluidsynth command
line's wall time / ours for the same MIDI file and SoundFont (both write nothing but the audio;
the CLI's time includes its process start, which is what the seed paid per render).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path


def _tune(name: str | None) -> Path:
    if name:
        return Path(name)
    try:
        from jukebox_gui.core.demo import demo_corpus_dir

        files = sorted(Path(demo_corpus_dir("irish")).glob("*.mid"))
        if files:
            # the longest of the first 40: a real tune of about a minute
            return max(files[:40], key=lambda p: p.stat().st_size)
    except ImportError:
        pass
    import music21

    return Path(music21.__file__).parent / "midi" / "testPrimitive" / "test02.mid"


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main(argv: list[str]) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks render")
    parser.add_argument("--midi", help="MIDI file to render (default: a demo tune)")
    parser.add_argument("--soundfont", help="SoundFont (default: the resolved one)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    from jukebox_gui.core.audio.render import render_score
    from jukebox_gui.core.audio.soundfonts import resolve_soundfont
    from jukebox_gui.core.music.midi_io import read_midi

    tune = _tune(args.midi)
    soundfont = resolve_soundfont(args.soundfont)
    score = read_midi(tune)
    audio = render_score(score, soundfont)  # warm the page cache
    audio_s = audio.shape[0] / 44100
    ours = _best(lambda: render_score(score, soundfont), args.repeat)
    result = {
        "tune": tune.name,
        "soundfont": soundfont.name,
        "notes": score.note_count,
        "audio_seconds": round(audio_s, 2),
        "render_seconds": round(ours, 4),
        "realtime_factor": round(audio_s / ours, 1),
        "target_realtime_factor": 200,
    }
    cli = shutil.which("fluidsynth")
    if cli:
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "seed.wav"
            command = [cli, "-ni", "-q", "-F", str(out), "-r", "44100", str(soundfont), str(tune)]
            seed = _best(lambda: subprocess.run(command, capture_output=True, check=True, timeout=600), args.repeat)
        result["seed_cli_seconds"] = round(seed, 4)
        result["render_speedup"] = round(seed / ours, 2)
    return result
