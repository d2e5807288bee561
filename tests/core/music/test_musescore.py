"""MuseScore: discovery, 'open in MuseScore' without it, and a real MuseScore 3 round trip.

MuseScore's exit code lies, so the round trip converts our MusicXML to MIDI with mscore3 and
compares every note (onset, pitch) with what we meant to write.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from jukebox_gui.core.errors import ExportError
from jukebox_gui.core.music import musescore
from jukebox_gui.core.music.midi_io import read_midi
from jukebox_gui.core.music.musicxml import export_musicxml, notated_notes
from jukebox_gui.core.music.score import Note, Score, TempoChange, Track

needs_mscore = pytest.mark.skipif(shutil.which("mscore3") is None, reason="musescore3 not installed")


def sample_files(real_midi_files, per_corpus: int) -> list[Path]:
    """Evenly spread files of both demo corpora; music21's test files until those exist."""
    try:
        from jukebox_gui.core.demo import demo_corpus_dir
    except ImportError:
        return real_midi_files[: per_corpus * 2]
    chosen = []
    for name in ("irish", "bach"):
        files = sorted(Path(demo_corpus_dir(name)).glob("*.mid"))
        step = max(1, len(files) // per_corpus)
        chosen += files[::step][:per_corpus]
    return chosen


def generated_like_take(seed: int) -> Score:
    """What a model emits: unquantised onsets and lengths, a melody and a bass, drums."""
    rng = random.Random(seed)
    melody, bass, drums, beat = [], [], [], 0.0
    while beat < 24:
        length = rng.choice([0.23, 0.5, 0.52, 0.74, 1.0, 1.49, 0.33])
        melody.append(Note(beat + rng.uniform(-0.04, 0.04) if beat else 0.0, length, rng.randint(60, 84)))
        beat += length
    for i in range(12):
        bass.append(Note(i * 2.0 + rng.uniform(0, 0.05), rng.uniform(1.2, 2.4), rng.randint(36, 55)))
        drums.append(Note(i * 2.0, 0.25, rng.choice([36, 38, 42])))
    return Score(tracks=[Track(program=73, notes=melody), Track(program=32, notes=bass),
                         Track(is_drum=True, notes=drums)], tempos=[TempoChange(0, rng.choice([90.0, 132.0]))])


def round_trip(scores: list[Score], folder: Path, *, pdf: bool = False, divisions: int = 4) -> None:
    pairs, expected = [], []
    for i, score in enumerate(scores):
        xml = export_musicxml(score, folder / f"take{i}.musicxml", divisions=divisions)
        pairs.append((xml, folder / f"take{i}.mid"))
        if pdf:
            pairs.append((xml, folder / f"take{i}.pdf"))
        expected.append(notated_notes(score, divisions=divisions))
    outputs = iter(musescore.musescore_convert_many(pairs))
    for i, want in enumerate(expected):
        midi = next(outputs)
        assert midi is not None, f"MuseScore made no MIDI for take{i}"
        if pdf:
            pdf_out = next(outputs)
            assert pdf_out is not None and pdf_out.read_bytes().startswith(b"%PDF"), f"no PDF for take{i}"
            assert pdf_out.stat().st_size > 5000, f"take{i}: empty PDF"  # an empty score's is ~1.2 kB
        back = read_midi(midi)
        got = sorted((round(n.start, 3), n.pitch, t.is_drum) for t in back.tracks for n in t.notes)
        assert len(got) == len(want), f"take{i}: {len(got)} notes back, {len(want)} written"
        assert sorted(p for _b, p, _d in got) == sorted(p for _b, p, _d in want), f"take{i}: pitches differ"
        assert got == [(round(b, 3), p, d) for b, p, d in want], f"take{i}: onsets differ"


@needs_mscore
def test_musescore3_round_trip_keeps_every_note(real_midi_files, tmp_path):
    scores = [read_midi(p) for p in sample_files(real_midi_files, 4)] + [generated_like_take(s) for s in (1, 2)]
    round_trip(scores, tmp_path)


@needs_mscore
def test_musescore3_round_trip_on_the_triplet_grid(tmp_path):
    round_trip([generated_like_take(5)], tmp_path, divisions=12)


@needs_mscore
@pytest.mark.slow
def test_musescore3_fifty_file_sample_to_pdf_and_midi(real_midi_files, tmp_path):
    """The issue's acceptance check: 25 files of each demo corpus and generated-like takes."""
    scores = [read_midi(p) for p in sample_files(real_midi_files, 25)] + [generated_like_take(s) for s in range(3, 8)]
    round_trip(scores, tmp_path, pdf=True)


@needs_mscore
def test_exit_code_lies_garbage_gives_an_empty_midi_so_we_compare_notes(tmp_path):
    garbage = tmp_path / "garbage.musicxml"
    garbage.write_text("this is not music")
    out = musescore.musescore_convert(garbage, tmp_path / "out.mid", timeout=60)
    assert read_midi(out).note_count == 0  # "success": only the note comparison catches it
    missing = tmp_path / "missing.musicxml"
    with pytest.raises(ExportError, match="did not convert"):
        musescore.musescore_convert(missing, tmp_path / "out2.mid", timeout=60)


def test_find_musescore_uses_the_known_names(tmp_path, monkeypatch):
    fake = tmp_path / "bin"
    fake.mkdir()
    exe = fake / "MuseScore4"
    exe.write_text("#!/bin/sh\nexit 0\n")
    exe.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake))
    assert musescore.find_musescore() == str(exe)


def test_open_without_musescore_says_where_the_file_is(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing there: no MuseScore, no flatpak
    target = tmp_path / "take.musicxml"
    target.write_text("<score-partwise/>")
    assert musescore.find_musescore() is None
    with pytest.raises(ExportError, match=f"MuseScore not found; the file is at {target}"):
        musescore.open_in_musescore(target)


def test_open_starts_musescore_detached(tmp_path, monkeypatch):
    fake = tmp_path / "bin"
    fake.mkdir()
    log = tmp_path / "args.txt"
    exe = fake / "mscore"
    exe.write_text(f"#!/bin/sh\necho \"$@\" > {log}\n")
    exe.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}:/usr/bin:/bin")
    target = tmp_path / "take.musicxml"
    target.write_text("<score-partwise/>")
    musescore.open_in_musescore(target)
    import time

    for _ in range(100):
        if log.exists() and log.read_text().strip():
            break
        time.sleep(0.05)
    assert log.read_text().strip() == str(target.resolve())
