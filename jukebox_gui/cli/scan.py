"""`jukebox scan DIR|demo:NAME [--json REPORT.json]`: what is usable in a folder, and why not.

With several sources (``jukebox scan irish=demo:irish bach=demo:bach ./mine``, the specs
``jukebox train A B`` takes), each is a style: one line of figures per style and a total
(``core.data.style_stats``), then the files not used, labelled with their style."""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "scan", help="scan a folder of MIDI files (or demo:NAME) and report what is usable",
        description="Read every .mid/.midi/.kar/.rmi file under a folder, print a summary and the "
                    "skipped files with reasons. Exit 0 when at least one file is usable, 2 when none.")
    parser.add_argument("sources", nargs="+", metavar="DIR|demo:NAME",
                        help="a folder, or a demo corpus like demo:irish; several (NAME=DIR, NAME=demo:X, "
                             "or the folder's name) are the styles of one corpus, reported per style")
    parser.add_argument("--json", metavar="REPORT.json", help="also write the full report as JSON")
    parser.add_argument("--workers", type=int, default=None, help="parser processes (default: CPU count, max 4)")
    parser.add_argument("--no-cache", action="store_true", help="ignore the scan cache (parse every file again)")
    parser.add_argument("--all", action="store_true", help="list every skipped file (default: first 50)")
    parser.set_defaults(func=run)


def _fmt_duration(seconds: float) -> str:
    hours, rest = divmod(int(round(seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def summary_lines(report) -> list[str]:
    from ..core.music.gm_names import program_name

    s = report.stats
    instruments = ", ".join(
        f"{program_name(program)} ×{count}"
        for program, count in sorted(s.instruments.items(), key=lambda kv: -kv[1])[:8]
    ) or "-"
    rows = [
        ("folder", report.folder.encode("utf-8", "surrogateescape").decode("utf-8", "replace")),
        ("files", f"{s.files}"),
        ("usable", f"{s.ok}" + (f" ({s.repaired} repaired)" if s.repaired else "")),
        ("skipped", f"{s.skipped}"),
        ("duplicates", f"{s.duplicates}"),
        ("notes", f"{s.notes:,}"),
        ("total duration", _fmt_duration(s.total_duration_s)),
        ("pitch range", f"{s.pitch_min}–{s.pitch_max}" if s.pitch_min is not None else "-"),
        ("tempo range", f"{s.tempo_min:.0f}–{s.tempo_max:.0f} bpm" if s.tempo_min is not None else "-"),
        ("instruments", instruments),
        ("time", f"{report.seconds:.2f} s ({report.parsed} parsed, {report.cached} from cache)"),
    ]
    width = max(len(k) for k, _ in rows)
    return [f"{k.ljust(width)}  {v}" for k, v in rows]


def style_lines(styled) -> list[str]:
    """One line per style and a total: files, usable, skipped, notes, length, ranges, metre, instruments."""
    from ..core.data.style_stats import TOTAL
    from ..core.music.gm_names import program_name

    header = ("style", "files", "usable", "skipped", "notes", "duration", "pitch", "tempo", "time sig", "instruments")
    table = [header]
    for row in [*styled.rows(), styled.total()]:
        instruments = ", ".join(f"{program_name(p)} ×{n}" for p, n in row.instruments[:3]) or "-"
        if len(row.instruments) > 3:
            instruments += f" (+{len(row.instruments) - 3})"
        table.append((row.name.lower() if row.name == TOTAL else row.name, f"{row.files}", f"{row.ok}",
                      f"{row.not_used}", f"{row.notes:,}", _fmt_duration(row.duration_s), row.pitch_range(),
                      row.tempo_range(), row.time_signature or "-", instruments))
    widths = [max(len(r[i]) for r in table) for i in range(len(header) - 1)]
    right = {1, 2, 3, 4, 5}
    lines = ["  ".join((c.rjust(w) if i in right else c.ljust(w)) for i, (c, w) in enumerate(zip(r, widths)))
             + "  " + r[-1] for r in table]
    return lines


def _folder(report) -> str:
    return report.folder.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _print_not_used(labelled: list[tuple[str, object]], show_all: bool) -> None:
    if labelled:
        print(f"\nnot used ({len(labelled)}):")
        shown = labelled if show_all else labelled[:50]
        for label, record in shown:
            print(f"  {label}{record.display}: {record.reason}")
        if len(shown) < len(labelled):
            print(f"  ... and {len(labelled) - len(shown)} more (--all to list them, --json for everything)")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..core.data.scan import scan
    from ..core.data.styles import parse_source
    from ..core.errors import CorpusError
    from .progressbar import ProgressBar

    if len(args.sources) > 1:
        return _run_styles(args)
    source = args.sources[0]
    if "=" in source and not Path(source).expanduser().exists():
        source = parse_source(source).source  # one named style: the plain report
    bar = ProgressBar(label="scan")
    try:
        report = scan(source, progress=bar, workers=args.workers, use_cache=not args.no_cache)
    finally:
        bar.close()
    for line in summary_lines(report):
        print(line)
    _print_not_used([("", r) for r in report.files if not r.ok], args.all)
    if args.json:
        report.save(args.json)
        print(f"\nreport written to {args.json}")
    sys.stdout.flush()
    if not report.ok_files:
        raise CorpusError(f"no usable MIDI files in {source} ({report.stats.files} files looked at)")
    return 0


def _run_styles(args: argparse.Namespace) -> int:
    import json

    from ..core.data.style_stats import scan_styles
    from ..core.errors import CorpusError
    from ..core.fileio import atomic_write_text
    from .progressbar import ProgressBar

    bar = ProgressBar(label="scan")
    try:
        styled = scan_styles(args.sources, progress=bar, workers=args.workers, use_cache=not args.no_cache)
    finally:
        bar.close()
    width = max(len(n) for n in styled.names)
    for s, report in zip(styled.sources, styled.reports):
        print(f"{s.name.ljust(width)}  {s.source}" + (f" ({_folder(report)})" if s.source != report.folder else ""))
    print()
    for line in style_lines(styled):
        print(line)
    parsed = sum(r.parsed for r in styled.reports)
    cached = sum(r.cached for r in styled.reports)
    print(f"time  {styled.seconds:.2f} s ({parsed} parsed, {cached} from cache)")
    _print_not_used([(f"{name}: ", r) for name, r in styled.skipped()], args.all)
    if args.json:
        atomic_write_text(args.json, json.dumps(styled.to_dict(), indent=2) + "\n")
        print(f"\nreport written to {args.json}")
    sys.stdout.flush()
    empty = styled.empty_styles()
    if empty:
        raise CorpusError("no usable MIDI files in the style " + ", ".join(f"{s.name} ({s.source})" for s in empty))
    return 0
