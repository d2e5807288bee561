"""Build a folder of hostile and odd MIDI files from real MIDI bytes (shared by scan tests)."""

from __future__ import annotations

import io
import os
import shutil
import struct
import zipfile
from pathlib import Path

import mido


def track_bytes(events: list[tuple[int, bytes]], end_of_track: bool = True) -> bytes:
    """An MTrk chunk from (delta, raw event bytes), with a correct length."""
    body = bytearray()
    for delta, raw in events:
        body += varlen(delta) + raw
    if end_of_track:
        body += b"\x00\xff\x2f\x00"
    return b"MTrk" + struct.pack(">I", len(body)) + bytes(body)


def varlen(value: int) -> bytes:
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def smf(tracks: list[bytes], fmt: int = 1, division: int = 480) -> bytes:
    return b"MThd" + struct.pack(">IHHH", 6, fmt, len(tracks), division) + b"".join(tracks)


def simple_notes(channel: int = 0, pitches=(60, 64, 67), length: int = 480) -> list[tuple[int, bytes]]:
    events = []
    for p in pitches:
        events.append((0, bytes([0x90 | channel, p, 90])))
        events.append((length, bytes([0x80 | channel, p, 0])))
    return events


def tempo_track(us_per_beat: int) -> bytes:
    return track_bytes([(0, b"\xff\x51\x03" + us_per_beat.to_bytes(3, "big"))])


def riff_wrap(data: bytes) -> bytes:
    chunk = b"data" + struct.pack("<I", len(data)) + data + (b"\x00" if len(data) % 2 else b"")
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"RMID" + chunk


def build_hostile_folder(root: Path, real_files: list[Path]) -> dict[str, str]:
    """Write the folder; returns {relative path: expected 'ok' | 'skipped' | 'duplicate' | 'any'}."""
    root.mkdir(parents=True, exist_ok=True)
    expect: dict[str, str] = {}
    real = [p.read_bytes() for p in real_files[:4]]

    def put(name: str, data: bytes, status: str) -> None:
        (root / name).write_bytes(data)
        expect[name] = status

    for i, data in enumerate(real):
        put(f"good{i}.mid", data, "ok")
    put("zz_copy_of_good0.MID", real[0], "duplicate")
    put("karaoke.kar", real[1][:], "duplicate")  # same content as good1 -> duplicate of it
    put("empty.mid", b"", "skipped")
    put("text.mid", b"This is a text file that someone renamed to .mid\n", "skipped")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("song.mid", real[0])
    put("archive.mid", buf.getvalue(), "skipped")
    melody = smf([tempo_track(500000), track_bytes(simple_notes(0, (62, 65, 69)))])
    put("wrapped.rmi", riff_wrap(melody), "ok")
    put("truncated.mid", real[2][: len(real[2]) * 2 // 3], "any")
    put("no_end_of_track.mid", smf([tempo_track(600000), track_bytes(simple_notes(0, (50, 55)), end_of_track=False)]), "ok")
    put("type2.mid", smf([track_bytes(simple_notes(0, (70, 72))), track_bytes(simple_notes(1, (40,)))], fmt=2), "ok")
    put("smpte.mid", smf([track_bytes(simple_notes(0, (61, 63), length=100))], division=(0xE7 << 8) | 40), "ok")
    put("tpb_zero.mid", smf([track_bytes(simple_notes())], division=0), "skipped")
    put("tpb_huge.mid", smf([track_bytes(simple_notes(0, (45, 47), length=30000))], division=0x7FFF), "ok")
    put("tempo_zero.mid", smf([tempo_track(0), track_bytes(simple_notes(0, (80, 81)))]), "ok")
    put("tempo_absurd.mid", smf([tempo_track(0xFFFFFF), track_bytes([(0, b"\x90\x3c\x40"), (0x0FFFFFFF, b"\x80\x3c\x00")])]), "skipped")
    put("huge_delta.mid", smf([track_bytes([(0, b"\x90\x3c\x40"), (10, b"\x80\x3c\x00"), (0x0FFFFFFF, b"\x90\x3e\x40"), (10, b"\x80\x3e\x00")])]), "skipped")
    put("zero_length_notes.mid", smf([track_bytes([(0, b"\x90\x3c\x40"), (0, b"\x80\x3c\x00"),
                                                    (0, b"\x80\x3d\x00"), (0, b"\x90\x3e\x40"), (240, b"\x80\x3e\x00")])]), "ok")
    put("only_zero_length.mid", smf([track_bytes([(0, b"\x90\x3c\x40"), (0, b"\x80\x3c\x00")])]), "skipped")
    put("drums_only.mid", smf([track_bytes(simple_notes(9, (36, 38, 42), length=120))]), "ok")
    put("clipped_data.mid", smf([track_bytes([(0, b"\x90\x3c\xc8"), (480, b"\x80\x3c\x00")], end_of_track=True)]), "ok")
    # a million notes: refused with a reason (note cap), in bounded time and memory
    body = bytearray(b"\x00\x90") + b"\x3c\x40\x01\x3c\x00\x00" * 1_000_000
    put("million_notes.mid", smf([b"MTrk" + struct.pack(">I", len(body) + 3) + bytes(body) + b"\xff\x2f\x00"]), "skipped")
    # a non-UTF-8 file name
    odd_name = os.fsdecode(b"zz_caf\xe9-latin1.mid")
    (root / odd_name).write_bytes(real[3][:-4] + real[3][-4:] + b"")  # same as good3 -> duplicate
    expect[odd_name] = "duplicate"
    (root / "unique_latin1_\udce9.mid").write_bytes(smf([track_bytes(simple_notes(0, (33, 34)))]))
    expect["unique_latin1_\udce9.mid"] = "ok"
    # unreadable (root can still read it: then it is simply ok)
    unreadable = root / "unreadable.mid"
    unreadable.write_bytes(smf([track_bytes(simple_notes(0, (90, 91)))]))
    unreadable.chmod(0)
    expect["unreadable.mid"] = "ok" if os.geteuid() == 0 else "skipped"
    # symlink loops: a file link to itself, a folder link back to the root
    os.symlink("loop.mid", root / "loop.mid")
    expect["loop.mid"] = "skipped"
    sub = root / "sub"
    sub.mkdir()
    os.symlink("..", sub / "back_to_root")
    expect["sub/back_to_root"] = "skipped"
    shutil.copy(real_files[4], sub / "nested.midi")
    expect["sub/nested.midi"] = "ok"
    # a folder named like a MIDI file, holding a real one
    folder_mid = root / "x.mid"
    folder_mid.mkdir()
    shutil.copy(real_files[5], folder_mid / "inside.mid")
    expect["x.mid/inside.mid"] = "ok"
    expect["x.mid"] = "skipped"
    # a named pipe: reading it would block forever
    os.mkfifo(root / "pipe.mid")
    expect["pipe.mid"] = "skipped"
    (root / "notes.txt").write_text("not a midi name: ignored")
    return expect


def mido_check(data: bytes) -> int:
    """Number of note_on events mido sees (used to check repaired output)."""
    mid = mido.MidiFile(file=io.BytesIO(data), clip=True)
    return sum(1 for t in mid.tracks for m in t if m.type == "note_on" and m.velocity)
