"""Bar repeats: corpus statistics, and proposals the model must agree with token by token."""

from __future__ import annotations

import numpy as np
import pytest

from jukebox_gui.core.data.grammar import Grammar
from jukebox_gui.core.data.palette import bar_repeat_stats
from jukebox_gui.core.data.tokenizer import Tokenizer, TokenizerConfig
from jukebox_gui.core.ml.repeats import BarRepeater
from jukebox_gui.core.ml.sampling import SamplingSettings
from jukebox_gui.core.music.score import Note, Score, TimeSignature, Track


@pytest.fixture(scope="module")
def tok() -> Tokenizer:
    return Tokenizer(TokenizerConfig(use_programs=False, use_velocities=False))


def _piece(tok, bars: list[list[int]]) -> list[int]:
    notes = [Note(b * 2.0 + i * 0.5, 0.5, p, 80) for b, pitches in enumerate(bars) for i, p in enumerate(pitches)]
    return tok.encode(Score(tracks=[Track(notes=notes)], time_signatures=[TimeSignature(0.0, 2, 4)]))


def test_stats_find_the_phrase_repeats(tok):
    a, b, c, d, e = [60, 62, 64, 65], [67, 65, 64, 62], [60, 64, 67, 72], [71, 69, 67, 65], [64, 62, 60, 62]
    pieces = [_piece(tok, [a, b, c, d, a, b, e, d]) for _ in range(12)]  # bar 5 = bar 1, 6 = 2, 8 = 4
    stats = bar_repeat_stats(pieces, Grammar(tok))
    assert stats["rate"] == pytest.approx(3 / 8)
    assert stats["distances"] == {"4": 1.0}
    assert stats["by_bar"]["4"] == {"4": 1.0} and stats["by_bar"]["6"] == {} and stats["by_bar"]["7"] == {"4": 1.0}


def _feed_bars(rep: BarRepeater, g: Grammar, tok, ids: list[int]) -> None:
    for t in ids:
        rep.feed(t, bool(g.is_bar[t]), propose=False)


def test_a_proposed_bar_is_written_while_the_model_agrees(tok):
    g = Grammar(tok)
    ids = [t for t in _piece(tok, [[60, 62, 64, 65]]) if t not in (tok.bos_id, tok.eos_id)]
    bar = [t for t in ids[1:] if tok.token_type(t) != "Tempo"]  # after its Bar token, no Tempo
    stats = {"rate": 0.0, "distances": {}, "by_bar": {"1": {"1": 1.0}}}  # bar 2 always repeats bar 1
    rep = BarRepeater(stats, g, np.random.default_rng(0))
    _feed_bars(rep, g, tok, ids)
    rep.feed(tok.vocab()["Bar_None"], True)  # bar 2 begins: the proposal is made
    settings = SamplingSettings(temperature=0.9, top_p=0.95)
    mask = np.ones(tok.vocab_size, dtype=bool)
    written = []
    for want in bar:
        logits = np.zeros(tok.vocab_size)
        logits[want] = 12.0  # the model is sure of the repeat's next token
        got = rep.propose(logits, mask, settings)
        assert got == want
        written.append(got)
        rep.feed(got, False)
    assert written == bar and rep.propose(np.zeros(tok.vocab_size), mask, settings) is None
    assert rep.report()["proposed"] == 1 and rep.report()["accepted"] == 1


def test_a_repeat_the_model_does_not_hear_ends_at_once(tok):
    g = Grammar(tok)
    ids = [t for t in _piece(tok, [[60, 62, 64, 65]]) if t not in (tok.bos_id, tok.eos_id)]
    rep = BarRepeater({"rate": 0.0, "distances": {}, "by_bar": {"1": {"1": 1.0}}}, g, np.random.default_rng(0))
    _feed_bars(rep, g, tok, ids)
    rep.feed(tok.vocab()["Bar_None"], True)
    settings = SamplingSettings(temperature=0.9, top_p=0.95)
    mask = np.ones(tok.vocab_size, dtype=bool)
    logits = np.zeros(tok.vocab_size)
    other = next(i for i in range(tok.vocab_size) if i != ids[1])
    logits[other] = 12.0  # the model wants something else: the repeat's token is outside the nucleus
    assert rep.propose(logits, mask, settings) is None
    logits[ids[1]] = 12.0  # even if it would agree later, the repeat has ended
    assert rep.propose(logits, mask, settings) is None
    assert rep.report()["accepted"] == 0
    no_repeats = BarRepeater({"rate": 0.0, "distances": {}, "by_bar": {"1": {}}}, g, np.random.default_rng(0))
    _feed_bars(no_repeats, g, tok, ids)
    no_repeats.feed(tok.vocab()["Bar_None"], True)
    assert no_repeats.propose(logits, mask, settings) is None and no_repeats.report()["proposed"] == 0


def _proposals_over(tok, bars: int, agree: bool) -> int:
    """Proposals a repeater makes over ``bars`` bars where the corpus repeats a quarter of its
    bars, the model agreeing with every proposed token or with none."""
    g = Grammar(tok)
    ids = [t for t in _piece(tok, [[60, 62, 64, 65]]) if t not in (tok.bos_id, tok.eos_id)]
    bar_token, body = ids[0], [t for t in ids[1:] if tok.token_type(t) != "Tempo"]
    rep = BarRepeater({"rate": 0.25, "distances": {"1": 1.0}, "by_bar": {}}, g, np.random.default_rng(7))
    _feed_bars(rep, g, tok, ids)
    settings = SamplingSettings(temperature=1.0, top_p=0.95)
    mask = np.ones(tok.vocab_size, dtype=bool)
    for _ in range(bars):
        rep.feed(bar_token, True)
        for want in body:
            logits = np.zeros(tok.vocab_size)
            logits[want if agree else (want + 1) % tok.vocab_size] = 12.0
            got = rep.propose(logits, mask, settings)
            rep.feed(want if got is None else got, False)
    return rep.report()["proposed"]


def test_proposals_come_more_often_when_the_model_turns_them_down(tok):
    """The corpus's rate is of repeats heard: a model that accepts every proposal is offered about
    that rate (after the prior's first guess), one that turns them down is offered more."""
    accepting = _proposals_over(tok, 400, agree=True)
    refusing = _proposals_over(tok, 400, agree=False)
    assert 0.15 * 400 <= accepting <= 0.4 * 400
    assert refusing > 2 * accepting
