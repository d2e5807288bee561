"""tf.distribute: mirrored training over two logical CPU devices, in a fresh process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jukebox_gui.core.errors import TrainingError

HERE = Path(__file__).parent
REPO = HERE.parents[2]

CHILD = """
import dataclasses, json, sys
sys.path.insert(0, {here!r})
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from ml_toys import ToyTokenizer, make_corpus
from jukebox_gui.core.ml.config import preset
from jukebox_gui.core.ml.strategy import describe, get_strategy
from jukebox_gui.core.ml.training import train

info = describe(get_strategy(sys.argv[2]))
config = dataclasses.replace(preset("tiny", "lstm"), epochs=2, strategy=sys.argv[2])
result = train(make_corpus(), sys.argv[1], config, tokenizer=ToyTokenizer())
print(json.dumps({{**info, "val_loss": result.history["val_loss"]}}))
"""


def _run(tmp_path, strategy, env_extra=None):
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(here=str(HERE)))
    env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "3", **(env_extra or {})}
    proc = subprocess.run([sys.executable, str(script), str(tmp_path / "b"), strategy], capture_output=True,
                          text=True, env=env, cwd=REPO, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_mirrored_over_two_logical_cpus(tmp_path):
    out = _run(tmp_path, "mirrored")
    assert out["strategy"] == "MirroredStrategy" and out["replicas"] == 2
    assert out["val_loss"][1] < out["val_loss"][0]
    assert (tmp_path / "b" / "model.weights.h5").exists()


def test_bad_tf_config_is_explained(monkeypatch):
    from jukebox_gui.core.ml.strategy import get_strategy

    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(TrainingError, match="TF_CONFIG"):
        get_strategy("multiworker")
