"""MIDI <-> Score, in one place. symusic does the byte work (fast, native); times become beats.

``read_midi_bytes``/``read_midi`` parse in THIS process: symusic is native code and has
crashed the interpreter on malformed files, so untrusted files from users go through
``core.data.scan`` (worker processes, repair with mido) first. Files the app wrote itself,
or files that ``scan`` already accepted, are safe to read here.

Writing goes through ``core.fileio`` (atomic). The written file holds tempo, time and key
signatures, one track per Score track with its name and program change, drums on channel 10
(index 9); symusic and mido both read it back. A MIDI file has 15 channels for melodic parts, so
a Score with more melodic tracks is first made playable (:func:`fit_channels`): tracks with the
same program share a channel, and beyond 15 programs the rarest are played by the nearest kept
instrument (same General MIDI family first) — never two programs on one channel.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from ..errors import CorpusError
from .score import KeySignature, Note, Score, TempoChange, TimeSignature, Track

WRITE_TPQ = 480  # ticks per quarter note for files we write
MELODIC_CHANNELS = 15  # 16 MIDI channels, channel 10 (index 9) is the drums'
_MIN_BPM, _MAX_BPM = 1.0, 2000.0


def read_midi_bytes(data: bytes, *, title: str = "") -> Score:
    """Parse MIDI bytes into a Score. Raises CorpusError on bytes symusic rejects."""
    import symusic

    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise CorpusError(f"expected MIDI bytes, got {type(data).__name__}")
    if len(data) < 14 or bytes(data[:4]) != b"MThd":
        raise CorpusError("not a standard MIDI file (no MThd header)")
    try:
        sm = symusic.Score.from_midi(bytes(data))
    except (RuntimeError, ValueError, IndexError, OverflowError) as exc:
        raise CorpusError(f"unreadable MIDI: {exc}") from exc
    score = score_from_symusic(sm)
    score.title = title
    return score


def read_midi(path: str | os.PathLike) -> Score:
    """Read a MIDI file the app trusts (see module note) into a Score titled by its stem."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return read_midi_bytes(data, title=path.stem)


def score_from_symusic(sm: Any) -> Score:
    """Convert a symusic Score (any time unit) to our Score, in quarter-note beats."""
    if "Tick" not in str(sm.ttype):
        sm = sm.to("tick")
    tpq = int(sm.ticks_per_quarter)
    if tpq <= 0:
        raise CorpusError(f"invalid ticks per quarter note: {tpq}")
    scale = 1.0 / tpq
    tracks: list[Track] = []
    for st in sm.tracks:
        arr = st.notes.numpy()
        notes = [
            Note(start=t * scale, duration=d * scale, pitch=int(p), velocity=min(127, max(1, int(v))))
            for t, d, p, v in zip(arr["time"].tolist(), arr["duration"].tolist(),
                                  arr["pitch"].tolist(), arr["velocity"].tolist())
            if d > 0 and t >= 0 and 0 <= p <= 127
        ]
        if not notes:
            continue
        tracks.append(Track(program=int(st.program) & 0x7F, is_drum=bool(st.is_drum),
                            name=str(st.name), notes=notes))

    tempos: dict[float, float] = {}
    for tempo in sm.tempos:
        bpm = float(tempo.qpm)
        if math.isfinite(bpm) and bpm > 0 and tempo.time >= 0:
            tempos[tempo.time * scale] = min(_MAX_BPM, max(_MIN_BPM, bpm))
    sigs: dict[float, TimeSignature] = {}
    for ts in sm.time_signatures:
        num, den = int(ts.numerator), int(ts.denominator)
        if num > 0 and den > 0 and den & (den - 1) == 0 and ts.time >= 0:
            sigs[ts.time * scale] = TimeSignature(ts.time * scale, num, den)
    keys: dict[float, KeySignature] = {}
    for ks in sm.key_signatures:
        if -7 <= int(ks.key) <= 7 and ks.time >= 0:
            keys[ks.time * scale] = KeySignature(ks.time * scale, int(ks.key), bool(ks.tonality))
    return Score(
        tracks=tracks,
        tempos=[TempoChange(b, bpm) for b, bpm in sorted(tempos.items())] or [TempoChange(0.0, 120.0)],
        time_signatures=[sigs[b] for b in sorted(sigs)] or [TimeSignature(0.0, 4, 4)],
        key_signatures=[keys[b] for b in sorted(keys)],
    )


