"""Regenerating one instrument under the others (core.ml.track_fill) and choosing a take's
instruments (core.ml.instruments), on a tiny real bundle and on decoders that show the mechanism."""

from __future__ import annotations

import json

import numpy as np
import pytest

from jukebox_gui.core.errors import GenerationError

from tiny_bundle import tiny_bundle, tiny_fill_bundle

pytest.importorskip("tensorflow")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    from jukebox_gui.core.ml.bundle import load_bundle

    return load_bundle(tiny_bundle(tmp_path_factory))  # the full stream: Program tokens for every instrument


def band(bars: int = 8):
    """Melody (violin), bass and drums, 4/4, 8 bars: the melody walks, the bass holds roots."""
    from jukebox_gui.core.music.score import Note, Score, Track

    melody = [Note(b * 4.0 + i, 1.0, 67 + (b + i) % 5, 90) for b in range(bars) for i in range(4)]
    bass = [Note(b * 4.0, 2.0, 36 + (b % 4) * 2, 80) for b in range(bars)]
    drums = [Note(b * 4.0 + i, 0.25, 36 if i % 2 == 0 else 38, 100) for b in range(bars) for i in range(4)]
    return Score(tracks=[Track(program=40, notes=melody), Track(program=33, notes=bass),
                         Track(is_drum=True, notes=drums)])


def _notes(track):
    return [(round(n.start, 4), n.pitch, round(n.duration, 4), n.velocity) for n in track.notes]


class Echo:
    """A 'model' that writes bass notes an octave below the last melody pitch it was shown, at the
    melody's moments: what it writes can only come from the kept notes fed to it."""

    def __init__(self, tokenizer):
        self.names = [tokenizer.token_name(i) for i in range(tokenizer.vocab_size)]
        self.vocab = tokenizer.vocab()
        self.last_pitch = None
        self.after_program = None

    def reset(self, batch=1):
        self.last_pitch = self.after_program = None

    def _logits(self):
        logits = np.full((1, len(self.names)), -8.0)
        logits[0, self.vocab["Program_33"]] = 6.0  # always keen to add a bass note
        if self.after_program == 33 and self.last_pitch is not None:
            logits[0, self.vocab[f"Pitch_{self.last_pitch - 12}"]] = 12.0
        return logits

    def _see(self, token):
        name = self.names[int(token)]
        if name.startswith("Program_"):
            self.after_program = int(name.split("_")[1])
        elif name.startswith("Pitch_") and self.after_program == 40:
            self.last_pitch = int(name.split("_")[1])

    def feed(self, ids):
        for t in np.asarray(ids).reshape(-1):
            self._see(t)
        return self._logits()

    def step(self, ids):
        self._see(np.asarray(ids).reshape(-1)[0])
        return self._logits()


def test_the_kept_tracks_stay_note_for_note_and_the_new_bass_answers_them(bundle):
    from jukebox_gui.core.ml.generation import GenerationConfig
    from jukebox_gui.core.ml.track_fill import track_fill

    score = band()
    take = track_fill(bundle, score, [1], GenerationConfig(seed=4), decoder=Echo(bundle.tokenizer))[0]
    out = take.score
    assert _notes(out.tracks[0]) == _notes(score.tracks[0]) and _notes(out.tracks[2]) == _notes(score.tracks[2])
    bass = out.tracks[1]
    assert out.tracks[1].program == 33 and len(bass.notes) >= 8 and _notes(bass) != _notes(score.tracks[1])
    melody = sorted((round(n.start, 4), n.pitch) for n in score.tracks[0].notes)

    def heard(start):  # the melody pitches at this moment and just before it: what the model had been shown
        before = [p for s, p in melody if s < start - 1e-6][-1:]
        return {p for s, p in melody if abs(s - start) < 1e-6} | set(before)

    answered = [n for n in bass.notes if n.pitch + 12 in heard(n.start)]
    assert len(answered) >= 0.8 * len(bass.notes)  # uniform pitches would answer 1 in ~45
    info = take.report["track_fill"]
    assert info["tracks"] == [2] and info["instruments"] == ["Fingered Bass"] and info["notes"] == len(bass.notes)
    assert info["kept_notes"] == len(score.tracks[0].notes) + len(score.tracks[2].notes)


