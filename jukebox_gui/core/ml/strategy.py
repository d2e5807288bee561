"""Distribution strategies (tf.distribute) and CPU thread settings.

* ``default``: one device (the first GPU if any, else the CPU).
* ``mirrored``: synchronous data parallel over every GPU, or, without GPUs, over every logical
  CPU device (tests split the CPU in two with ``tf.config.set_logical_device_configuration``).
* ``multiworker``: ``MultiWorkerMirroredStrategy``; the cluster comes from the standard
  ``TF_CONFIG`` environment variable (without it, a single worker). It must be made before
  TensorFlow runs its first op (``train()`` makes it right after the thread settings). The
  dataset's batch is the *global* batch: tf.distribute splits each one over the replicas of all
  workers (auto-shard policy DATA), so a two-worker run sees the very batches of a one-process
  run with the same batch size. Worker 0 (or the ``chief`` task) is the chief: it writes the
  checkpoints and the bundle; every other worker writes its (identical) checkpoints to a
  temporary folder it deletes, the Keras/TF multi-worker convention (saving may need every
  worker to take part, so all of them save, and only one copy is kept).
"""

from __future__ import annotations

import json
import logging
import os
import types

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


def is_chief(strategy: tf.distribute.Strategy) -> bool:
    """Whether this process writes the run's files (always, outside a multi-worker cluster)."""
    return bool(getattr(strategy.extended, "should_checkpoint", True))


def worker_count(strategy: tf.distribute.Strategy) -> int:
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None:
        return 1
    spec = resolver.cluster_spec().as_dict()
    return max(1, sum(len(spec.get(job, [])) for job in ("chief", "worker")))


def peer_lost_errors(strategy: tf.distribute.Strategy) -> tuple[type[BaseException], ...]:
    """The errors a collective op raises when a peer worker dies (none outside a cluster). Measured
    here: SIGKILL one of two workers and the other raises UnavailableError ("tasks are unhealthy
    (stopped sending heartbeats)") about 10 s later, from the coordination service's heartbeat."""
    if worker_count(strategy) <= 1:
        return ()
    return (tf.errors.UnavailableError, tf.errors.DeadlineExceededError, tf.errors.AbortedError,
            tf.errors.CancelledError)


def task_name(strategy: tf.distribute.Strategy) -> str:
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or worker_count(strategy) <= 1:
        return "worker 0 of 1"
    return f"{resolver.task_type} {resolver.task_id} of {worker_count(strategy)}"


def check_agreement(strategy: tf.distribute.Strategy, **facts: int) -> None:
    """Raise TrainingError on every worker when the workers disagree on any of ``facts`` (the
    epoch they resume from, the corpus's token count, steps per epoch...): a cluster whose workers
    read different corpora or checkpoints would otherwise hang or silently train on a mix."""
    if worker_count(strategy) <= 1:
        return
    names = sorted(facts)
    values = tf.constant([float(int(facts[n]) % (1 << 20)) for n in names], dtype=tf.float64)
    stacked = tf.stack([values, values * values])

    def local():
        return tf.identity(stacked)

    total = strategy.reduce(tf.distribute.ReduceOp.SUM, strategy.run(local), axis=None).numpy()
    replicas = float(strategy.num_replicas_in_sync)
    mean, mean_sq = total[0] / replicas, total[1] / replicas
    differ = [n for n, m, sq in zip(names, mean, mean_sq) if sq - m * m > 1e-6]
    if differ:
        mine = ", ".join(f"{n}={facts[n]}" for n in differ)
        raise TrainingError(f"the workers of the cluster disagree on {', '.join(differ)} ({task_name(strategy)} has "
                            f"{mine}): every worker needs the same corpus files and settings, and for --resume the "
                            "chief's checkpoints folder (shared storage, or a copy on each machine)")


