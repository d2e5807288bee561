"""`jukebox render IN.mid [--out OUT.wav] [--stems DIR] [--soundfont SF2]`: offline FluidSynth rendering."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "render", help="render a MIDI file to WAV with FluidSynth (no sound card needed)",
        description="Render a MIDI file to a 16-bit stereo WAV offline with FluidSynth and a SoundFont. "
                    "The SoundFont is --soundfont, else the one remembered with --remember, else the "
                    "bundled TimGM6mb, else one installed on the system.")
    parser.add_argument("input", nargs="?", metavar="IN.mid", help="MIDI file to render")
    parser.add_argument("--out", metavar="OUT.wav", help="WAV file to write (replaced atomically)")
    parser.add_argument("--stems", metavar="DIR",
                        help="also (or instead) write one WAV per track into DIR, e.g. '01 Fingered Bass.wav'; "
                             "the stems add up to the mix")
    parser.add_argument("--soundfont", metavar="SF2", help="SoundFont (.sf2/.sf3) to use")
    parser.add_argument("--remember", action="store_true", help="remember --soundfont as the default")
    parser.add_argument("--list-soundfonts", action="store_true", help="list the SoundFonts found and exit")
    parser.add_argument("--sample-rate", type=int, default=None, metavar="HZ",
                        help="default: the renderer's rate (44.1 kHz)")
    parser.add_argument("--gain", type=float, default=0.2, help="FluidSynth gain before normalising (0.2)")
    parser.add_argument("--tail", type=float, default=2.0, metavar="S", help="release tail in seconds (2)")
    parser.set_defaults(func=_run, parser=parser)


def _list() -> int:
    from ..core.audio.soundfonts import discover_soundfonts

    infos = discover_soundfonts()
    if not infos:
        print("no SoundFont found")
    for i, info in enumerate(infos):
        mark = "*" if i == 0 else " "
        print(f"{mark} {info.source:8} {info.size_bytes / 1e6:7.1f} MB  {info.path}")
    return 0


def _run(args: argparse.Namespace) -> int:
    import time

    from ..core.audio.render import load_fluidsynth, render_score
    from ..core.audio.soundfonts import resolve_soundfont, save_soundfont_choice
    from ..core.audio.wav import SAMPLE_RATE, write_wav
    from ..core.errors import RenderError
    from ..core.music.safe_read import read_midi_isolated
    from .progressbar import ProgressBar

    if args.list_soundfonts:
        return _list()
    if args.remember:
        if not args.soundfont:
            raise RenderError("--remember needs --soundfont FILE")
        save_soundfont_choice(args.soundfont)
        print(f"remembered SoundFont {args.soundfont}")
        if not args.input:
            return 0
    if not args.input or not (args.out or args.stems):
        args.parser.error("IN.mid and --out OUT.wav (or --stems DIR) are required")
    # fail fast, before parsing: the library and a SoundFont must be there
    load_fluidsynth()
    soundfont = resolve_soundfont(args.soundfont)
    rate = args.sample_rate or SAMPLE_RATE
    score = read_midi_isolated(args.input)  # a worker process: a hostile file cannot crash or hang us
    if args.stems:
        return _run_stems(args, score, soundfont, rate)
    bar = ProgressBar(label="render")
    started = time.perf_counter()
    try:
        audio = render_score(score, soundfont, sample_rate=rate, gain=args.gain,
                             tail_s=args.tail, progress=bar)
    finally:
        bar.close()
    elapsed = time.perf_counter() - started
    write_wav(args.out, audio, rate)
    seconds = audio.shape[0] / rate
    print(f"wrote {args.out}: {seconds:.1f} s of audio in {elapsed:.2f} s "
          f"({seconds / max(elapsed, 1e-9):.0f}x realtime) with {soundfont.name}")
    return 0


def _run_stems(args: argparse.Namespace, score, soundfont, rate: int) -> int:
    """One render pass per track; the stems, and --out's mix (their sum, no second render)."""
    import time

    from ..core.audio.stems import render_stems, write_stems
    from ..core.audio.wav import write_wav
    from .progressbar import ProgressBar

    bar = ProgressBar(label="render stems")
    started = time.perf_counter()
    try:
        render = render_stems(score, soundfont, sample_rate=rate, gain=args.gain, tail_s=args.tail, progress=bar)
    finally:
        bar.close()
    elapsed = time.perf_counter() - started
    paths = write_stems(render, args.stems)
    for stem, path in zip(render.stems, paths):
        kind = "drums" if stem.is_drum else f"program {stem.program}"
        print(f"wrote {path} ({stem.name}, {kind})")
    seconds = render.frames / rate
    if args.out:
        write_wav(args.out, render.mix(), rate)
        print(f"wrote {args.out}: the mix of the stems")
    print(f"wrote {len(paths)} stems to {args.stems}: {seconds:.1f} s of audio each in {elapsed:.2f} s "
          f"({seconds / max(elapsed, 1e-9):.0f}x realtime) with {soundfont.name}")
    return 0