def test_bars_limit_the_new_notes_and_a_real_model_writes_a_legal_part(bundle):
    from jukebox_gui.core.ml.generation import GenerationConfig
    from jukebox_gui.core.ml.track_fill import track_fill

    score = band()
    takes = track_fill(bundle, score, [1], GenerationConfig(seed=9), bars=(2, 5), variants=2)
    assert len(takes) == 2
    for take in takes:
        out = take.score
        assert [_notes(t) for i, t in enumerate(out.tracks) if i != 1] == [_notes(score.tracks[0]),
                                                                             _notes(score.tracks[2])]
        outside = [n for n in _notes(out.tracks[1]) if not 8.0 <= n[0] < 20.0]
        assert outside == [n for n in _notes(score.tracks[1]) if not 8.0 <= n[0] < 20.0]
        assert all(n.end <= 20.0 + 1e-6 for n in out.tracks[1].notes if 8.0 <= n.start < 20.0)
        assert take.report["track_fill"]["bars"] == [3, 5]


def test_drums_regenerate_and_stay_drums(bundle):
    from jukebox_gui.core.ml.generation import GenerationConfig
    from jukebox_gui.core.ml.track_fill import track_fill

    score = band()
    out = track_fill(bundle, score, [2], GenerationConfig(seed=1))[0].score
    assert out.tracks[2].is_drum and [_notes(t) for t in out.tracks[:2]] == [_notes(t) for t in score.tracks[:2]]


def test_tracks_are_named_like_a_musician_would(bundle):
    from jukebox_gui.core.ml.track_fill import select_tracks

    score = band()
    assert select_tracks(score, "bass") == [1]
    assert select_tracks(score, "drums") == [2]
    assert select_tracks(score, "violin,3") == [0, 2]
    assert select_tracks(score, "Fingered Bass") == [1]
    with pytest.raises(GenerationError, match="no track matches 'flute'.*1: Violin, 2: Fingered Bass, 3: Drums"):
        select_tracks(score, "flute")
    with pytest.raises(GenerationError, match="there is no track 7"):
        select_tracks(score, "7")


def test_a_one_instrument_model_says_why_it_cannot_write_under_others(tmp_path_factory):
    from jukebox_gui.core.ml.bundle import load_bundle
    from jukebox_gui.core.ml.generation import GenerationConfig
    from jukebox_gui.core.ml.track_fill import track_fill

    slim = load_bundle(tiny_fill_bundle(tmp_path_factory))
    with pytest.raises(GenerationError, match="writes one instrument"):
        track_fill(slim, band(), [1], GenerationConfig(seed=1))


def test_jukebox_infill_tracks_writes_the_new_part(bundle, tmp_path, capsys):
    from jukebox_gui.cli import main
    from jukebox_gui.core.music.midi_io import read_midi, write_midi

    src = tmp_path / "band.mid"
    write_midi(band(), src)
    out = tmp_path / "new.mid"
    assert main(["infill", str(src), "--tracks", "bass", "--bars", "3-6", "--model", str(bundle.path),
                 "--out", str(out), "--seed", "5", "--variants", "2"]) == 0
    printed = capsys.readouterr().out
    assert "Fingered Bass anew in bars 3-6" in printed and "notes of the other tracks kept" in printed
    assert out.exists() and (tmp_path / "new-2.mid").exists()
    written, original = read_midi(out), read_midi(src)
    assert _notes(written.tracks[0]) == _notes(original.tracks[0])
    report = json.loads(out.with_suffix(".json").read_text())
    assert report["track_fill"]["bars"] == [3, 6] and report["source"] == str(src)
    with pytest.raises(SystemExit):
        main(["infill", str(src), "--model", str(bundle.path), "--out", str(out)])
    assert "--tracks NAMES" in capsys.readouterr().err


# ---- choosing the take's instruments ------------------------------------------------------------
PALETTE = {"instrument_sets": [[0, 33, -1], [0, 33, -1], [40, 33, -1, 73], [40], [0, 26, 33, -1, 48]],
           "programs": [-1, 0, 26, 33, 40, 48, 73], "max_notes_per_onset": 3}


