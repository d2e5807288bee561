"""The temperature a new model suggests (core.ml.calibrate), chosen by real takes of a real tiny model."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from jukebox_gui.core.progress import CancelToken

from tiny_bundle import N_TUNES


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    pytest.importorskip("tensorflow")
    from jukebox_gui.core.data.corpus import TokenizedCorpus
    from jukebox_gui.core.data.tokenizer import Tokenizer
    from jukebox_gui.core.demo import demo_corpus_dir
    from jukebox_gui.core.ml import calibrate
    from jukebox_gui.core.ml.config import preset
    from jukebox_gui.core.ml.training import train
    from jukebox_gui.core.music.midi_io import read_midi

    files = sorted(demo_corpus_dir("irish").glob("*.mid"))[:N_TUNES]
    tokenizer = Tokenizer()
    corpus = TokenizedCorpus([np.asarray(tokenizer.encode(read_midi(f)), dtype=np.int32) for f in files],
                             [f.name for f in files], "calibration-corpus", {})
    config = preset("tiny", "transformer")
    config = replace(config, epochs=2, seed=3, learning_rate=0.01, calibrate_takes=2,
                     model=replace(config.model, seq_len=64, units=32, embedding_dim=32, ff_dim=64))
    patch = pytest.MonkeyPatch()
    patch.setattr(calibrate, "MIN_HELD_OUT", 2)  # 40 tunes hold out 4
    try:
        result = train(corpus, tmp_path_factory.getbasetemp() / "calibrated-bundle", config, tokenizer=tokenizer)
    finally:
        patch.undo()
    return result


@pytest.mark.slow
def test_training_ends_by_choosing_the_temperature_the_model_suggests(calibrated):
    from jukebox_gui.core.ml.bundle import load_bundle
    from jukebox_gui.core.ml.calibrate import CANDIDATES
    from jukebox_gui.core.ml.generation import GenerationConfig, generate

    chosen = calibrated.sampling
    assert chosen is not None and chosen["temperature"] in CANDIDATES
    assert set(chosen["overlap"]) == {f"{t:g}" for t in CANDIDATES}
    assert chosen["overlap"][f"{chosen['temperature']:g}"] == max(chosen["overlap"].values())
    bundle = load_bundle(calibrated.bundle_path)
    assert bundle.extras["sampling"]["temperature"] == chosen["temperature"]
    take = generate(bundle, GenerationConfig(bars=2, seed=1, max_attempts=1))
    assert take.report["settings"]["temperature"] == chosen["temperature"]  # nobody chose one: the model's
    mine = generate(bundle, GenerationConfig(bars=2, seed=1, max_attempts=1, temperature=1.3))
    assert mine.report["settings"]["temperature"] == 1.3  # the user's wins


@pytest.mark.slow
def test_the_temperature_whose_takes_sound_like_the_held_out_music_wins(calibrated, monkeypatch):
    from jukebox_gui.core.ml import calibrate
    from jukebox_gui.core.ml.bundle import load_bundle
    from jukebox_gui.core.ml.generation import GenerationConfig, generate

    bundle = load_bundle(calibrated.bundle_path)
    monkeypatch.setattr(calibrate, "MIN_HELD_OUT", 2)
    for target in (0.7, 1.0):
        # "held-out music" that is exactly this model's takes at one temperature
        held = [generate(bundle, GenerationConfig(bars=calibrate.BARS, seed=calibrate.SEED + i, temperature=target)).score
                for i in range(3)]
        chosen = calibrate.choose_temperature(calibrated.bundle_path, held, 3)
        assert chosen["temperature"] == target and chosen["overlap"][f"{target:g}"] == pytest.approx(1.0)
    assert calibrate.choose_temperature(calibrated.bundle_path, held[:1], 3) is None  # too little to go by


@pytest.mark.slow
def test_a_cancel_while_choosing_keeps_the_bundle_and_the_default(calibrated, tmp_path):
    import shutil

    from jukebox_gui.core.ml.bundle import load_bundle
    from jukebox_gui.core.ml.config import preset
    from jukebox_gui.core.ml.calibrate import calibrate_bundle

    copy = tmp_path / "bundle"
    shutil.copytree(calibrated.bundle_path, copy)
    (copy / "sampling.json").unlink()
    cancel = CancelToken()
    cancel.cancel()
    bundle = load_bundle(copy)
    config = replace(preset("tiny", "transformer"), calibrate_takes=2)
    seqs = [bundle.tokenizer.encode(generate_score(bundle, s)) for s in range(6)]
    assert calibrate_bundle(copy, bundle.tokenizer, config, seqs, None, cancel) is None
    assert not (copy / "sampling.json").exists()
    assert "sampling" not in load_bundle(copy).extras


def generate_score(bundle, seed):
    from jukebox_gui.core.ml.generation import GenerationConfig, generate

    return generate(bundle, GenerationConfig(bars=4, seed=seed, max_attempts=1)).score
