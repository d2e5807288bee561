"""The bar-infilling layout that training and generation share."""

from __future__ import annotations

import numpy as np
import pytest

from jukebox_gui.core.data.fill_layout import MAX_GAP_BARS, bar_spans, fill_prompt, training_fill_samples
from jukebox_gui.core.data.tokenizer import Tokenizer, TokenizerConfig
from jukebox_gui.core.music.score import Note, Score, TimeSignature, Track


@pytest.fixture(scope="module")
def tok() -> Tokenizer:
    return Tokenizer(TokenizerConfig(infill=True, use_programs=False, use_velocities=False))


def _tune(bars: int = 12) -> Score:
    notes = [Note(b * 3.0 + i, 1.0, 60 + (b % 7) + i, 80) for b in range(bars) for i in range(3)]
    return Score(tracks=[Track(notes=notes)], time_signatures=[TimeSignature(0.0, 3, 4)])


def _is_bar(tok: Tokenizer) -> np.ndarray:
    mask = np.zeros(tok.vocab_size, dtype=bool)
    mask[tok.ids_of_type("Bar")] = True
    return mask


def test_fill_tokens_exist_only_when_asked(tok):
    assert tok.can_fill and tok.token_type(tok.gap_id) == "Gap" and tok.token_type(tok.fill_id) == "Fill"
    plain = Tokenizer()
    assert not plain.can_fill and plain.gap_id is None
    assert tok.decode([tok.gap_id, tok.fill_id]).note_count == 0  # specials decode to nothing


def test_bar_spans_and_prompt_keep_the_nearest_bars(tok):
    ids = [t for t in tok.encode(_tune()) if t != tok.eos_id]
    spans = bar_spans(ids, _is_bar(tok))
    assert len(spans) == 12 and ids[spans[0][0]] == tok.vocab()["Bar_None"]
    bar_len = spans[1][1] - spans[1][0]
    prompt = fill_prompt(ids, spans, 5, 7, bos=tok.bos_id, gap=tok.gap_id, fill=tok.fill_id, budget=4 * bar_len)
    assert (prompt.left_bars, prompt.right_bars) == (2, 2)  # alternating, nearest first
    body = prompt.ids
    assert body[0] == tok.bos_id and body[-1] == tok.fill_id and body.count(tok.gap_id) == 1
    gap_at = body.index(tok.gap_id)
    assert body[1:gap_at] == ids[spans[3][0]:spans[4][1]]      # bars 4-5 (0-based 3, 4)
    assert body[gap_at + 1:-1] == ids[spans[7][0]:spans[8][1]]  # bars 8-9 (0-based 7, 8)
    left_only = fill_prompt(ids, spans, 5, 7, bos=tok.bos_id, gap=tok.gap_id, fill=tok.fill_id,
                            budget=4 * bar_len, right=False)
    assert (left_only.left_bars, left_only.right_bars) == (4, 0) and left_only.ids[-2] == tok.gap_id


def test_training_samples_fit_the_window_and_end_with_the_gap(tok):
    seqs = [np.asarray(tok.encode(_tune(n)), dtype=np.int32) for n in (6, 12, 20)]
    samples = training_fill_samples(seqs, tok, 50, 64, np.random.default_rng(1))
    assert len(samples) == 50
    is_bar = _is_bar(tok)
    for sample in samples:
        s = sample.tolist()
        assert len(s) <= 65 and s[0] == tok.bos_id and s[-1] == tok.eos_id
        assert s.count(tok.gap_id) == 1 and s.count(tok.fill_id) == 1 and s.index(tok.gap_id) < s.index(tok.fill_id)
        gap = s[s.index(tok.fill_id) + 1:-1]
        assert gap and is_bar[gap[0]] and 1 <= int(is_bar[gap].sum()) <= MAX_GAP_BARS
