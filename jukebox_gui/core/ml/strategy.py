"""Distribution strategies (tf.distribute) and CPU thread settings.

* ``default``: one device (the first GPU if any, else the CPU).
* ``mirrored``: synchronous data parallel over every GPU, or, without GPUs, over every logical
  CPU device (tests split the CPU in two with ``tf.config.set_logical_device_configuration``).
* ``multiworker``: ``MultiWorkerMirroredStrategy``; the cluster comes from the standard
  ``TF_CONFIG`` environment variable (without it, a single worker).
"""

from __future__ import annotations

import json
import logging
import os

import tensorflow as tf

from ..errors import TrainingError

log = logging.getLogger(__name__)


def configure_threads(threads: int = 0) -> int:
    """Use ``threads`` CPU threads (0 = every core). Only effective before TF starts its runtime."""
    count = threads or os.cpu_count() or 1
    try:
        tf.config.threading.set_intra_op_parallelism_threads(count)
        tf.config.threading.set_inter_op_parallelism_threads(min(2, count))
    except RuntimeError:  # the runtime already started (a second training in one process)
        log.debug("TensorFlow threads already configured")
    return count


def get_strategy(name: str = "default", devices: list[str] | None = None) -> tf.distribute.Strategy:
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        if devices is None:
            gpus = tf.config.list_logical_devices("GPU")
            devices = [d.name for d in (gpus or tf.config.list_logical_devices("CPU"))]
        if not devices:
            raise TrainingError("the mirrored strategy found no devices")
        return tf.distribute.MirroredStrategy(devices=devices)
    if name == "multiworker":
        raw = os.environ.get("TF_CONFIG")
        if raw:
            try:
                cluster = json.loads(raw)
                cluster["cluster"]["worker"], cluster["task"]["index"]
            except (ValueError, KeyError, TypeError) as exc:
                raise TrainingError(f"TF_CONFIG is not a valid multi-worker cluster description: {exc}") from exc
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise TrainingError(f"unknown strategy {name!r}; choose default, mirrored or multiworker")


def describe(strategy: tf.distribute.Strategy) -> dict:
    return {"strategy": type(strategy).__name__, "replicas": int(strategy.num_replicas_in_sync)}
