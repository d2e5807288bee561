"""Windows never cross pieces, padding has zero weight, order depends only on (seed, epoch)."""

from __future__ import annotations

import dataclasses

import numpy as np

from jukebox_gui.core.ml.config import preset
from jukebox_gui.core.ml.dataset import make_dataset, pack, plan_epochs, split_sequences, validation_windows


def _pieces():
    return [np.arange(100, 100 + n, dtype=np.int32) for n in (50, 7, 90)]


def test_windows_stay_inside_their_piece_and_pad_with_zero_weight():
    config = dataclasses.replace(preset("tiny", "lstm"), batch_size=4)
    packed = pack(_pieces())
    plan = plan_epochs(packed, config, 0, 1)
    for x, y, w in make_dataset(packed, plan.windows, config, pad_id=0):
        x, y, w = x.numpy(), y.numpy(), w.numpy()
        assert x.shape == (4, 32)
        real = w > 0
        # within a piece, every target follows its input by exactly one
        assert np.all(y[real] == x[real] + 1)
        assert np.all(y[~real] == 0)


def test_order_is_a_function_of_seed_and_epoch():
    config = preset("tiny", "lstm")
    packed = pack([np.arange(3, 203, dtype=np.int32) for _ in range(6)])
    a, b = plan_epochs(packed, config, 2, 3), plan_epochs(packed, config, 2, 3)
    np.testing.assert_array_equal(a.windows, b.windows)
    assert not np.array_equal(plan_epochs(packed, config, 3, 4).windows, a.windows)
    both = plan_epochs(packed, config, 2, 4)
    np.testing.assert_array_equal(both.windows[: len(a.windows)], a.windows)


def test_seed_windows_target_one_next_token():
    config = dataclasses.replace(preset("tiny", "seed-bilstm"), batch_size=4)
    packed = pack(_pieces())
    windows = validation_windows(packed, config)
    for x, y, w in make_dataset(packed, windows, config, pad_id=0, drop_remainder=False):
        x, y = x.numpy(), y.numpy()
        assert x.shape[1] == config.model.window
        assert np.all(x[:, -1] + 1 == y)  # the target follows the window's last token
        assert np.all((x == 0) | (x >= 100))


def test_split_is_by_file():
    seqs = [np.arange(5, dtype=np.int32)] * 10
    paths = [f"f{i // 2}.mid" for i in range(10)]  # two pieces per file
    train, val = split_sequences(seqs, paths, 0.2, seed=1)
    assert len(train) + len(val) == 10 and len(val) % 2 == 0 and val
