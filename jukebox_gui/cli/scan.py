"""`jukebox scan DIR|demo:NAME [--json REPORT.json]`: what is usable in a folder, and why not."""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "scan", help="scan a folder of MIDI files (or demo:NAME) and report what is usable",
        description="Read every .mid/.midi/.kar/.rmi file under a folder, print a summary and the "
                    "skipped files with reasons. Exit 0 when at least one file is usable, 2 when none.")
    parser.add_argument("source", metavar="DIR|demo:NAME", help="a folder, or a demo corpus like demo:irish")
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


def run(args: argparse.Namespace) -> int:
    from ..core.data.scan import scan
    from ..core.errors import CorpusError
    from .progressbar import ProgressBar

    bar = ProgressBar(label="scan")
    try:
        report = scan(args.source, progress=bar, workers=args.workers, use_cache=not args.no_cache)
    finally:
        bar.close()
    for line in summary_lines(report):
        print(line)
    skipped = [r for r in report.files if not r.ok]
    if skipped:
        print(f"\nnot used ({len(skipped)}):")
        shown = skipped if args.all else skipped[:50]
        for record in shown:
            print(f"  {record.display}: {record.reason}")
        if len(shown) < len(skipped):
            print(f"  ... and {len(skipped) - len(shown)} more (--all to list them, --json for everything)")
    if args.json:
        report.save(args.json)
        print(f"\nreport written to {args.json}")
    sys.stdout.flush()
    if not report.ok_files:
        raise CorpusError(f"no usable MIDI files in {args.source} ({report.stats.files} files looked at)")
    return 0