def _patch_keras_scalar_logs() -> None:
    """Keras 3 (3.15) reduces each step's logs across workers with ``strategy.reduce("MEAN", v,
    axis=0)``, which fails on a scalar loss ("Invalid reduction dimension 0 for input with 0
    dimensions"): a scalar is reduced across replicas only (axis None) here. Process-wide, and
    only in a process that joined a multi-worker cluster; other reductions are left to Keras."""
    from keras.src.backend.tensorflow import trainer as keras_trainer

    original = keras_trainer.reduce_per_replica
    if getattr(original, "_jukebox_fixed", False):
        return

    def reduce_per_replica(values, strategy, reduction="auto"):
        if reduction not in ("auto", "mean") or not keras_trainer._collective_all_reduce_multi_worker(strategy):
            return original(values, strategy, reduction)

        def one(value):
            if isinstance(value, tf.distribute.DistributedValues):
                rank = strategy.experimental_local_results(value)[0].shape.rank
            else:
                rank = getattr(getattr(value, "shape", None), "rank", None)
            return strategy.reduce("MEAN", value, axis=None if rank == 0 else 0)

        import keras

        return keras.tree.map_structure(one, values)

    reduce_per_replica._jukebox_fixed = True
    keras_trainer.reduce_per_replica = reduce_per_replica


def prepare_model(model, strategy: tf.distribute.Strategy, element_spec) -> None:
    """Build a compiled model's metrics, loss and optimizer up front on a multi-worker cluster.

    Keras 3 (seen with 3.15) cannot ``fit`` under MultiWorkerMirroredStrategy: before the first
    step it ``strategy.reduce``s the first distributed batch, a tuple, which only a single-worker
    strategy accepts ("Attempt to convert a value (PerReplica...) to a Tensor"; keras-team/keras
    #20585). The batch is only needed for its shapes, so the model is built here from the
    dataset's ``element_spec`` and that step is skipped for this model."""
    if worker_count(strategy) <= 1:
        return
    _patch_keras_scalar_logs()
    with strategy.scope():
        model._symbolic_build(data_batch=element_spec)  # noqa: SLF001 - see the docstring

    def _already_built(self, iterator=None, data_batch=None):
        return None

    model._maybe_symbolic_build = types.MethodType(_already_built, model)  # noqa: SLF001


# Tokens per GPU in one batch when the batch is sized for the device (TrainConfig.device_batch):
# a GPU needs thousands of sequences in flight to be busy; 32k tokens of int32 ids, activations
# and float32 logits over a ~300-token vocabulary stay well within 16 GB for the presets' models.
TOKENS_PER_GPU_BATCH = 32768
MAX_WINDOWS_PER_GPU_BATCH = 1024


def device_batch_size(config, strategy: tf.distribute.Strategy | None = None, gpus: int | None = None) -> int:
    """The global batch for ``config`` on this machine. Without ``config.device_batch`` or without
    a GPU: ``config.batch_size``. On GPUs: per GPU (replica) ``TOKENS_PER_GPU_BATCH // context``
    windows (a multiple of 8, at most 1,024, never less than ``batch_size``), times the replicas
    in sync (so a MirroredStrategy or a cluster keeps that per GPU)."""
    if not getattr(config, "device_batch", False):
        return int(config.batch_size)
    if gpus is None:
        gpus = len(tf.config.list_physical_devices("GPU"))
    if not gpus:
        return int(config.batch_size)
    per_gpu = min(MAX_WINDOWS_PER_GPU_BATCH, TOKENS_PER_GPU_BATCH // max(1, int(config.model.context)))
    per_gpu = max(int(config.batch_size), per_gpu // 8 * 8)
    replicas = int(strategy.num_replicas_in_sync) if strategy is not None else 1
    return per_gpu * max(1, replicas)


def describe(strategy: tf.distribute.Strategy) -> dict:
    return {"strategy": type(strategy).__name__, "replicas": int(strategy.num_replicas_in_sync)}
