"""The n-gram baselines: fitted on one split, scored on another, smoothed, ordered as they should be."""

from __future__ import annotations

import math

import numpy as np

from jukebox_gui.core.data.ngram import NgramModel, ngram_baselines, type_streams


def _scale_tunes(n: int, seed: int) -> list[list[int]]:
    """Stepwise tunes: each next symbol is one up or one down (a bigram model predicts them well)."""
    rng = np.random.default_rng(seed)
    tunes = []
    for _ in range(n):
        x, tune = int(rng.integers(5, 15)), []
        for _ in range(60):
            tune.append(x)
            x = min(19, max(0, x + int(rng.choice([-1, 1]))))
        tunes.append(tune)
    return tunes


def test_probabilities_sum_to_one_over_the_vocabulary():
    model = NgramModel(3, 20).fit(_scale_tunes(10, 0))
    for context in [(), (7,), (7, 8), (19, 19), (-1, -1)]:
        assert math.isclose(sum(model.prob(context[-2:], s) for s in range(20)), 1.0, rel_tol=1e-9)


def test_unseen_symbols_keep_a_nonzero_probability():
    model = NgramModel(2, 30).fit([[1, 2, 3, 1, 2, 3]])
    assert model.prob((1,), 29) > 0


def test_context_beats_the_histogram_on_stepwise_tunes():
    scores = ngram_baselines(_scale_tunes(40, 1), _scale_tunes(10, 2), 20)
    assert scores["2"] < scores["1"] - 1.0  # a step up or down: ~log 2 vs ~log 15
    assert scores["best"] == min(scores["2"], scores["3"], scores["4"])
    assert abs(scores["2"] - math.log(2)) < 0.25


def test_random_symbols_give_the_bigram_no_edge():
    rng = np.random.default_rng(3)
    train = [rng.integers(0, 12, 200).tolist() for _ in range(20)]
    held = [rng.integers(0, 12, 200).tolist() for _ in range(5)]
    scores = ngram_baselines(train, held, 12)
    assert scores["2"] >= scores["1"] - 0.02
    assert abs(scores["1"] - math.log(12)) < 0.05


def test_type_streams_pick_pitch_tokens_only():
    from jukebox_gui.core.data.tokenizer import Tokenizer
    from jukebox_gui.core.music.score import Note, Score, Track

    tok = Tokenizer()
    score = Score(tracks=[Track(program=0, notes=[Note(0.0, 1.0, 60, 80), Note(1.0, 1.0, 64, 80)]),
                          Track(program=0, is_drum=True, notes=[Note(0.0, 0.5, 36, 90)])])
    (stream,) = type_streams([tok.encode(score)], tok)
    assert [tok.token_name(i) for i in stream] == ["Pitch_60", "Pitch_64"]
