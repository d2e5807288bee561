"""Scanning a corpus of several folders, each a style, and its statistics per style (issue 19).

``scan_styles(["irish=demo:irish", "./mine"])`` parses the specs as training does
(:func:`.styles.parse_sources`: the same names, the same refusals), scans every source with the
ordinary scan (cache included) and returns a :class:`StyledScan`: one report per style, a
:class:`StyleRow` of figures per style and one for them all. The Corpus page's per-style table
and ``jukebox scan A B`` both show these rows. No Qt here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, Sequence

from ..progress import CancelToken, Progress, ProgressSink
from .scan import CorpusReport, CorpusStats, FileRecord
from .styles import StyleSource, parse_sources

TOTAL = "Total"


@dataclass(frozen=True)
class StyleRow:
    """What one style's scan holds (or, named ``Total``, all of them together)."""

    name: str
    source: str
    files: int = 0
    ok: int = 0
    skipped: int = 0       # unusable files
    duplicates: int = 0
    repaired: int = 0
    notes: int = 0
    duration_s: float = 0.0
    instruments: tuple[tuple[int, int], ...] = ()  # (GM program, -1 drums; usable files), most first
    pitch_min: int | None = None
    pitch_max: int | None = None
    tempo_min: float | None = None
    tempo_max: float | None = None
    time_signature: str = ""  # the most common among usable files ("" when none)

    @property
    def not_used(self) -> int:
        return self.files - self.ok

    def pitch_range(self) -> str:
        return f"{self.pitch_min}–{self.pitch_max}" if self.pitch_min is not None else "-"

    def tempo_range(self) -> str:
        if self.tempo_min is None:
            return "-"
        low, high = round(self.tempo_min), round(self.tempo_max)
        return f"{low} bpm" if low == high else f"{low}–{high} bpm"


def common_time_signature(records: Sequence[FileRecord]) -> str:
    """The time signature most usable files open with (ties: the first seen)."""
    counts = Counter(r.time_signature for r in records if r.ok and r.time_signature)
    return counts.most_common(1)[0][0] if counts else ""


def style_row(name: str, source: str, records: Sequence[FileRecord], stats: CorpusStats | None = None) -> StyleRow:
    s = stats if stats is not None else CorpusStats.from_records(list(records))
    return StyleRow(name=name, source=source, files=s.files, ok=s.ok, skipped=s.skipped, duplicates=s.duplicates,
                    repaired=s.repaired, notes=s.notes, duration_s=s.total_duration_s,
                    instruments=tuple(sorted(s.instruments.items(), key=lambda kv: (-kv[1], kv[0]))),
                    pitch_min=s.pitch_min, pitch_max=s.pitch_max, tempo_min=s.tempo_min, tempo_max=s.tempo_max,
                    time_signature=common_time_signature(records))


@dataclass
class StyledScan:
    """The scan of every style of a corpus, in the order given (the first is the chosen corpus)."""

    sources: list[StyleSource]
    reports: list[CorpusReport]
    seconds: float = 0.0
    _rows: list[StyleRow] | None = field(default=None, repr=False)

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.sources]

    def specs(self) -> list[str]:
        """``NAME=SOURCE`` for each style: what ``jukebox train A B`` and the Train page take."""
        return [s.spec() for s in self.sources]

    def rows(self) -> list[StyleRow]:
        """One row per style, in order."""
        if self._rows is None:
            self._rows = [style_row(s.name, s.source, r.files, r.stats) for s, r in zip(self.sources, self.reports)]
        return self._rows

    def total(self) -> StyleRow:
        """All styles together (a file counts in the style it was scanned for)."""
        return style_row(TOTAL, " ".join(self.specs()), self.records(), self.total_stats())

    def records(self) -> list[FileRecord]:
        return [record for report in self.reports for record in report.files]

    def labelled(self) -> list[tuple[str, FileRecord]]:
        """Every file with the style it belongs to."""
        return [(s.name, record) for s, r in zip(self.sources, self.reports) for record in r.files]

    def skipped(self) -> list[tuple[str, FileRecord]]:
        """The files not used, each with its style (and its reason, on the record)."""
        return [(name, record) for name, record in self.labelled() if not record.ok]

    def total_stats(self) -> CorpusStats:
        return CorpusStats.from_records(self.records())

    def empty_styles(self) -> list[StyleSource]:
        """The styles with no usable file (training refuses them)."""
        return [s for s, r in zip(self.sources, self.reports) if not r.ok_files]

    def renamed(self, names: Sequence[str]) -> "StyledScan":
        """The same scan under other style names (checked as core checks them)."""
        sources = parse_sources([f"{n}={s.source}" for n, s in zip(names, self.sources, strict=True)])
        return replace(self, sources=sources, _rows=None)

    def to_dict(self) -> dict[str, Any]:
        return {"styles": [{"name": s.name, "source": s.source, "report": r.to_dict()}
                           for s, r in zip(self.sources, self.reports)],
                "total": self.total_stats().to_dict(), "seconds": round(self.seconds, 3)}


def scan_styles(specs: Sequence[str | StyleSource], *, progress: ProgressSink | None = None,
                cancel: CancelToken | None = None, workers: int | None = None, use_cache: bool = True) -> StyledScan:
    """Scan every style's source (``NAME=FOLDER``, ``NAME=demo:X``, ``demo:X`` or ``FOLDER``).
    Raises CorpusError for a name core refuses (before any scanning) or a folder that cannot be
    read; progress events carry the style (``data["style"]``, and its place: ``index``, ``styles``)."""
    import time

    from .scan import scan

    started = time.perf_counter()
    sources = parse_sources(list(specs))
    emit = progress or (lambda _e: None)
    reports = []
    for index, source in enumerate(sources):
        def sink(event: Any, _name: str = source.name, _index: int = index) -> None:
            if isinstance(event, Progress):
                message = f"{_name}: {event.message}" if event.message else _name
                event = replace(event, message=message,
                                data={**event.data, "style": _name, "index": _index, "styles": len(sources)})
            emit(event)

        reports.append(scan(source.source, progress=sink, cancel=cancel, workers=workers, use_cache=use_cache))
    return StyledScan(sources, reports, seconds=time.perf_counter() - started)

