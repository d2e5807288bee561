"""corpus: token sequences through the cache; split: by file, deterministic."""

from __future__ import annotations

import numpy as np
import pytest

from jukebox_gui.core.data.corpus import load_scores, tokenize_corpus
from jukebox_gui.core.data.scan import scan
from jukebox_gui.core.data.split import split_by_file
from jukebox_gui.core.data.tokenizer import Tokenizer
from jukebox_gui.core.errors import Cancelled, CorpusError
from jukebox_gui.core.progress import CancelToken


@pytest.fixture
def small_report(tmp_path, real_midi_files, isolated_home):
    root = tmp_path / "c"
    root.mkdir()
    for p in real_midi_files[:6]:
        (root / p.name).write_bytes(p.read_bytes())
    return scan(root, workers=1)


def test_tokenize_corpus_uses_cache(small_report):
    tok = Tokenizer()
    first = tokenize_corpus(small_report, tok)
    assert len(first) == 6 and first.fingerprint == tok.fingerprint()
    assert first.stats["encoded"] == 6 and first.stats["cached"] == 0
    assert all(s.dtype == np.int32 and s[0] == tok.bos_id and s[-1] == tok.eos_id for s in first.sequences)
    second = tokenize_corpus(small_report, tok)
    assert second.stats["cached"] == 6 and second.stats["encoded"] == 0
    for a, b in zip(first.sequences, second.sequences):
        assert np.array_equal(a, b)
    lazy = tokenize_corpus(small_report, tok, mmap=True)
    assert isinstance(lazy.sequences[0], np.memmap)
    assert lazy.total_tokens == first.total_tokens
    # same ids as encoding directly
    scores = dict(load_scores(small_report))
    assert list(first.sequences[0]) == tok.encode(scores[first.paths[0]])


def test_tokenize_cancel(small_report):
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        tokenize_corpus(small_report, Tokenizer(), cancel=token)


def test_split_by_file_is_deterministic_and_disjoint():
    paths = [f"/music/{i:03d}.mid" for i in range(50)]
    train, val = split_by_file(paths, 0.1, seed=3)
    assert (train, val) == split_by_file(paths, 0.1, seed=3)
    assert set(train).isdisjoint(val) and sorted(train + val) == list(range(50))
    assert len(val) == 5
    assert split_by_file(paths, 0.1, seed=4) != (train, val)
    # order of input does not change which files go to validation
    rev = list(reversed(paths))
    _t2, v2 = split_by_file(rev, 0.1, seed=3)
    assert {rev[i] for i in v2} == {paths[i] for i in val}


def test_split_small_cases():
    assert split_by_file([], 0.1) == ([], [])
    assert split_by_file(["a"], 0.1) == ([0], [])
    train, val = split_by_file(["a", "b"], 0.01)
    assert len(train) == 1 and len(val) == 1
    train, val = split_by_file(["a", "b", "c"], 0.9)
    assert len(train) >= 1 and len(val) >= 1
    with pytest.raises(CorpusError):
        split_by_file(["a"], 1.5)