def score_to_symusic(score: Score, tpq: int = WRITE_TPQ) -> Any:
    """Convert our Score to a symusic Score in ticks (``tpq`` ticks per quarter note)."""
    import numpy as np
    import symusic

    sm = symusic.Score(tpq)
    tick = lambda beat: int(round(max(0.0, beat) * tpq))  # noqa: E731
    for tempo in sorted(score.tempos, key=lambda t: t.beat):
        sm.tempos.append(symusic.Tempo(tick(tempo.beat), qpm=float(min(_MAX_BPM, max(_MIN_BPM, tempo.bpm)))))
    for sig in sorted(score.time_signatures, key=lambda s: s.beat):
        sm.time_signatures.append(symusic.TimeSignature(tick(sig.beat), int(sig.numerator), int(sig.denominator)))
    for key in sorted(score.key_signatures, key=lambda k: k.beat):
        sm.key_signatures.append(symusic.KeySignature(tick(key.beat), int(key.sharps), int(key.minor)))
    for track in score.tracks:
        st = symusic.Track(name=track.name or "", program=int(track.program) & 0x7F, is_drum=bool(track.is_drum))
        if track.notes:
            notes = sorted(track.notes, key=lambda n: (n.start, n.pitch))
            starts = np.array([tick(n.start) for n in notes], dtype=np.int32)
            ends = np.array([tick(n.end) for n in notes], dtype=np.int32)
            st.notes = symusic.Note.from_numpy(
                starts,
                np.maximum(ends - starts, 1).astype(np.int32),
                np.array([min(127, max(0, n.pitch)) for n in notes], dtype=np.int8),
                np.array([min(127, max(1, n.velocity)) for n in notes], dtype=np.int8),
            )
        sm.tracks.append(st)
    return sm


def fit_channels(score: Score) -> Score:
    """``score`` itself when its melodic tracks get one channel each, else a copy where they do.

    symusic gives track ``i`` the ``i % 15``-th melodic channel (a drum track uses up an index
    too), so drum tracks go last when a melodic track would wrap around; with more than 15
    melodic tracks, tracks of one program are merged and the programs beyond 15 (fewest notes
    first) move to the kept program of the same GM family with the most notes, else to the kept
    program with the most notes."""
    melodic = [t for t in score.tracks if not t.is_drum]
    if len(melodic) <= MELODIC_CHANNELS:
        if all(t.is_drum for t in score.tracks[MELODIC_CHANNELS:]):
            return score
        return _with_tracks(score, melodic + [t for t in score.tracks if t.is_drum])
    notes: dict[int, int] = {}
    for track in melodic:
        notes[track.program] = notes.get(track.program, 0) + len(track.notes)
    ranked = sorted(notes, key=lambda p: (-notes[p], p))
    kept = ranked[:MELODIC_CHANNELS]
    home = {p: p for p in kept}
    for program in ranked[MELODIC_CHANNELS:]:
        family = [k for k in kept if k // 8 == program // 8]
        home[program] = family[0] if family else kept[0]
    merged: dict[int, Track] = {}
    out: list[Track] = []
    for track in melodic:
        program = home[track.program]
        if program not in merged:
            merged[program] = Track(program=program, name=track.name if program == track.program else "")
            out.append(merged[program])
        target = merged[program]
        if program == track.program and not target.name:
            target.name = track.name
        target.notes.extend(track.notes)
    for track in merged.values():
        track.notes.sort(key=lambda n: (n.start, n.pitch))
    return _with_tracks(score, out + [t for t in score.tracks if t.is_drum])


def _with_tracks(score: Score, tracks: list[Track]) -> Score:
    return Score(tracks=tracks, tempos=list(score.tempos), time_signatures=list(score.time_signatures),
                 key_signatures=list(score.key_signatures), title=score.title)


def midi_bytes(score: Score, tpq: int = WRITE_TPQ) -> bytes:
    """The Score as standard MIDI file bytes (type 1), made playable first (:func:`fit_channels`)."""
    return bytes(score_to_symusic(fit_channels(score), tpq).dumps_midi())


def write_midi(score: Score, path: str | os.PathLike, tpq: int = WRITE_TPQ) -> Path:
    """Write the Score as a MIDI file, atomically (the old file survives a crash)."""
    from ..fileio import atomic_write_bytes

    path = Path(path)
    atomic_write_bytes(path, midi_bytes(score, tpq))
    return path
