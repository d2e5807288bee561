"""Synthetic, learnable token corpora and a minimal tokenizer for the training-engine tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest


class ToyTokenizer:
    """The tokenizer interface training and bundles rely on, over plain integer tokens."""

    pad_id, bos_id, eos_id = 0, 1, 2

    def __init__(self, vocab_size: int = 24) -> None:
        self.vocab_size = vocab_size

    def token_types(self) -> list[str]:
        return ["PAD", "BOS", "EOS"] + ["Toy"] * (self.vocab_size - 3)

    def token_name(self, token_id: int) -> str:
        kind = self.token_types()[int(token_id)]
        return f"{kind}_None" if int(token_id) < 3 else f"{kind}_{int(token_id)}"

    def ids_of_type(self, token_type: str) -> list[int]:
        return [i for i, t in enumerate(self.token_types()) if t == token_type]

    def fingerprint(self) -> str:
        return f"toy-{self.vocab_size}"

    def compatible_with(self, other) -> bool:
        return self.fingerprint() == other.fingerprint()

    def save(self, path) -> Path:
        Path(path).write_text(json.dumps({"toy_vocab_size": self.vocab_size}))
        return Path(path)

    @classmethod
    def load(cls, path) -> "ToyTokenizer":
        return cls(int(json.loads(Path(path).read_text())["toy_vocab_size"]))


def ToyCorpus(sequences: list, paths: list, fingerprint: str = "toy-corpus", stats: dict | None = None):
    """A real TokenizedCorpus (what ``train()`` takes) over toy token ids."""
    from jukebox_gui.core.data.corpus import TokenizedCorpus

    return TokenizedCorpus(sequences, paths, fingerprint, dict(stats or {}))


def make_corpus(pieces: int = 12, length: int = 120, vocab: int = 24, seed: int = 0) -> ToyCorpus:
    """Every piece follows one fixed successor table from a random start: learnable across
    pieces, so training and validation loss must both fall."""
    order = np.random.default_rng(1000 + vocab).permutation(np.arange(3, vocab))
    table = np.empty(vocab - 3, dtype=np.int64)  # one cycle through every token: all pieces share it
    table[order - 3] = np.roll(order, -1)
    rng = np.random.default_rng(seed)
    seqs = []
    for _ in range(pieces):
        token = int(rng.integers(3, vocab))
        body = []
        for _ in range(length - 2):
            body.append(token)
            token = int(table[token - 3])
        seqs.append(np.array([1, *body, 2], dtype=np.int32))
    return ToyCorpus(seqs, [f"piece{i}.mid" for i in range(pieces)])


@pytest.fixture
def toy_tokenizer():
    return ToyTokenizer()


@pytest.fixture
def toy_corpus():
    return make_corpus()
