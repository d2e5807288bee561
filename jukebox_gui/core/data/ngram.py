"""Simple baselines a model must beat: unigram and n-gram models over a token type's stream.

A model that has learned melody predicts the next pitch from the pitches before it; a model that
has not is no better than the corpus's pitch histogram (the unigram). The n-gram baselines here are
fitted on the training split and scored on the held-out split in the same run, over the same
stream the model sees (every ``Pitch`` token of a piece, in token order), so a ratio
``model / n-gram`` is a fair measure of what the model learned beyond counting.

Smoothing is interpolated Witten-Bell (each order backs off to the next lower one, the unigram to
a uniform floor over the type's vocabulary), which needs no tuning and never gives zero
probability. No TensorFlow here.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np


def type_streams(sequences: Iterable[Sequence[int]], tokenizer, token_type: str = "Pitch") -> list[list[int]]:
    """Per piece, the ids of its ``token_type`` tokens in order (``Pitch`` excludes ``PitchDrum``)."""
    wanted = np.zeros(tokenizer.vocab_size, dtype=bool)
    wanted[tokenizer.ids_of_type(token_type)] = True
    out = []
    for seq in sequences:
        arr = np.asarray(seq, dtype=np.int64)
        out.append(arr[wanted[arr]].tolist())
    return out


@dataclass
class NgramModel:
    """An interpolated Witten-Bell n-gram model over a closed vocabulary of ``vocab`` symbols."""

    order: int
    vocab: int
    counts: list[dict[tuple, Counter]] = field(default_factory=list)

    def fit(self, streams: Iterable[Sequence[int]]) -> "NgramModel":
        self.counts = [defaultdict(Counter) for _ in range(self.order)]
        for stream in streams:
            padded = [-1] * (self.order - 1) + list(stream)
            for i in range(self.order - 1, len(padded)):
                symbol = padded[i]
                for n in range(self.order):  # n = context length
                    self.counts[n][tuple(padded[i - n:i])][symbol] += 1
        return self

    def prob(self, context: tuple, symbol: int) -> float:
        p = 1.0 / self.vocab
        for n in range(self.order):
            ctx = context[len(context) - n:] if n else ()
            table = self.counts[n].get(ctx)
            if not table:
                continue
            total = sum(table.values())
            types = len(table)
            lam = total / (total + types)
            p = lam * table.get(symbol, 0) / total + (1.0 - lam) * p
        return p

    def nll(self, streams: Iterable[Sequence[int]]) -> tuple[float, int]:
        """(total nats, symbols scored) over ``streams``."""
        total, count = 0.0, 0
        for stream in streams:
            padded = [-1] * (self.order - 1) + list(stream)
            for i in range(self.order - 1, len(padded)):
                total -= math.log(self.prob(tuple(padded[i - self.order + 1:i]), padded[i]))
                count += 1
        return total, count


def ngram_baselines(train: list[list[int]], held_out: list[list[int]], vocab: int,
                    orders: Sequence[int] = (1, 2, 3, 4)) -> dict[str, float]:
    """Held-out nats per symbol for each order (``"1"`` is the unigram), plus ``best`` over orders >= 2."""
    out: dict[str, float] = {}
    for order in orders:
        total, count = NgramModel(order, max(1, vocab)).fit(train).nll(held_out)
        out[str(order)] = total / count if count else float("nan")
    higher = [v for k, v in out.items() if int(k) >= 2 and not math.isnan(v)]
    out["best"] = min(higher) if higher else out.get("1", float("nan"))
    return out
