"""The trained LSTM must use context, not only the previous token.

A model stuck on the "bigram plateau" still lowers its loss (so the other training tests pass)
while its output ignores everything but the last token; the built-in models once shipped like that.
Here every fourth token repeats the token three steps back: only a model that remembers can
predict it, and a bigram model is at chance there.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from jukebox_gui.core.ml.config import preset
from jukebox_gui.core.ml.training import train

from ml_toys import ToyCorpus, ToyTokenizer

VOCAB = 12


def memory_corpus(pieces: int, length: int, seed: int) -> ToyCorpus:
    rng = np.random.default_rng(seed)
    seqs = []
    for _ in range(pieces):
        body = rng.integers(3, VOCAB, size=length)
        body[3::4] = body[0::4][: len(body[3::4])]
        seqs.append(np.concatenate([[1], body, [2]]).astype(np.int32))
    return ToyCorpus(seqs, [f"piece{i}.mid" for i in range(pieces)])


@pytest.mark.slow
def test_lstm_learns_to_use_context(tmp_path):
    config = preset("tiny", "lstm")
    config = dataclasses.replace(config, epochs=6, seed=3, model=dataclasses.replace(config.model, units=48))
    result = train(memory_corpus(40, 200, 0), tmp_path / "b", config, tokenizer=ToyTokenizer(VOCAB))
    model = result_model(tmp_path / "b")
    probe = memory_corpus(8, 64, 99)
    ids = np.stack([s[:-1] for s in probe.sequences])
    predicted = np.asarray(model(ids, training=False)).argmax(-1)
    # position t predicts token t+1; tokens 4, 8, 12, ... of the body (ids index 4k) repeat ids[4k-3]
    targets = np.arange(4, ids.shape[1], 4)
    hits = (predicted[:, targets - 1] == ids[:, targets]).mean()
    chance = 1 / (VOCAB - 3)
    # a bigram model is at chance (11%) on these positions; six tiny epochs reach ~55-60%
    assert hits > 0.4, f"repeat positions predicted {hits:.0%} of the time (chance {chance:.0%}): the model ignores context"


def result_model(path):
    from jukebox_gui.core.ml.bundle import load_bundle

    return load_bundle(path, tokenizer_cls=ToyTokenizer).model