def test_words_resolve_to_the_instruments_the_corpus_uses():
    from jukebox_gui.core.ml.instruments import band_of, parse_spec, resolve_words

    assert parse_spec("3") == ([], 3) and parse_spec(" piano, bass ") == (["piano", "bass"], None)
    assert parse_spec(None) == ([], None)
    with pytest.raises(GenerationError, match="1..16"):
        parse_spec("40")
    assert resolve_words(["piano", "bass", "drums"], PALETTE) == [0, 33, -1]
    assert resolve_words(["strings", "flute", "p26"], PALETTE) == [40, 73, 26]  # violin: most used strings
    with pytest.raises(GenerationError, match="has not seen 'trumpet'"):
        resolve_words(["trumpet"], PALETTE)
    rng = np.random.default_rng(0)
    assert all(len(band_of(3, PALETTE, np.random.default_rng(s))) == 3 for s in range(10))
    assert sorted(band_of(3, PALETTE, rng)) == [-1, 0, 33]  # the only three-piece band
    assert len(band_of(2, PALETTE, rng)) == 2 and len(band_of(6, PALETTE, rng)) == 6


def test_generate_keeps_to_the_instruments_asked_for(bundle):
    import copy

    from jukebox_gui.core.ml.generation import GenerationConfig, generate

    from test_generation import ScriptedModel

    styled = copy.copy(bundle)
    styled.extras = {**bundle.extras, "palette": {"format": "jukebox-palette", "version": 1, **PALETTE}}
    any_model = ScriptedModel(bundle.tokenizer)  # uniform over what is legal
    take = generate(styled, GenerationConfig(seed=3, bars=8, style_check=False, instruments="piano,bass,drums"),
                    decoder=any_model)
    assert take.report["palette"]["instrument_set"] == [0, 33, -1]
    assert {-1 if t.is_drum else t.program for t in take.score.tracks} <= {0, 33, -1}
    counted = generate(styled, GenerationConfig(seed=3, bars=8, style_check=False, instruments="4"),
                       decoder=any_model)
    assert len(counted.report["palette"]["instrument_set"]) == 4
    with pytest.raises(GenerationError, match="either one program or a set"):
        GenerationConfig(program=0, instruments="bass").validate()


def test_every_instrument_of_the_band_comes_in_during_the_first_bars(bundle):
    import copy

    from jukebox_gui.core.ml.generation import GenerationConfig, generate

    from test_generation import ScriptedModel

    styled = copy.copy(bundle)
    styled.extras = {**bundle.extras, "palette": {"format": "jukebox-palette", "version": 1, **PALETTE}}
    pianist = ScriptedModel(bundle.tokenizer, favour={"Program_0": 9.0})  # would play the piano alone
    config = dict(seed=3, bars=4, style_check=False, instruments="piano,bass,drums")
    alone = generate(styled, GenerationConfig(**config, full_band=False), decoder=pianist)
    assert alone.report["instruments"]["programs"] == [0]
    band = generate(styled, GenerationConfig(**config), decoder=pianist)
    assert band.report["instruments"]["programs"] == [-1, 0, 33]
    assert band.report["palette"]["band_entries"] == 2
    first_two_bars = {-1 if t.is_drum else t.program for t in band.score.tracks
                      for n in t.notes if n.start < 8.0}
    assert first_two_bars == {-1, 0, 33}


def test_a_part_that_rests_longer_than_the_corpus_parts_do_comes_back(bundle):
    import copy

    from jukebox_gui.core.ml.generation import GenerationConfig, generate

    from test_generation import ScriptedModel

    styled = copy.copy(bundle)
    styled.extras = {**bundle.extras, "palette": {"format": "jukebox-palette", "version": 1, **PALETTE,
                                                  "part_rest_bars": {"p50": 0.0, "p90": 0.0}}}
    pianist = ScriptedModel(bundle.tokenizer, favour={"Program_0": 9.0})
    take = generate(styled, GenerationConfig(seed=3, bars=12, style_check=False, instruments="piano,bass,drums"),
                    decoder=pianist)
    for track in take.score.tracks:  # the piano-only model's bass and drums come back every third bar
        bars = {int(n.start // 4.0) for n in track.notes}
        assert max(b2 - b1 for b1, b2 in zip(sorted(bars), sorted(bars)[1:] + [12])) <= 3
