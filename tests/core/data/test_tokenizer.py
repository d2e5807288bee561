"""Tokenizer: REMI + programs, one stream; round trip, tolerant decode, JSON save/load."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
import random
from collections import Counter

import pytest

from jukebox_gui.core.data.tokenizer import Tokenizer, TokenizerConfig
from jukebox_gui.core.errors import TokenizerError
from jukebox_gui.core.music.midi_io import read_midi
from jukebox_gui.core.music.score import Note, Score, TempoChange, TimeSignature, Track


@pytest.fixture(scope="module")
def tok() -> Tokenizer:
    return Tokenizer()


def _band() -> Score:
    return Score(
        tracks=[
            Track(program=33, name="Bass", notes=[Note(0.0, 1.0, 36, 100), Note(1.0, 0.5, 43, 60)]),
            Track(program=0, name="Piano", notes=[Note(0.5, 2.0, 72, 20), Note(0.5, 2.0, 76, 127)]),
            Track(is_drum=True, name="Drums", notes=[Note(0.0, 0.125, 36, 110), Note(0.25, 0.125, 42, 50)]),
        ],
        tempos=[TempoChange(0.0, 96.0)],
        time_signatures=[TimeSignature(0.0, 3, 4)],
    )


def _groups(score: Score, tok: Tokenizer) -> dict[tuple, list[tuple[float, float]]]:
    """(drum flag, program, pitch, velocity bin) -> sorted (onset, duration) pairs."""
    out: dict[tuple, list[tuple[float, float]]] = {}
    for t in score.tracks:
        for n in t.notes:
            key = (t.is_drum, -1 if t.is_drum else t.program, n.pitch, tok.velocity_bin(n.velocity))
            out.setdefault(key, []).append((n.start, n.duration))
    return {k: sorted(v) for k, v in out.items()}


def assert_round_trip(score: Score, tok: Tokenizer) -> None:
    """Every note keeps pitch, program/drum flag, velocity bin; onset and duration on the grid
    (the grid of the coarsest time signature in the piece: MidiTok counts x/2 in half notes)."""
    back = _groups(tok.decode(tok.encode(score)), tok)
    orig = _groups(score, tok)
    assert {k: len(v) for k, v in back.items()} == {k: len(v) for k, v in orig.items()}
    den = min((ts.denominator for ts in score.time_signatures), default=4)
    half = tok.grid_beats(den) / 2 + 1e-6
    for key, notes in orig.items():
        for (start, dur), (start2, dur2) in zip(notes, back[key]):
            assert abs(start - start2) <= half, (key, start, start2)
            want = min(dur, tok.max_duration(den))
            assert abs(dur2 - want) <= tok.duration_step(want, den) + 1e-6, (key, dur, dur2)


def test_band_round_trip_keeps_programs_drums_velocity_bins(tok):
    score = _band()
    ids = tok.encode(score)
    assert ids[0] == tok.bos_id and ids[-1] == tok.eos_id
    types = {tok.token_type(i) for i in ids}
    assert {"Bar", "Position", "Pitch", "PitchDrum", "Velocity", "Duration", "Program", "Tempo", "TimeSig"} <= types
    assert_round_trip(score, tok)
    back = tok.decode(ids)
    assert back.time_signatures[0].numerator == 3
    assert abs(back.tempos[0].bpm - 96) < 8


def test_round_trip_real_files(tok, real_midi_files):
    for path in real_midi_files:
        assert_round_trip(read_midi(path), tok)


@pytest.mark.slow
def test_round_trip_demo_corpora(tok, demo_corpus):
    """Every file of both demo corpora."""
    files = [path for name in ("irish", "bach") for path in sorted(demo_corpus(name).glob("*.mid"))]
    assert len(files) > 600
    failures = []
    for path in files:
        try:
            assert_round_trip(read_midi(path), tok)
        except AssertionError as exc:
            failures.append(f"{path.name}: {exc}")
    assert not failures, failures[:5]


def test_triplets_in_cut_time_survive(tok):
    triplets = [Note(i / 3, 1 / 3, 60 + i, 80) for i in range(6)] + [Note(2 + i / 4, 0.25, 70, 80) for i in range(4)]
    score = Score(tracks=[Track(program=40, notes=triplets)], time_signatures=[TimeSignature(0.0, 2, 2)])
    back = tok.decode(tok.encode(score))
    starts = sorted(n.start for t in back.tracks for n in t.notes)
    assert starts == pytest.approx(sorted(n.start for n in triplets), abs=1e-6)


def test_token_names_and_types(tok):
    assert tok.token_name(tok.pad_id) == "PAD_None"
    assert tok.token_type(tok.pad_id) == "PAD"
    assert tok.token_type(tok.bos_id) == "BOS" and tok.token_type(tok.eos_id) == "EOS"
    pitch60 = tok.vocab()["Pitch_60"]
    assert tok.token_name(pitch60) == "Pitch_60" and tok.token_type(pitch60) == "Pitch"
    assert len(tok.ids_of_type("Velocity")) == 8
    assert tok.ids_of_type("Program")  # programs in the one stream
    assert "Program_-1" in tok.vocab()
    assert len(tok.token_types()) == tok.vocab_size
    with pytest.raises(TokenizerError):
        tok.token_name(tok.vocab_size)
    assert tok.beats_per_position == pytest.approx(1 / 24)
    assert tok.grid_beats(2) == pytest.approx(1 / 12)


def test_decode_is_tolerant(tok):
    rng = random.Random(3)
    for _ in range(200):
        ids = [rng.randrange(-5, tok.vocab_size + 5) for _ in range(rng.randrange(0, 120))]
        assert isinstance(tok.decode(ids), Score)
    assert tok.decode([]).note_count == 0
    assert tok.decode([tok.pad_id] * 10).note_count == 0
    # a good stream with junk spliced in still yields the good notes
    ids = tok.encode(_band())
    noisy = ids[:5] + [tok.pad_id, tok.vocab()["Velocity_63"]] + ids[5:]
    assert tok.decode(noisy).note_count >= 4


def test_save_load_json_and_fingerprint(tok, tmp_path):
    path = tok.save(tmp_path / "tok.json")
    data = json.loads(path.read_text())
    assert data["format"] == "jukebox-tokenizer" and data["vocab"]["Pitch_60"] == tok.vocab()["Pitch_60"]
    again = Tokenizer.load(path)
    assert again.fingerprint() == tok.fingerprint() and again.compatible_with(tok)
    assert again.encode(_band()) == tok.encode(_band())
    other = Tokenizer(TokenizerConfig(num_velocities=16))
    assert not other.compatible_with(tok)


@pytest.mark.parametrize("content", ["", "{not json", json.dumps({"format": "other"}), json.dumps([1, 2])])
def test_load_corrupt_file_raises(tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(TokenizerError):
        Tokenizer.load(path)


def test_load_rejects_edited_vocab(tok, tmp_path):
    data = tok.to_json_dict()
    data["vocab"]["Pitch_60"], data["vocab"]["Pitch_61"] = data["vocab"]["Pitch_61"], data["vocab"]["Pitch_60"]
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(data))
    with pytest.raises(TokenizerError, match="vocabulary"):
        Tokenizer.load(path)


def test_bad_config_rejected():
    with pytest.raises(TokenizerError):
        TokenizerConfig(num_velocities=0)
    with pytest.raises(TokenizerError):
        TokenizerConfig(time_signatures=("3/5",))


def test_bpe_optional_shortens_and_round_trips(tmp_path, real_midi_files):
    base = Tokenizer()
    scores = [read_midi(p) for p in real_midi_files[:8]]
    bpe = base.train_bpe(scores, vocab_size=base.vocab_size + 40)
    assert bpe.vocab_size > base.vocab_size and bpe.config.bpe_vocab_size
    score = scores[2]
    assert len(bpe.encode(score)) < len(base.encode(score))
    assert_round_trip(score, bpe)
    loaded = Tokenizer.load(bpe.save(tmp_path / "bpe.json"))
    assert loaded.fingerprint() == bpe.fingerprint()
    assert loaded.encode(score) == bpe.encode(score)


def _fiddle_tune() -> Score:
    notes = [Note(i * 0.5, 0.5, 62 + (i * 5) % 12, 79) for i in range(16)]
    return Score(tracks=[Track(program=40, name="Fiddle", notes=notes[:8]), Track(program=40, notes=notes[8:])],
                 tempos=[TempoChange(0.0, 110.0)], time_signatures=[TimeSignature(0.0, 6, 8)])


def test_slim_stream_for_one_instrument_one_velocity(tok):
    """A corpus of one fiddle at one velocity loses its Program and Velocity tokens, and the
    slim stream decodes to the same notes, program and velocity as the full one."""
    from jukebox_gui.core.data.slim_tokens import slim_config

    tune = _fiddle_tune()
    full = tok.encode(tune)
    slim_cfg = slim_config([full], tok)
    assert slim_cfg is not None and not slim_cfg.use_programs and not slim_cfg.use_velocities
    assert slim_cfg.program == 40 and slim_cfg.velocity == tok.velocity_values[tok.velocity_bin(79)]
    slim = Tokenizer(slim_cfg)
    ids = slim.encode(tune)
    assert {slim.token_type(i) for i in ids}.isdisjoint({"Program", "Velocity"})
    assert len(ids) < 0.7 * len(full)
    want = sorted((n.start, n.pitch, n.duration, n.velocity, t.program) for n, t in tok.decode(full).all_notes())
    got = sorted((n.start, n.pitch, n.duration, n.velocity, t.program) for n, t in slim.decode(ids).all_notes())
    assert got == want and len(got) == 16
    again = Tokenizer.load(slim.save(Path(tempfile.mkdtemp()) / "slim.json"))
    assert again.fingerprint() == slim.fingerprint() != tok.fingerprint()


def test_slim_keeps_what_a_band_needs(tok):
    """Several instruments, drums or several velocities: those tokens stay."""
    from jukebox_gui.core.data.slim_tokens import slim_config

    assert slim_config([tok.encode(_band())], tok) is None
    two_velocities = _fiddle_tune()
    two_velocities.tracks[1].notes = [Note(n.start, n.duration, n.pitch, 120) for n in two_velocities.tracks[1].notes]
    cfg = slim_config([tok.encode(two_velocities)], tok)
    assert cfg is not None and not cfg.use_programs and cfg.use_velocities


def test_fingerprint_of_the_default_tokenizer_is_stable(tok):
    """Bundles made before the slim-stream settings existed still match their tokenizer."""
    assert tok.fingerprint().startswith("89a91be1")
