"""What the corpus needs to know about one MIDI file: read it (capped), parse it, describe it.

``inspect_file(path, limits)`` never raises for a bad file: it returns a plain dict (status
'ok'/'skipped', the reason, the content hash and, when parsed, the facts), so it can run in a
parser process (:mod:`.parser_pool`) or in-process in tests. Parsing is symusic's, with the
repairs of :mod:`.repair` when a file does not parse as it is; ``Limits`` caps the size before
parsing and the notes and duration right after. This module imports only symusic and numpy
(mido only when a file needs repair), so a parser process starts in a fraction of a second.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass
from typing import Any

from . import repair
from ..errors import CorpusError


@dataclass(frozen=True)
class Limits:
    """Caps checked before (size) and right after parsing (notes, duration)."""

    max_bytes: int = 16 * 1024 * 1024
    max_notes: int = 250_000
    max_duration_s: float = 2 * 3600.0
    timeout_s: float = 10.0


def os_reason(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "cannot read: permission denied"
    if exc.errno == errno.ENOENT:
        return "cannot read: the file disappeared"
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if exc.errno == errno.EISDIR:
        return "is a folder, not a file"
    return f"cannot read: {exc.strerror or exc}"


def _skip(reason: str, **extra: Any) -> dict[str, Any]:
    return {"status": "skipped", "reason": reason, **extra}


def read_capped(path: str, limits: Limits) -> bytes:
    """Read a regular file no larger than the cap (OSError / CorpusError otherwise)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise CorpusError("not a regular file")
        if st.st_size > limits.max_bytes:
            raise CorpusError(f"too large ({st.st_size / 1e6:.1f} MB > {limits.max_bytes / 1e6:.0f} MB limit)")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limits.max_bytes:
                raise CorpusError(f"too large (> {limits.max_bytes / 1e6:.0f} MB limit)")
        return b"".join(chunks)
    finally:
        os.close(fd)


def inspect_file(path: str, limits: Limits | dict | None = None) -> dict[str, Any]:
    """Everything the corpus needs to know about one file. Never raises for a bad file.

    Returns a dict with status ('ok'/'skipped'), reason, content_hash and, when parsed, the
    details (tracks, instruments, notes, duration_s, tempo, time_signature, ticks_per_beat,
    pitch_min/max, tempo_min/max, repaired notes). ``repaired_bytes`` is set when the usable
    MIDI differs from the file on disk.
    """
    if isinstance(limits, dict):
        limits = Limits(**limits)
    limits = limits or Limits()
    try:
        data = read_capped(path, limits)
    except OSError as exc:
        return _skip(os_reason(exc))
    except CorpusError as exc:
        return _skip(str(exc))
    content_hash = hashlib.sha256(data).hexdigest()
    try:
        result = _parse(data, limits)
    except CorpusError as exc:
        result = _skip(str(exc))
    except MemoryError:
        result = _skip("ran out of memory while parsing")
    result["content_hash"] = content_hash
    result["size"] = len(data)
    return result


def _parse(data: bytes, limits: Limits) -> dict[str, Any]:
    import symusic

    kind = repair.sniff(data)
    fixes: list[str] = []
    if kind == "riff":
        data = repair.unwrap_riff(data)
        fixes.append("unwrapped from a RIFF RMID file")
    elif kind != "midi":
        raise CorpusError(repair.describe_kind(kind))
    original = data
    fmt, _ntracks, division = repair.read_header(data)
    if division == 0:
        raise CorpusError("ticks per beat is 0 (no timing)")
    score = None
    first_error = ""
    if not division & 0x8000 and fmt in (0, 1):
        try:
            score = symusic.Score.from_midi(data)
        except (RuntimeError, ValueError, IndexError, OverflowError) as exc:
            first_error = str(exc).split(":")[-1].strip() or str(exc)
    if score is None:
        data, notes = repair.rebuild(data, limits.max_notes)
        fixes.extend(notes)
        try:
            score = symusic.Score.from_midi(data)
        except (RuntimeError, ValueError, IndexError, OverflowError):
            data = repair.mido_roundtrip(data)
            fixes.append("rewritten with mido")
            try:
                score = symusic.Score.from_midi(data)
            except (RuntimeError, ValueError, IndexError, OverflowError) as exc:
                raise CorpusError(f"damaged MIDI ({first_error or exc})") from exc
    result = _describe(score, limits)
    result["repairs"] = fixes
    if data is not original or fixes:
        result["repaired_bytes"] = data
    return result


