"""Write PNG pages of takes and demo files as a musician would see them, for people to look at.

    python tools/score_pages.py OUT_DIR [--takes 2] [--demo 2] [--compare] [--dpi 100] [FILE.mid ...]

Each MIDI file (the files given, ``--takes`` takes of each built-in model, ``--demo`` demo corpus
files) is exported as MusicXML like ``jukebox export`` does (titles from a take report or a demo
manifest beside it) and laid out by MuseScore 3: ``NAME-ours-N.png``. ``--compare`` adds
MuseScore's own import of the same MIDI file, ``NAME-musescore-N.png``. Pages come from a PDF
through ``pdftoppm`` when it is installed, else straight from MuseScore.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="folder for the PNGs (and the MusicXML files)")
    parser.add_argument("files", nargs="*", type=Path, help="MIDI files to show")
    parser.add_argument("--takes", type=int, default=0, help="takes of each built-in model (seeds 1..N)")
    parser.add_argument("--demo", type=int, default=0, help="demo corpus files (half Irish, half Bach)")
    parser.add_argument("--compare", action="store_true", help="also MuseScore's own import of each MIDI")
    parser.add_argument("--dpi", type=int, default=100)
    parser.add_argument("--grid", type=int, default=4, help="notation grid in steps per beat")
    args = parser.parse_args(argv)

    from benchmarks.score import demo_files, take_files
    from jukebox_gui.core.music.midi_io import read_midi
    from jukebox_gui.core.music.musescore import find_musescore, render_pages
    from jukebox_gui.core.music.musicxml import export_musicxml
    from jukebox_gui.core.music.score_titles import describe_midi
    from jukebox_gui.core.paths import cache_dir

    if find_musescore() is None:
        print("score_pages: MuseScore not found (apt install musescore3)", file=sys.stderr)
        return 2
    files = list(args.files)
    if args.takes:
        files += take_files(args.takes, cache_dir() / "bench-score" / "takes")
    if args.demo:
        files += demo_files(args.demo)
    if not files:
        parser.error("nothing to show: give MIDI files, --takes N or --demo N")
    args.out.mkdir(parents=True, exist_ok=True)
    for midi in files:
        name = f"{midi.parent.name}-{midi.stem}"
        score = read_midi(midi)
        titles = describe_midi(midi)
        score.title = titles.title
        xml = export_musicxml(score, args.out / f"{name}.musicxml", divisions=args.grid,
                              subtitle=titles.subtitle, composer=titles.composer)
        pages = render_pages(xml, args.out, stem=f"{name}-ours", dpi=args.dpi)
        if args.compare:
            pages += render_pages(midi, args.out, stem=f"{name}-musescore", dpi=args.dpi)
        for page in pages:
            print(page)
    return 0


if __name__ == "__main__":
    sys.exit(main())
