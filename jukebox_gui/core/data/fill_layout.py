"""Bar infilling in one token stream: the layout training and generation share. NumPy only.

A fill sample is the music on both sides of a gap, then the gap's bars::

    BOS  <bars before the gap>  Gap  <bars after the gap>  Fill  <the gap's bars>  EOS

A model trained on some of these (next to plain continuation windows) fills a gap by reading
``BOS left Gap right Fill`` and writing bars until it has as many as the gap holds: the music
after the gap is in its context, which a left-to-right continuation never sees. The layout is
the one of MidiTok's MMM and of MIDI-GPT's bar infilling, in REMI: every bar opens with ``Bar``
and its ``TimeSig``, so a bar's tokens stand on their own.

The model's window is ``seq_len`` tokens (learned positions stop there), so the sides are cut to
fit: the bars next to the gap are kept first, alternating left and right, until the sides' budget
(``seq_len`` less the gap's expected length) is spent. Training and generation call the same
:func:`fill_prompt`, so a model sees at generation the context it was trained on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

MAX_GAP_BARS = 8  # the longest gap a training sample holds


def bar_spans(ids: Sequence[int], bar_ids: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of every bar in ``ids``: from a ``Bar`` token up to the next one (the last bar
    up to the end, or to EOS). Tokens before the first ``Bar`` (BOS) belong to no bar."""
    arr = np.asarray(ids, dtype=np.int64)
    if arr.size == 0:
        return []
    is_bar = bar_ids[np.clip(arr, 0, bar_ids.size - 1)] & (arr >= 0) & (arr < bar_ids.size)
    starts = np.flatnonzero(is_bar)
    if starts.size == 0:
        return []
    ends = np.append(starts[1:], arr.size)
    return [(int(a), int(b)) for a, b in zip(starts, ends)]


@dataclass(frozen=True)
class FillPrompt:
    ids: list[int]             # BOS left Gap right Fill
    left_bars: int             # bars of context kept before the gap
    right_bars: int            # ... and after it


def fill_prompt(ids: Sequence[int], spans: list[tuple[int, int]], first: int, last: int, *,
                bos: int, gap: int, fill: int, budget: int, right: bool = True) -> FillPrompt:
    """The prompt for filling bars ``first..last-1`` of a stream (its bar ``spans``), the sides
    cut to ``budget`` tokens (nearest bars first, alternating); ``right=False`` leaves the music
    after the gap out (the left-only control of the evaluation)."""
    ids = list(ids)
    left_i, right_i = first - 1, last
    take_left: list[tuple[int, int]] = []
    take_right: list[tuple[int, int]] = []
    used, turn = 0, 0
    while True:
        can_left = left_i >= 0
        can_right = right and right_i < len(spans)
        if not (can_left or can_right):
            break
        side = "left" if (turn % 2 == 0 and can_left) or not can_right else "right"
        start, end = spans[left_i] if side == "left" else spans[right_i]
        if used + (end - start) > budget:
            break
        used += end - start
        if side == "left":
            take_left.insert(0, (start, end))
            left_i -= 1
        else:
            take_right.append((start, end))
            right_i += 1
        turn += 1
    left = [int(t) for a, b in take_left for t in ids[a:b]]
    after = [int(t) for a, b in take_right for t in ids[a:b]]
    return FillPrompt([bos, *left, gap, *after, fill], len(take_left), len(take_right))


def training_fill_samples(sequences: Sequence[np.ndarray], tokenizer, count: int, seq_len: int,
                          rng: np.random.Generator) -> list[np.ndarray]:
    """``count`` fill samples from ``sequences`` (random pieces, gaps of 1-``MAX_GAP_BARS`` bars,
    each at most ``seq_len + 1`` tokens, the training window). Gaps held to half the window, so
    that more samples hold bars on both sides, did not teach builtin:bach to read the bars after a
    gap (gap loss both sides vs left only 0.99x, 1.00x before) nor helped builtin:irish (0.88x,
    0.87x before): not used."""
    bar_ids = np.zeros(int(tokenizer.vocab_size), dtype=bool)
    bar_ids[tokenizer.ids_of_type("Bar")] = True
    eos = int(tokenizer.eos_id)
    pieces = []
    for seq in sequences:
        arr = np.asarray(seq, dtype=np.int64)
        if arr.size and arr[-1] == eos:
            arr = arr[:-1]
        spans = bar_spans(arr, bar_ids)
        if len(spans) >= 2:
            pieces.append((arr, spans))
    if not pieces or count <= 0:
        return []
    out: list[np.ndarray] = []
    tries = 0
    while len(out) < count and tries < count * 4:
        tries += 1
        arr, spans = pieces[int(rng.integers(len(pieces)))]
        bars = int(rng.integers(1, min(MAX_GAP_BARS, len(spans) - 1) + 1))
        first = int(rng.integers(0, len(spans) - bars + 1))
        gap = arr[spans[first][0]:spans[first + bars - 1][1]]
        budget = seq_len + 1 - 4 - gap.size  # BOS Gap Fill ... EOS
        if budget < 0:
            continue
        prompt = fill_prompt(arr, spans, first, first + bars, bos=tokenizer.bos_id, gap=tokenizer.gap_id,
                             fill=tokenizer.fill_id, budget=budget)
        out.append(np.asarray([*prompt.ids, *gap.tolist(), eos], dtype=np.int32))
    return out
