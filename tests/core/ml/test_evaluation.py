"""Held-out loss per token type and the shuffled-context control.

The corpus is melodic by construction: every tune repeats one interval pattern from one of six
first pitches, so the pitch histogram is broad (a unigram is poor) while the next pitch follows from
the ones before. A predictor that uses that context must score well and must lose its edge when
the earlier pitches in its context are shuffled; a context-blind one must lose nothing.
"""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest

from jukebox_gui.core.data.tokenizer import Tokenizer
from jukebox_gui.core.ml.config import preset
from jukebox_gui.core.ml.evaluation import _windows, melody_verdict, token_type_nll
from jukebox_gui.core.music.score import Note, Score, Track

from ml_toys import ToyCorpus

PATTERN = (0, 2, 4, 5, 7, 9, 7, 5, 4, 2)


def melodic_corpus(tok: Tokenizer, pieces: int, seed: int) -> ToyCorpus:
    rng = np.random.default_rng(seed)
    seqs = []
    for _ in range(pieces):
        base = int(rng.choice([55, 57, 60, 62, 64, 67]))  # six keys: the n-gram has seen each
        notes = [Note(i * 0.5, 0.5, base + PATTERN[i % len(PATTERN)], 80) for i in range(48)]
        seqs.append(np.asarray(tok.encode(Score(tracks=[Track(program=0, notes=notes)])), dtype=np.int32))
    return ToyCorpus(seqs, [f"tune{i}.mid" for i in range(pieces)])


@pytest.mark.parametrize("length,context", [(10, 4), (11, 4), (5, 4), (200, 64), (65, 64), (66, 64)])
def test_windows_score_every_target_once_within_the_context(length, context):
    covered = []
    for start, first, end in _windows(length, context):
        assert end - start <= context + 1 and start < first <= end
        covered += list(range(first, end))
    assert covered == list(range(1, length))


class PeriodOracle:
    """A predictor that knows the corpus's rule: the next pitch is the pitch ten notes back.

    It stands in for a model that learned melody (the measurement, not the learning, is under
    test here); the context-blind one gives every pitch the same score."""

    def __init__(self, tok: Tokenizer, uses_context: bool = True) -> None:
        self.tok, self.uses_context = tok, uses_context
        self.pitch = np.zeros(tok.vocab_size, dtype=bool)
        self.pitch[tok.ids_of_type("Pitch")] = True
        self.program = np.zeros(tok.vocab_size, dtype=bool)
        self.program[tok.ids_of_type("Program")] = True  # a Program token is followed by the Pitch

    def __call__(self, ids, training=False):
        logits = np.zeros(ids.shape + (self.tok.vocab_size,), dtype=np.float32)
        for b, row in enumerate(ids):
            seen = []
            for t, token in enumerate(row):
                if self.pitch[token]:
                    seen.append(int(token))
                if self.uses_context and self.program[token] and len(seen) >= len(PATTERN):
                    logits[b, t, seen[-len(PATTERN)]] = 12.0
        return logits


def test_per_type_loss_sees_a_predictor_that_uses_melodic_context():
    tok = Tokenizer()
    config = dataclasses.replace(preset("tiny", "transformer"),
                                 model=dataclasses.replace(preset("tiny", "transformer").model, seq_len=128))
    held = melodic_corpus(tok, 4, 1).sequences
    real = token_type_nll(PeriodOracle(tok), tok, config, held)
    shuffled = token_type_nll(PeriodOracle(tok), tok, config, held, shuffle_pitches=True)
    blind = token_type_nll(PeriodOracle(tok, uses_context=False), tok, config, held)
    blind_shuffled = token_type_nll(PeriodOracle(tok, uses_context=False), tok, config, held, shuffle_pitches=True)
    assert real["counts"]["Pitch"] == 4 * 48  # every held-out note scored once
    uniform = math.log(tok.vocab_size)
    assert blind["per_type"]["Pitch"] == pytest.approx(uniform)
    assert real["per_type"]["Pitch"] < 0.5 * uniform  # the first ten notes of a tune stay uniform
    assert shuffled["per_type"]["Pitch"] > real["per_type"]["Pitch"] + 2.0
    assert blind_shuffled["per_type"]["Pitch"] == pytest.approx(blind["per_type"]["Pitch"])
    assert real["per_type"]["Position"] == pytest.approx(uniform)
    assert real["nats_per_note"] > real["per_type"]["Pitch"]


def test_training_records_the_melody_figures(tmp_path):
    from jukebox_gui.core.ml.training import train

    tok = Tokenizer()
    config = dataclasses.replace(preset("tiny", "transformer"), epochs=1, max_windows_per_epoch=64, transpose=3)
    train(melodic_corpus(tok, 20, 0), tmp_path / "b", config, tokenizer=tok)
    melody = json.loads((tmp_path / "b" / "training.json").read_text())["melody"]
    assert melody["pitch_vs_ngram"] == pytest.approx(melody["pitch_nll"] / melody["pitch_ngram_nll"])
    # the corpus's rule makes the n-gram strong: far below the histogram
    assert melody["pitch_ngram_nll"] < melody["pitch_unigram_nll"] - 1.0
    assert math.isfinite(melody["pitch_nll_shuffled_context"])
    assert melody["learned_melody"] is (melody["pitch_vs_ngram"] <= 0.95)
    assert melody["verdict"] == melody_verdict(melody)


def test_verdict_for_a_model_without_figures():
    assert melody_verdict(None) == "melody not measured"
    assert melody_verdict({"pitch_nll": None}) == "melody not measured"
    text = melody_verdict({"pitch_nll": 2.7, "pitch_ngram_nll": 2.06, "pitch_vs_ngram": 1.31,
                           "pitch_unigram_nll": 2.77, "learned_melody": False})
    assert text.startswith("still learning melody") and "2.70" in text and "2.06" in text
