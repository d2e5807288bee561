import numpy as np
import pytest

from jukebox_gui.core.errors import GenerationError
from jukebox_gui.core.ml.sampling import (
    SamplingSettings, apply_repetition_penalty, make_rng, probabilities, sample,
)

LOGITS = np.log(np.array([0.5, 0.2, 0.15, 0.1, 0.05]))


def test_plain_softmax_and_temperature():
    p = probabilities(LOGITS, SamplingSettings(top_p=1.0))
    assert p == pytest.approx([0.5, 0.2, 0.15, 0.1, 0.05])
    hot = probabilities(LOGITS, SamplingSettings(temperature=2.0, top_p=1.0))
    assert hot[0] < 0.5 and hot[4] > 0.05  # flatter
    cold = probabilities(LOGITS, SamplingSettings(temperature=0.5, top_p=1.0))
    assert cold[0] > 0.5
    greedy = probabilities(LOGITS, SamplingSettings(temperature=0.0))
    assert list(greedy) == [1, 0, 0, 0, 0]


def test_top_k_and_top_p():
    p = probabilities(LOGITS, SamplingSettings(top_k=2, top_p=1.0))
    assert p == pytest.approx([0.5 / 0.7, 0.2 / 0.7, 0, 0, 0])
    p = probabilities(LOGITS, SamplingSettings(top_p=0.8))  # 0.5+0.2 < 0.8 <= 0.85
    assert p == pytest.approx(np.array([0.5, 0.2, 0.15, 0, 0]) / 0.85)
    p = probabilities(LOGITS, SamplingSettings(top_p=0.01))
    assert list(p) == [1, 0, 0, 0, 0]


def test_mask_and_repetition_penalty():
    mask = np.array([False, True, True, False, False])
    p = probabilities(LOGITS, SamplingSettings(top_p=1.0), mask=mask)
    assert p == pytest.approx([0, 0.2 / 0.35, 0.15 / 0.35, 0, 0])
    with pytest.raises(GenerationError):
        probabilities(LOGITS, SamplingSettings(), mask=np.zeros(5, bool))
    logits = np.array([2.0, -1.0, 0.5])
    out = apply_repetition_penalty(logits, [0, 1], 2.0)
    assert list(out) == [1.0, -2.0, 0.5]
    assert list(logits) == [2.0, -1.0, 0.5]  # not modified in place
    p = probabilities(logits, SamplingSettings(top_p=1.0, repetition_penalty=2.0), recent=[0, 0])
    assert p[0] < probabilities(logits, SamplingSettings(top_p=1.0))[0]


def test_durations_are_drawn_from_the_model_itself_when_only_they_may_follow():
    raw = np.array([False, False, True, True, True])  # say tokens 2-4 are Durations
    only_durations = raw.copy()
    cold_nucleus = SamplingSettings(temperature=0.5, top_p=0.5)
    p = probabilities(LOGITS, cold_nucleus, mask=only_durations, raw=raw)
    assert p == pytest.approx([0, 0, 0.5, 1 / 3, 1 / 6])  # the model's own odds, the rarest kept
    assert probabilities(LOGITS, cold_nucleus, mask=only_durations)[4] == 0  # the nucleus cuts it
    either = np.ones(5, bool)  # a pitch may follow too: the settings shape the choice as before
    assert list(probabilities(LOGITS, cold_nucleus, mask=either, raw=raw)) == \
        list(probabilities(LOGITS, cold_nucleus, mask=either))
    greedy = probabilities(LOGITS, SamplingSettings(temperature=0.0), mask=only_durations, raw=raw)
    assert list(greedy) == [0, 0, 1, 0, 0]
    draws = [sample(LOGITS, cold_nucleus, make_rng(7, i), mask=only_durations, raw=raw) for i in range(600)]
    assert 60 <= draws.count(4) <= 140  # about 1 in 6


def test_seeded_draws_are_reproducible_and_follow_the_distribution():
    settings = SamplingSettings(top_p=1.0)
    a = [sample(LOGITS, settings, make_rng(7)) for _ in range(3)]
    rng1, rng2 = make_rng(7), make_rng(7)
    assert [sample(LOGITS, settings, rng1) for _ in range(50)] == [sample(LOGITS, settings, rng2) for _ in range(50)]
    rng = make_rng(1)
    counts = np.bincount([sample(LOGITS, settings, rng) for _ in range(4000)], minlength=5) / 4000
    assert counts == pytest.approx([0.5, 0.2, 0.15, 0.1, 0.05], abs=0.03)
    assert len(set(a)) == 1
    # derived streams differ
    assert [make_rng(7, 1).random() for _ in range(1)] != [make_rng(7, 2).random()]
    # a masked-out token is never drawn
    mask = np.array([False, True, True, True, True])
    assert 0 not in {sample(LOGITS, settings, rng, mask=mask) for _ in range(500)}


def test_validation():
    with pytest.raises(GenerationError):
        SamplingSettings(temperature=-1).validate()
    with pytest.raises(GenerationError):
        SamplingSettings(top_p=0).validate()
    with pytest.raises(GenerationError):
        SamplingSettings(top_k=-3).validate()
    with pytest.raises(GenerationError):
        SamplingSettings(repetition_penalty=0.5).validate()
    assert SamplingSettings().validate() == SamplingSettings()
