"""Make damaged or unusual MIDI bytes parseable, or say exactly why they cannot be.

Pure Python, no native code: safe to call on hostile bytes. ``sniff`` names what a file is;
``unwrap_riff`` takes the SMF out of a RIFF RMID wrapper; ``rebuild`` walks the chunks and
events by hand (clamping chunk lengths, cutting a track at its last complete event, adding a
missing end-of-track, clipping out-of-range data bytes, turning type 2 into type 1 and SMPTE
timing into ticks per beat); ``mido_roundtrip`` is the last resort (mido with ``clip=True``).
"""

from __future__ import annotations

import io
import struct

from ..errors import CorpusError

EOT = b"\x00\xff\x2f\x00"
# data bytes that follow a channel status (high nibble)
_CHANNEL_LEN = {0x80: 2, 0x90: 2, 0xA0: 2, 0xB0: 2, 0xC0: 1, 0xD0: 1, 0xE0: 2}
_SYSTEM_LEN = {0xF1: 1, 0xF2: 2, 0xF3: 1, 0xF6: 0, 0xF8: 0, 0xFA: 0, 0xFB: 0, 0xFC: 0, 0xFE: 0}


def sniff(data: bytes) -> str:
    """'midi', 'riff', 'empty', 'zip', 'text', 'gzip', 'html' or 'unknown'."""
    if not data:
        return "empty"
    head = data[:16]
    if head.startswith(b"MThd"):
        return "midi"
    if head.startswith(b"RIFF") and data[8:12] == b"RMID":
        return "riff"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    stripped = data[:512].lstrip().lower()
    if stripped.startswith((b"<!doctype html", b"<html")):
        return "html"
    sample = data[:512]
    if all(b in b"\t\n\r" or 32 <= b < 127 or b >= 0x80 for b in sample) and b"\x00" not in sample:
        try:
            sample.decode("utf-8")
            return "text"
        except UnicodeDecodeError:
            pass
    return "unknown"


def describe_kind(kind: str) -> str:
    return {
        "empty": "empty file (0 bytes)",
        "zip": "a zip archive, not a MIDI file",
        "gzip": "a gzip archive, not a MIDI file",
        "text": "a text file, not a MIDI file",
        "html": "a web page, not a MIDI file",
        "unknown": "not a MIDI file (no MThd header)",
    }.get(kind, f"not a MIDI file ({kind})")


def unwrap_riff(data: bytes) -> bytes:
    """The SMF inside a RIFF RMID file (its 'data' chunk)."""
    pos = 12
    while pos + 8 <= len(data):
        cid = data[pos:pos + 4]
        (size,) = struct.unpack("<I", data[pos + 4:pos + 8])
        body = data[pos + 8:pos + 8 + size]
        if cid == b"data":
            if not body.startswith(b"MThd"):
                raise CorpusError("RIFF RMID file whose data chunk is not MIDI")
            return body
        pos += 8 + size + (size & 1)
    raise CorpusError("RIFF RMID file without a MIDI data chunk")


def read_header(data: bytes) -> tuple[int, int, int]:
    """(format, declared tracks, division) from MThd; CorpusError if it is unusable."""
    if len(data) < 14 or not data.startswith(b"MThd"):
        raise CorpusError("not a MIDI file (no MThd header)")
    (length,) = struct.unpack(">I", data[4:8])
    if length < 6:
        raise CorpusError(f"damaged MIDI header (length {length})")
    fmt, ntracks, division = struct.unpack(">HHH", data[8:14])
    return fmt, ntracks, division


def _varlen(data: bytes, pos: int, end: int) -> tuple[int, int]:
    value = 0
    for _ in range(4):
        if pos >= end:
            raise EOFError
        byte = data[pos]
        pos += 1
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, pos
    raise ValueError("variable-length number longer than 4 bytes")


