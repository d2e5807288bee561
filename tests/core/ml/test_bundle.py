"""Bundles: round trip, and clear errors for corrupt, incomplete, mismatched or newer bundles."""

from __future__ import annotations

import dataclasses
import json
import shutil

import numpy as np
import pytest

from jukebox_gui.core.errors import BundleError
from jukebox_gui.core.ml import bundle as bundles
from jukebox_gui.core.ml.config import preset

from ml_toys import ToyTokenizer, make_corpus


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from jukebox_gui.core.ml.training import train

    out = tmp_path_factory.mktemp("bundles") / "toy"
    train(make_corpus(), out, dataclasses.replace(preset("tiny", "lstm"), epochs=1), tokenizer=ToyTokenizer())
    return out


@pytest.fixture
def copy(trained, tmp_path):
    target = tmp_path / "copy"
    shutil.copytree(trained, target, ignore=shutil.ignore_patterns("checkpoints"))
    return target


def test_round_trip(trained):
    b = bundles.load_bundle(trained, tokenizer_cls=ToyTokenizer)
    assert b.config.model.arch == "lstm" and b.config.preset == "tiny"
    assert b.meta["format_version"] == bundles.FORMAT_VERSION and "keras" in b.meta["versions"]
    assert b.tokenizer.vocab_size == 24 and b.training["epochs_completed"] == 1
    assert b.training["corpus"]["fingerprint"] == "toy-corpus"
    ids = np.array([[1, 5, 6, 7]], dtype=np.int32)
    assert b.model(ids).shape == (1, 4, 24)


def test_extras_are_saved_and_loaded(trained, tmp_path):
    b = bundles.load_bundle(trained, tokenizer_cls=ToyTokenizer)
    out = bundles.save_bundle(tmp_path / "x", model=b.model, config=b.config, tokenizer=b.tokenizer,
                              training=b.training, extras={"corpus_metrics": {"a": 1}, "originality.json": {"n": 4}})
    again = bundles.load_bundle(out, tokenizer_cls=ToyTokenizer)
    assert again.extras == {"corpus_metrics": {"a": 1}, "originality": {"n": 4}}
    # the originality index (megabytes for a big corpus) is written without indentation, the rest for people
    assert (out / "originality.json").read_text().count("\n") == 1
    assert (out / "corpus_metrics.json").read_text().count("\n") > 1
    with pytest.raises(BundleError, match="invalid bundle extra"):
        bundles.save_bundle(tmp_path / "y", model=b.model, config=b.config, tokenizer=b.tokenizer,
                            training={}, extras={"../evil": {}})


def test_newer_format_is_refused(copy):
    meta = json.loads((copy / "config.json").read_text())
    meta["format_version"] = bundles.FORMAT_VERSION + 1
    (copy / "config.json").write_text(json.dumps(meta))
    with pytest.raises(BundleError, match="newer version"):
        bundles.load_bundle(copy, tokenizer_cls=ToyTokenizer)


@pytest.mark.parametrize("damage, message", [
    (lambda p: (p / "model.weights.h5").write_bytes(b"garbage" * 10), "corrupt"),
    (lambda p: (p / "model.weights.h5").unlink(), "model.weights.h5 is missing"),
    (lambda p: (p / "config.json").write_text("{not json"), "config.json is corrupt"),
    (lambda p: (p / "tokenizer.json").write_text("[]"), "tokenizer"),
    (lambda p: (p / "tokenizer.json").write_text('{"toy_vocab_size": 30}'), "mismatched"),
    (lambda p: (p / "config.json").write_text('{"format": "other"}'), "not an AI Jukebox model bundle"),
])
def test_damaged_bundles(copy, damage, message):
    damage(copy)
    with pytest.raises(BundleError, match=message):
        bundles.load_bundle(copy, tokenizer_cls=ToyTokenizer)


def test_weights_that_do_not_match_the_config(copy):
    meta = json.loads((copy / "config.json").read_text())
    meta["train"]["model"]["units"] = 48
    (copy / "config.json").write_text(json.dumps(meta))
    with pytest.raises(BundleError, match="model.weights.h5 do not match config.json"):  # at load, not first use
        bundles.load_bundle(copy, tokenizer_cls=ToyTokenizer)


def test_resolve_names_builtin_and_missing(copy, isolated_home):
    from jukebox_gui.core.paths import models_dir

    shutil.copytree(copy, models_dir() / "mine")
    assert bundles.resolve_bundle("mine") == models_dir() / "mine"
    with pytest.raises(BundleError, match="unknown built-in model 'nope'"):
        bundles.resolve_bundle("builtin:nope")
    with pytest.raises(BundleError, match="no model bundle"):
        bundles.resolve_bundle("absent")
    (models_dir() / "broken").mkdir()
    infos = {i.name: i for i in bundles.list_bundles()}
    assert infos["mine"].ok and infos["mine"].arch == "lstm" and not infos["broken"].ok
    bundles.delete_bundle("mine")
    assert not (models_dir() / "mine").exists()
    with pytest.raises(BundleError):
        bundles.delete_bundle("../x")


def test_unfinished_training_is_explained(tmp_path):
    (tmp_path / "run" / "checkpoints").mkdir(parents=True)
    with pytest.raises(BundleError, match="unfinished training"):
        bundles.load_bundle(tmp_path / "run", tokenizer_cls=ToyTokenizer)
