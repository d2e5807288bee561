"""weights_check: truncated, non-finite and mismatched weight files are refused without Keras,
and its expected shapes are those of the real Keras models."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from jukebox_gui.core.errors import BundleError
from jukebox_gui.core.ml.config import ARCHITECTURES, preset
from jukebox_gui.core.ml.weights_check import _check_superblock, check_weights, expected_shapes

VOCAB = 37


@pytest.fixture(scope="module", params=sorted(ARCHITECTURES))
def saved(request, tmp_path_factory):
    """(model config, path of real Keras weights) for a small model of each architecture."""
    from jukebox_gui.core.ml.models import build_model

    config = preset("tiny", request.param).model
    config = dataclasses.replace(config, layers=2, units=16, embedding_dim=8, ff_dim=24, heads=4,
                                 seq_len=12, window=12)
    model = build_model(config, VOCAB)
    path = tmp_path_factory.mktemp(request.param) / "model.weights.h5"
    model.save_weights(str(path))
    real = [tuple(int(n) for n in w.shape) for w in model.weights if "float" in str(w.dtype)]
    return config, path, real


def test_expected_shapes_are_the_keras_models(saved):
    config, path, real = saved
    assert Counter(expected_shapes(config, VOCAB)) == Counter(real)
    check_weights(path, config, VOCAB)  # a good file passes


@pytest.mark.parametrize("fraction", [0.25, 0.5, 0.9, 0.999])
def test_truncated_files_are_refused(saved, tmp_path, fraction):
    config, path, _ = saved
    data = path.read_bytes()
    cut = tmp_path / "model.weights.h5"
    cut.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(BundleError, match=r"model\.weights\.h5 are truncated"):
        _check_superblock(cut)  # even without h5py
    with pytest.raises(BundleError, match=str(cut)):
        check_weights(cut, config, VOCAB)


def test_a_mismatched_config_is_refused_naming_the_file(saved):
    config, path, _ = saved
    with pytest.raises(BundleError, match=r"model\.weights\.h5 do not match config\.json.*missing"):
        check_weights(path, dataclasses.replace(config, units=32), VOCAB)
    with pytest.raises(BundleError, match="do not match"):
        check_weights(path, config, VOCAB + 1)


def test_nan_weights_are_refused(saved, tmp_path):
    import shutil

    import h5py
    import numpy as np

    config, path, _ = saved
    copy = tmp_path / "model.weights.h5"
    shutil.copy(path, copy)
    with h5py.File(copy, "r+") as handle:
        names = []
        handle.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) and o.dtype.kind == "f" else None)
        data = handle[names[0]]
        values = data[()]
        values.flat[0] = np.nan
        data[...] = values
    with pytest.raises(BundleError, match="NaN or infinite"):
        check_weights(copy, config, VOCAB)


def test_not_hdf5_is_refused(tmp_path):
    bad = tmp_path / "model.weights.h5"
    bad.write_bytes(b"garbage" * 10)
    with pytest.raises(BundleError, match="not an HDF5 file"):
        check_weights(bad, preset("tiny", "lstm").model, VOCAB)