def _fix_track(data: bytes, smpte: bool, budget: list[int]) -> tuple[bytes, list[str]]:
    """Copy complete events; clip data bytes; end at end-of-track; drop tempos for SMPTE."""
    out = bytearray()
    notes: list[str] = []
    pos, end, status, clipped, pending = 0, len(data), 0, 0, 0
    while pos < end:
        try:
            delta, pos = _varlen(data, pos, end)
            byte = data[pos] if pos < end else None
            if byte is None:
                raise EOFError
            if byte & 0x80:
                pos += 1
                if byte < 0xF0:
                    status = byte
            elif status:
                byte = status  # running status
            else:
                raise ValueError("data byte without a status")
            event = bytearray()
            if byte < 0xF0:
                n = _CHANNEL_LEN[byte & 0xF0]
                if pos + n > end:
                    raise EOFError
                payload = data[pos:pos + n]
                pos += n
                if any(b > 127 for b in payload):
                    clipped += 1
                if byte & 0xF0 == 0x90:
                    budget[0] -= 1
                    if budget[0] < 0:
                        raise CorpusError(f"too many notes (over {budget[1]:,})")
                event += bytes([byte]) + bytes(min(b, 127) for b in payload)
            elif byte == 0xFF:
                if pos >= end:
                    raise EOFError
                mtype = data[pos]
                length, body = _varlen(data, pos + 1, end)
                if body + length > end:
                    raise EOFError
                pos = body + length
                if mtype == 0x2F:
                    out += _delta(delta + pending) + EOT[1:]
                    return bytes(out), notes + ([f"clipped {clipped} data bytes"] if clipped else [])
                if smpte and mtype == 0x51:
                    pending += delta
                    continue
                event = bytearray(b"\xff" + bytes([mtype]) + _encode_varlen(length) + data[body:body + length])
            elif byte in (0xF0, 0xF7):
                length, body = _varlen(data, pos, end)
                if body + length > end:
                    raise EOFError
                pos = body + length
                event = bytearray(bytes([byte])) + _encode_varlen(length) + data[body:body + length]
            elif byte in _SYSTEM_LEN:
                pos += _SYSTEM_LEN[byte]
                if pos > end:
                    raise EOFError
                pending += delta
                continue
            else:
                raise ValueError(f"undefined status byte 0x{byte:02X}")
        except (EOFError, ValueError, KeyError):
            notes.append("cut a damaged or truncated track at its last complete event")
            break
        out += _delta(delta + pending) + event
        pending = 0
    notes.append("added a missing end-of-track")
    out += EOT
    return bytes(out), notes + ([f"clipped {clipped} data bytes"] if clipped else [])


def _encode_varlen(value: int) -> bytes:
    value = max(0, min(int(value), 0x0FFFFFFF))
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


_delta = _encode_varlen


def rebuild(data: bytes, max_notes: int = 1_000_000) -> tuple[bytes, list[str]]:
    """A clean SMF from damaged bytes, plus what was changed. CorpusError if nothing usable."""
    fmt, _declared, division = read_header(data)
    notes: list[str] = []
    smpte = bool(division & 0x8000)
    if smpte:
        fps = 256 - (division >> 8)
        tpf = division & 0xFF
        if fps not in (24, 25, 29, 30) or tpf == 0:
            raise CorpusError(f"unusable SMPTE time division ({fps} fps, {tpf} ticks per frame)")
        division = max(1, min(0x7FFF, fps * tpf // 2))  # 120 bpm: one beat is half a second
        notes.append(f"SMPTE timing ({fps} fps) converted to {division} ticks per beat")
    if division == 0:
        raise CorpusError("ticks per beat is 0 (no timing)")
    if fmt == 2:
        notes.append("type 2 file read as type 1")
    elif fmt > 2:
        raise CorpusError(f"unknown MIDI file type {fmt}")
    (hlen,) = struct.unpack(">I", data[4:8])
    pos = 8 + hlen
    tracks: list[bytes] = []
    budget = [max_notes, max_notes]
    while pos + 8 <= len(data) and len(tracks) < 4096:
        cid = data[pos:pos + 4]
        (length,) = struct.unpack(">I", data[pos + 4:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if len(body) < length:
            notes.append("truncated file")
        if cid == b"MTrk":
            fixed, track_notes = _fix_track(body, smpte, budget)
            tracks.append(fixed)
            notes.extend(n for n in track_notes if n not in notes)
        elif not (cid.isalpha() and cid.isascii()):
            notes.append("stopped at a damaged chunk header")
            break
        pos += 8 + length
    if not tracks:
        raise CorpusError("no MIDI tracks found")
    out = bytearray(b"MThd" + struct.pack(">IHHH", 6, 1 if len(tracks) > 1 or fmt != 0 else 0, len(tracks), division))
    for track in tracks:
        out += b"MTrk" + struct.pack(">I", len(track)) + track
    return bytes(out), notes


def mido_roundtrip(data: bytes) -> bytes:
    """Parse with mido (clip=True) and write back: the last resort for odd files."""
    import mido

    try:
        mid = mido.MidiFile(file=io.BytesIO(data), clip=True)
        if mid.ticks_per_beat <= 0:
            raise CorpusError("ticks per beat is not positive")
        if mid.type == 2:
            mid.type = 1
        buf = io.BytesIO()
        mid.save(file=buf)
    except CorpusError:
        raise
    except Exception as exc:  # noqa: BLE001 - mido raises OSError, EOFError, KeySignatureError (not a ValueError), ...
        raise CorpusError(f"mido could not read it either: {type(exc).__name__}: {exc}") from exc
    return buf.getvalue()
