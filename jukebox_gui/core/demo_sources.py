"""What each demo corpus takes from music21's bundled corpus, and how one chunk is converted.

``plan(name)`` runs in the parent and is cheap (it reads text files and lists folders);
``convert_chunk(name, items)`` runs in worker processes and is where music21 parses. Work items
are plain strings so that they travel to 'spawn' workers without surprises.

music21 parses only its own bundled, trusted corpus here, always with ``forceSource=True`` so it
neither reads nor writes its pickle cache.
"""

from __future__ import annotations

import functools
import re
import string
from dataclasses import replace
from pathlib import Path
from typing import Any

IRISH_CAP = 500  # O'Neill's 1850 has ~2,000 tunes; an even spread of 500 is plenty for a demo
FIDDLE, CHOIR = 40, 52  # General MIDI programs: Violin, Choir Aahs


def _corpus_root() -> Path:
    import music21

    return Path(music21.__file__).parent / "corpus"


def music21_version() -> str:
    """Without importing music21 (a cached corpus must be served fast)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("music21")
    except PackageNotFoundError:  # pragma: no cover - a source checkout of music21
        import music21

        return str(music21.__version__)


# ---- planning (parent process) ---------------------------------------------------------------
def _abc_tunes(path: Path) -> list[str]:
    """The tunes of one ABC file, each its own text starting at its ``X:`` line."""
    text = path.read_text(encoding="utf-8", errors="replace")
    return [block for block in re.split(r"(?m)^(?=X:)", text) if block.startswith("X:")]


def plan(name: str) -> list[tuple[str, str]]:
    """Work items ``(source label, payload)`` for a corpus, in a stable order."""
    root = _corpus_root()
    if name == "irish":
        tunes = [
            (f"oneills1850/{path.name}#X{_header(block, 'X') or '?'}", block)
            for path in sorted((root / "oneills1850").glob("*.abc"))
            for block in _abc_tunes(path)
        ]
        if len(tunes) > IRISH_CAP:  # an even spread: airs, jigs, reels and hornpipes alike
            tunes = [tunes[i * len(tunes) // IRISH_CAP] for i in range(IRISH_CAP)]
        return tunes
    if name == "bach":
        files = sorted(p for p in (root / "bach").iterdir() if p.suffix in (".mxl", ".xml"))
        files = [p for p in files if not p.name.startswith("bwv846")]  # a prelude, not a chorale
        return [(f"bach/{p.name}", str(p)) for p in files]
    raise KeyError(name)


def _header(block: str, field: str) -> str:
    match = re.search(rf"(?m)^{field}:\s*(.*?)\s*$", block)
    return match.group(1) if match else ""


# ---- tempo for tunes that carry none ----------------------------------------------------------
def irish_bpm(block: str, numerator: int, denominator: int) -> float:
    """A quarter-note tempo from the tune's rhythm (R:) and notes (N:), else from its meter."""
    rhythm = _header(block, "R").lower()
    notes = " ".join(re.findall(r"(?m)^N:(.*)$", block)).lower()
    compound = denominator == 8 and numerator % 3 == 0
    if "slow" in notes or "air" in rhythm:
        return 66.0 if not compound else 90.0
    if "reel" in rhythm:
        return 180.0
    if "hornpipe" in rhythm:
        return 140.0
    if "jig" in rhythm or "slide" in rhythm:
        return 165.0  # dotted quarter = 110
    if "waltz" in rhythm:
        return 150.0
    if "march" in rhythm:
        return 112.0
    return 150.0 if compound else 110.0


# ---- conversion (worker process) --------------------------------------------------------------
def convert_chunk(name: str, items: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Convert work items; each result has source, title and either ``midi`` bytes or ``error``."""
    converter = _irish if name == "irish" else _bach
    results = []
    for source, payload in items:
        try:
            title, midi = converter(payload, source)
            results.append({"source": source, "title": title, "midi": midi})
        except Exception as exc:  # noqa: BLE001 - any music21 failure skips the tune, counted
            results.append({"source": source, "title": "", "error": f"{type(exc).__name__}: {exc}"[:300]})
    return results


def _irish(block: str, source: str) -> tuple[str, bytes]:
    from music21 import converter

    from .music.m21_convert import score_from_m21

    parsed = converter.parse(block, format="abc", forceSource=True)
    if hasattr(parsed, "scores") and parsed.scores:  # an Opus after all
        parsed = parsed.scores[0]
    title = (parsed.metadata.title if parsed.metadata else "") or _header(block, "T") or source
    if title.isupper():  # some transcribers typed titles in capitals
        title = string.capwords(title.lower())
    score = score_from_m21(parsed, programs=FIDDLE, title=title)
    ts = score.time_signatures[0]
    if len(score.tempos) == 1 and not _header(block, "Q"):
        score.tempos = [replace(score.tempos[0], bpm=irish_bpm(block, ts.numerator, ts.denominator))]
    return title, _midi(score)


_SATB = ("soprano", "alto", "tenor", "bass")


def _bach(path: str, source: str) -> tuple[str, bytes]:
    from music21 import converter

    from .music.m21_convert import score_from_m21

    parsed = converter.parse(path, forceSource=True)
    voices = [p for p in parsed.parts if str(p.partName or "").strip().lower() in _SATB]
    parts = voices if len(voices) >= 3 else list(parsed.parts)  # chorales with horns keep SATB only
    stem = Path(path).stem
    title = f"{stem} {_chorale_title(stem)}".strip()
    score = score_from_m21(parsed, programs=CHOIR, title=title, default_bpm=84.0, velocity=72, parts=parts)
    return title, _midi(score)


@functools.lru_cache(maxsize=1)
def _chorale_titles() -> dict[Any, dict[str, Any]]:
    from music21.corpus.chorales import ChoraleList

    return dict(ChoraleList().byBWV)


def _chorale_title(stem: str) -> str:
    number = stem.removeprefix("bwv").split("-")[0]
    by_bwv = _chorale_titles()
    for key in (number, _int_or_none(number)):
        if key in by_bwv:
            return str(by_bwv[key].get("title", ""))
    return ""


def _int_or_none(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _midi(score: Any) -> bytes:
    from .music.midi_io import midi_bytes

    if score.note_count == 0:
        raise ValueError("no notes")
    return midi_bytes(score)
