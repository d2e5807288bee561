"""Originality: the longest stretch of a take copied note for note from a training file.

A note is (pitch, onset interval to the previous note of its track, on a 12-per-beat grid);
pitches are absolute, so a transposed quotation is not counted as a copy. The index is built at
training time from every pitched track of the corpus and stored (JSON) in the model bundle:

    {"version": 1, "n": 4, "grid": 12,
     "files": [name, ...],
     "streams": [{"file": 0, "notes": [p0, 0, p1, ioi1, p2, ioi2, ...], "bars": [b0, b1, ...]}, ...]}

``bars`` are the onset positions of the notes in bars (0-based, fractional). Storing the note
streams is smaller than storing a table of hashed n-grams and gives exact matches; the hashed
n-gram table is rebuilt in memory by :class:`CopyFinder` (a few milliseconds per 10,000 notes).
"""

from __future__ import annotations

import bisect
from dataclasses import asdict, dataclass
from typing import Any, Iterable

from ..errors import JukeboxError
from .score import Score, Track

INDEX_VERSION = 1
GRID = 12
MAX_OCCURRENCES = 64  # per n-gram: enough for real corpora, bounded for pathological ones


@dataclass(frozen=True)
class CopyMatch:
    """The longest copied stretch (longest in bars, then in notes): ``notes`` notes spanning
    ``bars`` bars of the take, from the first copied onset to the last copied note's end."""

    notes: int = 0
    bars: float = 0.0
    source: str | None = None
    source_bar_start: float = 0.0  # onset of the first copied note in the source, in bars (0-based)
    source_bar_end: float = 0.0  # onset of the last copied note in the source, in bars (0-based)
    take_bar_start: float = 0.0
    take_bar_end: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        if not self.notes or self.source is None:
            return "no copied stretch found"
        first, last = int(self.source_bar_start) + 1, int(self.source_bar_end) + 1
        where = f"bar {first}" if first == last else f"bars {first}-{last}"
        name = self.source.replace("\\", "/").rsplit("/", 1)[-1]  # indexes may hold full paths
        return f"{self.notes} notes ({self.bars:.2f} bars) copied from {name}, {where}"


class _BarMap:
    """Beats -> fractional bar numbers for one score."""

    def __init__(self, score: Score, until: float) -> None:
        self.starts = score.bar_starts(until + 1e-6)
        self.lengths = [score.time_signature_at(s).bar_beats for s in self.starts]

    def __call__(self, beat: float) -> float:
        i = max(0, bisect.bisect_right(self.starts, beat + 1e-9) - 1)
        return i + (beat - self.starts[i]) / max(self.lengths[i], 1e-9)


def _stream(track: Track, bars: _BarMap) -> tuple[list[int], list[int], list[float], list[float]]:
    notes = sorted(track.notes, key=lambda n: (n.start, n.pitch))
    pitches = [n.pitch for n in notes]
    onsets = [int(round(n.start * GRID)) for n in notes]
    iois = [0] + [b - a for a, b in zip(onsets, onsets[1:])]
    return pitches, iois, [bars(n.start) for n in notes], [bars(n.end) for n in notes]


def _pitched_tracks(score: Score) -> list[Track]:
    return [t for t in score.tracks if not t.is_drum and t.notes]


def build_index(named_scores: Iterable[tuple[str, Score]], n: int = 4, *, progress=None, cancel=None) -> dict:
    """Index every pitched track of ``named_scores`` (name, Score; any iterable, read once) for
    :func:`longest_copy`."""
    if n < 2:
        raise JukeboxError("originality index: n must be at least 2 notes")
    files: list[str] = []
    streams: list[dict[str, Any]] = []
    for done, (name, score) in enumerate(named_scores):
        if cancel is not None:
            cancel.raise_if_cancelled()
        file_id = len(files)
        files.append(str(name))
        bars = _BarMap(score, score.end_beat)
        for track in _pitched_tracks(score):
            pitches, iois, onset_bars, _ends = _stream(track, bars)
            flat = [value for pair in zip(pitches, iois) for value in pair]
            streams.append({"file": file_id, "notes": flat, "bars": [round(b, 3) for b in onset_bars]})
        if progress is not None:
            from ..progress import Progress

            total = len(named_scores) if hasattr(named_scores, "__len__") else done + 1
            progress(Progress("originality index", done + 1, total))
    return {"version": INDEX_VERSION, "n": int(n), "grid": GRID, "files": files, "streams": streams}


class CopyFinder:
    """An index prepared for repeated queries (builds the n-gram hash table once)."""

    def __init__(self, index: dict) -> None:
        if not isinstance(index, dict) or index.get("version") != INDEX_VERSION:
            raise JukeboxError("the originality index is missing or from an unknown version")
        if index.get("grid") != GRID:
            raise JukeboxError("the originality index uses an unknown grid")
        self.n = int(index["n"])
        self.files: list[str] = list(index["files"])
        self.streams: list[tuple[int, list[int], list[int], list[float]]] = []
        self.table: dict[int, list[tuple[int, int]]] = {}
        for s_id, stream in enumerate(index["streams"]):
            flat = stream["notes"]
            pitches, iois = flat[0::2], flat[1::2]
            self.streams.append((int(stream["file"]), pitches, iois, stream["bars"]))
            for pos in range(len(pitches) - self.n + 1):
                bucket = self.table.setdefault(self._key(pitches, iois, pos), [])
                if len(bucket) < MAX_OCCURRENCES:
                    bucket.append((s_id, pos))

    def _key(self, pitches: list[int], iois: list[int], pos: int) -> int:
        return hash((tuple(pitches[pos:pos + self.n]), tuple(iois[pos + 1:pos + self.n])))

    def longest(self, score: Score) -> CopyMatch:
        best = CopyMatch()
        best_key = (0.0, 0)
        bars = _BarMap(score, score.end_beat)
        for track in _pitched_tracks(score):
            pitches, iois, onset_bars, end_bars = _stream(track, bars)
            for a in range(len(pitches) - self.n + 1):
                for s_id, b in self.table.get(self._key(pitches, iois, a), ()):
                    file_id, sp, si, sbars = self.streams[s_id]
                    length = 1
                    while (a + length < len(pitches) and b + length < len(sp)
                           and pitches[a + length] == sp[b + length] and iois[a + length] == si[b + length]):
                        length += 1
                    if length < self.n:
                        continue  # a hash collision
                    span = end_bars[a + length - 1] - onset_bars[a]
                    if (span, length) > best_key:
                        best_key = (span, length)
                        best = CopyMatch(
                            notes=length, bars=round(span, 3), source=self.files[file_id],
                            source_bar_start=float(sbars[b]), source_bar_end=float(sbars[b + length - 1]),
                            take_bar_start=round(onset_bars[a], 3), take_bar_end=round(end_bars[a + length - 1], 3),
                        )
        return best


def longest_copy(index: dict | CopyFinder, score: Score) -> CopyMatch:
    """The longest stretch of ``score`` found note for note in the indexed corpus."""
    finder = index if isinstance(index, CopyFinder) else CopyFinder(index)
    return finder.longest(score)
