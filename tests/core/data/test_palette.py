"""The corpus palette, measured on real token streams of real Scores."""

from __future__ import annotations

import numpy as np
import pytest

from jukebox_gui.core.data.grammar import Grammar
from jukebox_gui.core.data.palette import (corpus_palette, pick_instruments, playable_set, take_limits,
                                           valid_palette)
from jukebox_gui.core.data.tokenizer import Tokenizer
from jukebox_gui.core.music.score import Note, Score, TempoChange, TimeSignature, Track


@pytest.fixture(scope="module")
def tok():
    return Tokenizer()


def band_piece():
    """3/4 at 100 BPM: strings (most notes), a bass, drums; a 3-note chord is the densest onset."""
    strings = [Note(float(i), 1.0, 60 + i % 5) for i in range(12)] + [Note(0.0, 1.0, 64), Note(0.0, 1.0, 67)]
    bass = [Note(3.0 * i, 3.0, 36) for i in range(4)]
    drums = [Note(float(i), 0.5, 36) for i in range(6)]
    return Score(tracks=[Track(program=32, notes=bass), Track(program=48, notes=strings),
                         Track(is_drum=True, notes=drums)],
                 tempos=[TempoChange(0.0, 100.0)], time_signatures=[TimeSignature(0.0, 3, 4)])


def solo_piece():
    """6/8, one flute; a bar of six eighths."""
    return Score(tracks=[Track(program=73, notes=[Note(0.5 * i, 0.5, 72 + i % 3) for i in range(12)])],
                 tempos=[TempoChange(0.0, 140.0)], time_signatures=[TimeSignature(0.0, 6, 8)])


def test_palette_of_real_token_streams(tok):
    palette = corpus_palette([tok.encode(band_piece()), tok.encode(solo_piece())], tok)
    assert valid_palette(palette) is palette
    assert palette["pieces"] == 2
    assert set(palette["time_signatures"]) == {"3/4", "6/8"}
    assert len(palette["tempos"]) == 2 and all(f"Tempo_{t}" in tok.vocab() for t in palette["tempos"])
    assert palette["programs"] == [-1, 32, 48, 73]
    assert palette["instrument_sets"] == [[48, -1, 32], [73]]  # most notes first
    assert palette["instruments_per_piece"] == {"min": 1, "median": 2.0, "max": 3}
    assert palette["max_notes_per_onset"] == 5  # strings chord (3) + bass + kick at beat 0
    assert palette["max_notes_per_bar"] == 3 + 2 + 3 + 1  # bar 1: strings, chord notes, drums, bass
    bpe_like = type("T", (), {"vocab_size": tok.vocab_size, "eos_id": tok.eos_id, "bos_id": tok.bos_id,
                              "pad_id": tok.pad_id, "token_name": lambda self, i: "BPE_x" if i > 10 else
                              tok.token_name(i)})()
    assert corpus_palette([tok.encode(solo_piece())], bpe_like) is None


def test_take_limits_name_the_palette_tokens(tok):
    grammar = Grammar(tok)
    palette = corpus_palette([tok.encode(band_piece()), tok.encode(solo_piece())], tok)
    limits = take_limits(grammar, palette)
    assert {tok.token_name(i) for i in limits["timesigs"]} == {"TimeSig_3/4", "TimeSig_6/8"}
    assert {tok.token_name(i) for i in limits["tempos"]} == {f"Tempo_{t}" for t in palette["tempos"]}
    assert limits["max_onset_notes"] == 5 and limits["max_bar_notes"] == 9
    assert take_limits(grammar, None) == {} and take_limits(grammar, {"format": "other"}) == {}
    foreign = {**palette, "time_signatures": ["13/16"], "tempos": []}
    assert "timesigs" not in take_limits(grammar, foreign)  # tokens this vocabulary lacks: no restriction


def test_instrument_sets_are_picked_reproducibly_and_fit_the_channels():
    palette = {"format": "jukebox-palette", "version": 1,
               "instrument_sets": [[48, -1, 32], [73], [0, 24, -1]]}
    picks = [pick_instruments(palette, np.random.default_rng(seed)) for seed in range(30)]
    assert picks == [pick_instruments(palette, np.random.default_rng(seed)) for seed in range(30)]
    assert {tuple(p) for p in picks} == {(48, -1, 32), (73,), (0, 24, -1)}
    # a primer's instruments belong to the take; the sets holding them are preferred
    assert all(pick_instruments(palette, np.random.default_rng(s), [73]) == [73] for s in range(10))
    assert {tuple(pick_instruments(palette, np.random.default_rng(s), [-1])) for s in range(30)} == {
        (-1, 48, 32), (-1, 0, 24)}
    assert pick_instruments(palette, np.random.default_rng(0), [5])[0] == 5
    assert pick_instruments(None, np.random.default_rng(0)) is None
    huge = playable_set([-1, *range(40), -1, 3])
    assert huge == [-1, *range(15)]
    assert valid_palette({"format": "jukebox-palette", "version": 99, "instrument_sets": [[0]]}) is None
    assert valid_palette({"format": "jukebox-palette", "version": 1, "instrument_sets": [[]]}) is None


def test_a_slim_stream_palette_names_the_corpus_instrument():
    """Without Program tokens every note is the tokenizer's one program (a fiddle, not a piano)."""
    from jukebox_gui.core.data.palette import corpus_palette
    from jukebox_gui.core.data.tokenizer import Tokenizer, TokenizerConfig
    from jukebox_gui.core.music.score import Note, Score, Track

    tok = Tokenizer(TokenizerConfig(use_programs=False, use_velocities=False, program=40, velocity=79))
    tune = Score(tracks=[Track(program=40, notes=[Note(i * 0.5, 0.5, 62 + i, 79) for i in range(8)])])
    palette = corpus_palette([tok.encode(tune)], tok)
    assert palette["programs"] == [40] and palette["instrument_sets"] == [[40]]


