"""Untrusted model bundles: code inside a Keras file, path-traversal members, truncation and odd
format versions are refused with a BundleError; nothing runs, nothing is written outside.
(tests/core/ml/test_bundle.py already covers garbage weights, missing files, corrupt JSON,
mismatched tokenizers and the plain newer-version case.)"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from jukebox_gui.core.errors import BundleError
from jukebox_gui.core.ml import bundle as bundles

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def good_bundle(tmp_path_factory) -> Path:
    """A real bundle (real tokenizer, tiny untrained model): no training needed."""
    from jukebox_gui.core.data.tokenizer import Tokenizer
    from jukebox_gui.core.ml.config import preset
    from jukebox_gui.core.ml.models import build_model

    tokenizer = Tokenizer()
    config = preset("tiny", "lstm")
    model = build_model(config.model, tokenizer.vocab_size)
    out = tmp_path_factory.mktemp("untrusted") / "good"
    return bundles.save_bundle(out, model=model, config=config, tokenizer=tokenizer, training={"epochs_completed": 0})


@pytest.fixture
def sandbox(tmp_path, good_bundle) -> tuple[Path, Path]:
    """(sandbox root, a fresh copy of the good bundle inside it)."""
    target = tmp_path / "models" / "copy"
    shutil.copytree(good_bundle, target)
    return tmp_path, target


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.fixture(scope="module")
def lambda_keras(tmp_path_factory) -> tuple[Path, Path]:
    """A .keras file holding a Lambda layer whose function writes a marker file when it runs."""
    import keras

    folder = tmp_path_factory.mktemp("lambda")
    marker = folder / "LAMBDA_RAN"
    inputs = keras.Input(shape=(4,))
    outputs = keras.layers.Lambda(lambda x, m=str(marker): (open(m, "w").write("ran"), x)[1])(inputs)
    path = folder / "model.keras"
    keras.Model(inputs, outputs).save(path)
    assert marker.exists()  # the marker works: building the model called the function
    marker.unlink()
    with zipfile.ZipFile(path) as archive:
        assert "Lambda" in archive.read("config.json").decode()
    return path, marker


def test_lambda_model_keras_instead_of_weights_is_refused(sandbox, lambda_keras):
    root, bundle = sandbox
    keras_file, marker = lambda_keras
    (bundle / bundles.WEIGHTS).unlink()
    shutil.copy(keras_file, bundle / "model.keras")
    with pytest.raises(BundleError, match="model.weights.h5 is missing"):
        bundles.load_bundle(bundle)
    assert not marker.exists()


def test_lambda_model_keras_renamed_to_the_weights_file_is_refused(sandbox, lambda_keras):
    root, bundle = sandbox
    keras_file, marker = lambda_keras
    shutil.copy(keras_file, bundle / bundles.WEIGHTS)
    with pytest.raises(BundleError, match="not an HDF5 file"):
        bundles.load_bundle(bundle)
    assert not marker.exists()


def test_a_stray_lambda_model_keras_is_never_deserialized(sandbox, lambda_keras):
    """Bundles rebuild the model from config.json + weights; a model.keras beside them is ignored."""
    import numpy as np

    root, bundle = sandbox
    keras_file, marker = lambda_keras
    shutil.copy(keras_file, bundle / "model.keras")
    loaded = bundles.load_bundle(bundle)
    assert loaded.model(np.array([[1, 2, 3]], dtype=np.int32)).shape[-1] == loaded.vocab_size
    assert not marker.exists()


def test_keras_safe_mode_itself_refuses_the_lambda(lambda_keras):
    """Belt and braces: were anyone to load a .keras file, Keras' safe mode refuses the Lambda."""
    import keras

    keras_file, marker = lambda_keras
    with pytest.raises(ValueError, match="(?i)lambda|unsafe|safe_mode"):
        keras.saving.load_model(keras_file)
    assert not marker.exists()


def test_no_code_path_loads_whole_keras_models():
    import re

    offenders = []
    for path in (REPO / "jukebox_gui").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for needle in (r"\bload_model\(", r"\bmodel_from_json\b", r"enable_unsafe_deserialization",
                       r"\bdeserialize_keras_object\b"):
            if re.search(needle, text):
                offenders.append(f"{path.relative_to(REPO)}: {needle}")
    assert not offenders, offenders


def _traversal_zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", json.dumps({"class_name": "Functional"}))
        archive.writestr("../evil", "escaped")
        archive.writestr("../../evil_too.json", "{}")
        archive.writestr("/abs_evil", "escaped")


@pytest.mark.parametrize("name", [bundles.WEIGHTS, "model.keras"])
def test_path_traversal_members_are_never_extracted(sandbox, name):
    root, bundle = sandbox
    _traversal_zip(bundle / name)
    before = _tree(root)
    if name == bundles.WEIGHTS:
        with pytest.raises(BundleError, match="not an HDF5 file"):
            bundles.load_bundle(bundle)
    else:
        bundles.load_bundle(bundle).model  # ignored, never opened
    assert _tree(root) == before
    assert not any(p.name.startswith("evil") or p.name == "abs_evil" for p in root.rglob("*"))
    assert not Path("/abs_evil").exists()


def test_symlinked_member_pointing_outside_is_refused(sandbox, tmp_path):
    root, bundle = sandbox
    outside = tmp_path / "outside-secret.txt"
    outside.write_text("not json at all")
    (bundle / "tokenizer.json").unlink()
    (bundle / "tokenizer.json").symlink_to(outside)
    with pytest.raises(BundleError, match="tokenizer"):
        bundles.load_bundle(bundle)
    assert outside.read_text() == "not json at all"


@pytest.mark.parametrize("fraction", [0.25, 0.5, 0.9])
def test_truncated_weights_with_a_valid_header_are_refused_at_load(sandbox, fraction):
    root, bundle = sandbox
    weights = bundle / bundles.WEIGHTS
    data = weights.read_bytes()
    weights.write_bytes(data[: int(len(data) * fraction)])
    # the HDF5 magic is intact; the superblock's end-of-file address gives the truncation away
    with pytest.raises(BundleError, match=f"{weights} are truncated"):
        bundles.load_bundle(bundle)


@pytest.mark.parametrize("name", ["config.json", "tokenizer.json", "training.json"])
def test_truncated_json_members_are_refused(sandbox, name):
    root, bundle = sandbox
    path = bundle / name
    text = path.read_bytes()
    path.write_bytes(text[: len(text) // 2])
    with pytest.raises(BundleError, match="corrupt|unusable|tokenizer"):
        bundles.load_bundle(bundle)


@pytest.mark.parametrize("version", ["2", 1.5, None, 10**9, -1])
def test_odd_format_versions(sandbox, version):
    root, bundle = sandbox
    meta = json.loads((bundle / "config.json").read_text())
    meta["format_version"] = version
    (bundle / "config.json").write_text(json.dumps(meta))
    if version == -1:  # an old (pre-1) bundle: readable fields decide; must not crash
        bundles.load_bundle(bundle)
        return
    with pytest.raises(BundleError, match="format_version|newer version"):
        bundles.load_bundle(bundle)
