"""`jukebox export IN.mid --musicxml OUT.musicxml|.mxl [--midi OUT.mid]`: notation and MIDI."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export", help="export a MIDI file as MusicXML (for MuseScore) and/or clean MIDI",
        description="Export a MIDI file as MusicXML 4.0 (.musicxml, or compressed .mxl), quantised to a "
                    "grid, and/or as a MIDI file written by AI Jukebox.")
    parser.add_argument("input", metavar="IN.mid", help="MIDI file to export")
    parser.add_argument("--musicxml", metavar="OUT", help="MusicXML file to write (.musicxml, .xml or .mxl)")
    parser.add_argument("--midi", metavar="OUT.mid", help="MIDI file to write")
    parser.add_argument("--grid", type=int, default=4, metavar="N",
                        help="notation grid in steps per beat: 4 = sixteenths (default), 12 = with triplets")
    parser.add_argument("--validate", action="store_true", help="check the MusicXML against the 4.0 XSD")
    parser.add_argument("--open", action="store_true", help="open the MusicXML in MuseScore afterwards")
    parser.set_defaults(func=_run, parser=parser)


def _run(args: argparse.Namespace) -> int:
    from ..core.errors import ExportError
    from ..core.music.midi_io import write_midi
    from ..core.music.safe_read import read_midi_isolated

    if not args.musicxml and not args.midi:
        args.parser.error("nothing to do: give --musicxml OUT and/or --midi OUT.mid")
    score = read_midi_isolated(args.input)  # a worker process: a hostile file cannot crash or hang us
    if args.midi:
        write_midi(score, args.midi)
        print(f"wrote {args.midi}: {score.note_count} notes in {len(score.tracks)} tracks")
    if args.musicxml:
        from ..core.music.musicxml import export_musicxml
        from ..core.music.musicxml_check import validate_musicxml
        from ..core.music.form_marks import form_beside
        from ..core.music.score_titles import describe_midi

        titles = describe_midi(args.input)  # a take's report or a demo manifest beside the file
        score.title = titles.title
        path = export_musicxml(score, args.musicxml, divisions=args.grid, subtitle=titles.subtitle,
                               composer=titles.composer, form=form_beside(args.input))
        print(f"wrote {path}")
        if args.validate:
            problems = validate_musicxml(path)
            if problems:
                raise ExportError(f"{path} does not validate: {problems[0]} ({len(problems)} problems)")
            print("valid MusicXML 4.0")
        if args.open:
            from ..core.music.musescore import open_in_musescore

            open_in_musescore(path)
    return 0