def test_palette_records_how_long_the_parts_rest(tok):
    """A bass that plays bars 1, 2 and 6 (three silent bars between) next to strings in every bar."""
    strings = [Note(4.0 * b, 4.0, 60) for b in range(6)]
    bass = [Note(0.0, 1.0, 36), Note(4.0, 1.0, 38), Note(20.0, 1.0, 40)]
    piece = Score(tracks=[Track(program=48, notes=strings), Track(program=33, notes=bass)])
    palette = corpus_palette([tok.encode(piece)], tok)
    assert palette["part_rest_bars"] == {"p50": 1.5, "p90": pytest.approx(2.7)}  # parts' longest rests: 0 and 3
    from jukebox_gui.core.ml.instruments import BandEntry

    assert BandEntry.rest_limit(palette) == 4  # a part may rest longer than the corpus's p90, not for good
    assert BandEntry.rest_limit({"part_rest_bars": None}) is None


def _style_palette(programs, timesigs, tempos, onset, bar, rate, by_bar, sets):
    return {"format": "jukebox-palette", "version": 1, "pieces": len(sets), "programs": programs,
            "time_signatures": timesigs, "tempos": tempos, "instrument_sets": sets,
            "instruments_per_piece": {"min": 1, "median": 1.0, "max": 1},
            "max_notes_per_onset": onset, "max_notes_per_bar": bar,
            "notes_per_bar": {"p50": float(bar) / 3, "p99": float(bar) / 2},
            "bar_repeats": {"rate": rate, "distances": {"4": 1.0}, "by_bar": by_bar},
            "part_rest_bars": {"p50": 0.0, "p90": 1.0}}


def test_a_blend_may_do_what_any_of_its_styles_does_and_draws_instruments_by_weight():
    from jukebox_gui.core.data.palette_blend import blend_palettes

    fiddle = _style_palette([40], ["6/8", "2/4"], ["120"], 2, 15, 0.2, {"4": {"4": 0.4}}, [[40]] * 30)
    choir = _style_palette([52], ["4/4", "2/4"], ["90"], 9, 48, 0.1, {"4": {}, "8": {"8": 0.2}}, [[52]] * 10)
    blend = blend_palettes([fiddle, choir], [0.7, 0.3])
    assert valid_palette(blend) is blend
    assert blend["time_signatures"] == ["6/8", "2/4", "4/4"] and blend["tempos"] == ["90", "120"]
    assert blend["max_notes_per_onset"] == 9 and blend["max_notes_per_bar"] == 48  # a chorale's chords fit
    assert blend["programs"] == [40, 52]
    assert blend["bar_repeats"]["rate"] == pytest.approx(0.17)
    assert blend["bar_repeats"]["by_bar"] == {"4": {"4": 0.28}, "8": {"8": 0.06}}
    # one piece's instruments, a style's pieces drawn with its weight (not by how many pieces it has)
    drawn = [pick_instruments(blend, np.random.default_rng(s)) for s in range(400)]
    assert drawn.count([40]) / 400 == pytest.approx(0.7, abs=0.07)
    assert {tuple(d) for d in drawn} == {(40,), (52,)}
    flipped = [pick_instruments(blend_palettes([fiddle, choir], [0.2, 0.8]), np.random.default_rng(s))
               for s in range(400)]
    assert flipped.count([40]) / 400 == pytest.approx(0.2, abs=0.07)
    limits = take_limits(Grammar(Tokenizer()), blend)
    assert limits["max_onset_notes"] == 9


def test_palette_names_the_voices_a_corpus_keeps_sounding(tok):
    from jukebox_gui.core.data.palette import steady_voices, voice_profile

    g = Grammar(tok)
    chorale = Score(tracks=[Track(notes=[Note(float(b), 1.0, p) for b in range(8) for p in (48, 60, 64, 67)])],
                    time_signatures=[TimeSignature(0.0, 4, 4)], tempos=[TempoChange(0.0, 100.0)])
    profile = voice_profile([np.asarray(tok.encode(chorale))], g)
    assert profile == {"count": 4, "share": 1.0}
    assert steady_voices({"voices": profile}) == 4
    # a part that comes and goes: one note, then rests as long, never a steady count
    sparse = Score(tracks=[Track(notes=[Note(float(2 * b), 1.0, 60 + b) for b in range(8)])],
                   time_signatures=[TimeSignature(0.0, 4, 4)], tempos=[TempoChange(0.0, 100.0)])
    profile = voice_profile([np.asarray(tok.encode(sparse))], g)
    assert profile["share"] < 0.6
    assert steady_voices({"voices": profile}) is None
    assert steady_voices({}) is None and steady_voices({"voices": {"count": "4", "share": 1}}) is None
    # a blend keeps a count only where its styles agree
    from jukebox_gui.core.data.palette_blend import blend_palettes

    quartet = {**_style_palette([52], ["4/4"], ["90"], 4, 16, 0.1, {}, [[52]] * 4), "voices": {"count": 4, "share": 0.97}}
    choir = {**quartet, "voices": {"count": 4, "share": 0.95}}
    fiddle = {**_style_palette([40], ["6/8"], ["120"], 1, 6, 0.2, {}, [[40]] * 4), "voices": {"count": 1, "share": 0.99}}
    assert steady_voices(blend_palettes([quartet, choir], [0.5, 0.5])) == 4
    assert steady_voices(blend_palettes([quartet, fiddle], [0.5, 0.5])) is None
