"""A tiny real bundle (a few seconds of real Keras training on demo Irish tunes), built once per
test session and shared by the generation and CLI tests."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

N_TUNES = 40


def tiny_bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.getbasetemp() / "tiny-generation-bundle"
    if (out / "config.json").exists():
        return out
    from jukebox_gui.core.data.corpus import TokenizedCorpus
    from jukebox_gui.core.data.tokenizer import Tokenizer
    from jukebox_gui.core.demo import demo_corpus_dir
    from jukebox_gui.core.ml.config import preset
    from jukebox_gui.core.ml.training import train
    from jukebox_gui.core.music.midi_io import read_midi

    files = sorted(demo_corpus_dir("irish").glob("*.mid"))[:N_TUNES]
    tokenizer = Tokenizer()
    corpus = TokenizedCorpus([np.asarray(tokenizer.encode(read_midi(f)), dtype=np.int32) for f in files],
                             [f.name for f in files], "tiny-test-corpus", {})
    config = preset("tiny", "lstm")
    config = replace(config, epochs=3, model=replace(config.model, units=48, embedding_dim=24, seq_len=64),
                     seed=7, learning_rate=0.01)
    train(corpus, out, config, tokenizer=tokenizer)
    return out


def tiny_fill_bundle(tmp_path_factory) -> Path:
    """A tiny transformer trained with bar-infilling samples (half the windows) on the slim stream
    of the same tunes: a real model that can fill a gap, built once per test session."""
    out = tmp_path_factory.getbasetemp() / "tiny-fill-bundle"
    if (out / "config.json").exists():
        return out
    from jukebox_gui.core.data.corpus import TokenizedCorpus
    from jukebox_gui.core.data.tokenizer import Tokenizer, TokenizerConfig
    from jukebox_gui.core.demo import demo_corpus_dir
    from jukebox_gui.core.ml.config import preset
    from jukebox_gui.core.ml.training import train
    from jukebox_gui.core.music.midi_io import read_midi

    files = sorted(demo_corpus_dir("irish").glob("*.mid"))[:N_TUNES]
    tokenizer = Tokenizer(TokenizerConfig(infill=True, use_programs=False, use_velocities=False, program=40,
                                          velocity=79))
    corpus = TokenizedCorpus([np.asarray(tokenizer.encode(read_midi(f)), dtype=np.int32) for f in files],
                             [f.name for f in files], "tiny-fill-corpus", {})
    config = preset("tiny", "transformer")
    config = replace(config, epochs=3, fill_share=0.5, seed=7, learning_rate=0.005,
                     model=replace(config.model, seq_len=128, units=48, embedding_dim=48, ff_dim=96))
    train(corpus, out, config, tokenizer=tokenizer)
    return out