def _describe(score: Any, limits: Limits) -> dict[str, Any]:
    """Facts of a parsed score. Notes with a duration <= 0, a negative time or pitch are ignored.

    Written for speed (it is most of a file's cost): per track a handful of NumPy reductions
    (notes are usually all sound, so no masks), the tempo and time-signature maps in Python
    (one or two events each)."""
    import numpy as np

    tpq = int(score.ticks_per_quarter)
    if tpq <= 0:
        raise CorpusError("ticks per beat is not positive")
    total, end_tick, instruments = 0, 0, set()
    pmin, pmax, tracks = 128, -1, 0
    for track in score.tracks:
        if not track.note_num():
            continue
        arr = track.notes.numpy()
        times, durations, pitches = arr["time"], arr["duration"], arr["pitch"]
        if durations.min() <= 0 or times.min() < 0 or pitches.min() < 0:  # rare: keep the sound notes
            good = (durations > 0) & (times >= 0) & (pitches >= 0)
            times, durations, pitches = times[good], durations[good], pitches[good]
            if not len(times):
                continue
        tracks += 1
        total += len(times)
        if total > limits.max_notes:
            raise CorpusError(f"too many notes (over {limits.max_notes:,})")
        pmin, pmax = min(pmin, int(pitches.min())), max(pmax, int(pitches.max()))
        end_tick = max(end_tick, int(np.add(times, durations, dtype=np.int64).max()))
        instruments.add(-1 if track.is_drum else int(track.program))
    if not total:
        raise CorpusError("no notes")
    tempos = sorted(((t.time, t.mspq) for t in score.tempos if t.mspq > 0 and t.time >= 0),
                    key=lambda tm: tm[0])  # stable: at one tick, the file's last tempo wins
    duration_s = _ticks_to_seconds(end_tick, tempos, tpq)
    if not duration_s <= limits.max_duration_s:  # also catches inf and nan
        raise CorpusError(f"lasts {_human_seconds(duration_s)} (limit {_human_seconds(limits.max_duration_s)}): "
                          "absurd tempo or a huge time gap")
    bpms = [60e6 / mspq for _, mspq in tempos] or [120.0]
    sigs = score.time_signatures
    time_sig = f"{int(sigs[0].numerator)}/{int(sigs[0].denominator)}" if len(sigs) else "4/4"
    return {
        "status": "ok",
        "reason": "",
        "tracks": tracks,
        "instruments": sorted(instruments),
        "notes": total,
        "duration_s": round(float(duration_s), 3),
        "tempo": round(float(bpms[0]), 3),
        "tempo_min": round(float(min(bpms)), 3),
        "tempo_max": round(float(max(bpms)), 3),
        "time_signature": time_sig,
        "ticks_per_beat": tpq,
        "pitch_min": pmin,
        "pitch_max": pmax,
    }


def _ticks_to_seconds(tick: int, tempos: list[tuple[int, int]], tpq: int) -> float:
    """Seconds at ``tick`` under a tempo map of (tick, microseconds per quarter), sorted by tick."""
    seconds, last_tick, last_mspq = 0.0, 0, 500000.0
    for t, m in tempos:
        if t >= tick:
            break
        seconds += (t - last_tick) * last_mspq / 1e6 / tpq
        last_tick, last_mspq = t, m
    return seconds + (tick - last_tick) * last_mspq / 1e6 / tpq


def _human_seconds(seconds: float) -> str:
    if seconds != seconds or seconds == float("inf"):
        return "forever"
    if seconds >= 86400:
        return f"{seconds / 86400:.1f} days"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.0f} min"
