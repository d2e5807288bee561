"""The architectures, built by name from a :class:`ModelConfig`.

* ``lstm``: Embedding -> N causal LSTM layers -> Dense logits over the vocabulary, trained on
  every position (teacher forcing). Layer names are fixed (``embedding``, ``lstm_0`` ...,
  ``logits``) so the decoders in :mod:`.decoders` can reuse the very same layers.
* ``transformer``: a small causal decoder with learned positions.
* ``seed-bilstm``: the seed's method (Bidirectional LSTM 512, Dense 512, dropout 0.5, RMSprop
  0.001, a 200-token window -> the next token) with an Embedding instead of ids / vocab scaling.

Inputs are token ids; padding is handled by per-token sample weights in the loss (padding only
ever sits at the end of a causal window, so it cannot leak into earlier positions).

On a CUDA GPU the LSTM layers run Keras's cuDNN kernel. Keras 3 takes it only when activation is
tanh, recurrent_activation sigmoid, recurrent_dropout 0, unroll False, use_bias True and any mask
is right-padded: ``LSTM_CUDNN`` spells these out (no Keras default is trusted), the Embedding
makes no mask (padding is weights), and ``cudnn_ready`` checks a built model. The layer then also
refuses XLA (cuDNN ops are not XLA-compatible), which ``use_xla`` already leaves off on a GPU.

Mixed precision (``mixed_float16``: float16 maths, float32 variables) is for training on a GPU
(``use_mixed_precision``): every layer but the logits computes in float16; the logits Dense and
so the softmax of the loss stay float32, and the optimizer is wrapped in a LossScaleOptimizer.
Bundles are always written and read as float32 models.
"""

from __future__ import annotations

import keras
from keras import layers, ops

from .config import ModelConfig, TrainConfig


# The settings Keras 3 needs for the cuDNN LSTM kernel (keras.src.backend.tensorflow.rnn.cudnn_ok).
LSTM_CUDNN = {"activation": "tanh", "recurrent_activation": "sigmoid", "recurrent_dropout": 0.0,
              "unroll": False, "use_bias": True, "use_cudnn": "auto"}
MIXED = "mixed_float16"


def build_model(config: ModelConfig, vocab_size: int, *, mixed_precision: bool = False) -> keras.Model:
    """An uncompiled model for ``config`` over ``vocab_size`` tokens; ``mixed_precision``:
    float16 compute in every layer but the float32 logits (lstm and transformer only)."""
    if config.arch == "lstm":
        return _build_lstm(config, vocab_size, MIXED if mixed_precision else None)
    if config.arch == "transformer":
        return _build_transformer(config, vocab_size, MIXED if mixed_precision else None)
    return _build_seed_bilstm(config, vocab_size)


def _build_lstm(config: ModelConfig, vocab_size: int, dtype: str | None = None) -> keras.Model:
    ids = keras.Input(shape=(None,), dtype="int32", name="ids")
    x = layers.Embedding(vocab_size, config.embedding_dim, mask_zero=False, name="embedding", dtype=dtype)(ids)
    for i in range(config.layers):
        x = layers.LSTM(config.units, return_sequences=True, name=f"lstm_{i}", dtype=dtype, **LSTM_CUDNN)(x)
        if config.dropout:
            x = layers.Dropout(config.dropout, name=f"dropout_{i}", dtype=dtype)(x)
    logits = layers.Dense(vocab_size, name="logits", dtype="float32")(x)
    return keras.Model(ids, logits, name="lstm")


def cudnn_ready(model: keras.Model) -> list[str]:
    """Why the model's LSTM layers would not get the cuDNN kernel on a GPU (empty: they would)."""
    problems = []
    for layer in model.layers:
        if isinstance(layer, layers.Embedding) and layer.mask_zero:
            problems.append(f"{layer.name}: mask_zero makes a mask")
        if not isinstance(layer, layers.LSTM):
            continue
        conf = layer.get_config()
        for key, want in LSTM_CUDNN.items():
            got = conf[key] if key in conf else getattr(layer, key, None)  # use_cudnn is not in the config
            if key == "use_cudnn" and got in ("auto", True):
                continue
            if got != want:
                problems.append(f"{layer.name}: {key} is {got!r}, cuDNN needs {want!r}")
    return problems


class PositionEmbedding(layers.Layer):
    """Learned absolute positions added to token embeddings."""

    def __init__(self, max_len: int, dim: int, **kwargs):
        super().__init__(**kwargs)
        self.max_len = max_len
        self.dim = dim

    def build(self, input_shape):
        self.table = self.add_weight(name="table", shape=(self.max_len, self.dim), initializer="uniform")

    def call(self, x):
        length = ops.shape(x)[1]
        return x + self.table[None, :length, :]

    def get_config(self):
        return {**super().get_config(), "max_len": self.max_len, "dim": self.dim}


def _build_transformer(config: ModelConfig, vocab_size: int, dtype: str | None = None) -> keras.Model:
    ids = keras.Input(shape=(None,), dtype="int32", name="ids")
    x = layers.Embedding(vocab_size, config.units, name="embedding", dtype=dtype)(ids)
    x = PositionEmbedding(config.seq_len, config.units, name="positions", dtype=dtype)(x)
    if config.dropout:
        x = layers.Dropout(config.dropout, name="embedding_dropout", dtype=dtype)(x)
    for i in range(config.layers):
        h = layers.LayerNormalization(epsilon=1e-5, name=f"block_{i}_ln1", dtype=dtype)(x)
        h = layers.MultiHeadAttention(config.heads, config.units // config.heads, dropout=config.dropout,
                                      name=f"block_{i}_attention", dtype=dtype)(h, h, use_causal_mask=True)
        x = layers.Add(name=f"block_{i}_add1", dtype=dtype)([x, h])
        h = layers.LayerNormalization(epsilon=1e-5, name=f"block_{i}_ln2", dtype=dtype)(x)
        h = layers.Dense(config.ff_dim, activation="gelu", name=f"block_{i}_ff1", dtype=dtype)(h)
        h = layers.Dense(config.units, name=f"block_{i}_ff2", dtype=dtype)(h)
        if config.dropout:
            h = layers.Dropout(config.dropout, name=f"block_{i}_dropout", dtype=dtype)(h)
        x = layers.Add(name=f"block_{i}_add2", dtype=dtype)([x, h])
    x = layers.LayerNormalization(epsilon=1e-5, name="final_ln", dtype=dtype)(x)
    logits = layers.Dense(vocab_size, name="logits", dtype="float32")(x)
    return keras.Model(ids, logits, name="transformer")


def _build_seed_bilstm(config: ModelConfig, vocab_size: int) -> keras.Model:
    ids = keras.Input(shape=(config.window,), dtype="int32", name="ids")
    x = layers.Embedding(vocab_size, config.embedding_dim, name="embedding")(ids)
    x = layers.Bidirectional(layers.LSTM(config.units), name="bilstm")(x)
    x = layers.Dropout(config.dropout, name="dropout_0")(x)
    x = layers.Dense(config.ff_dim, activation="relu", name="dense")(x)
    x = layers.Dropout(config.dropout, name="dropout_1")(x)
    logits = layers.Dense(vocab_size, name="logits")(x)
    return keras.Model(ids, logits, name="seed_bilstm")


def make_optimizer(config: TrainConfig, *, mixed_precision: bool = False) -> keras.optimizers.Optimizer:
    kwargs = {"learning_rate": config.learning_rate}
    if config.clipnorm:
        kwargs["clipnorm"] = config.clipnorm
    optimizer = keras.optimizers.RMSprop(**kwargs) if config.optimizer == "rmsprop" else keras.optimizers.Adam(**kwargs)
    return keras.optimizers.LossScaleOptimizer(optimizer) if mixed_precision else optimizer


def use_mixed_precision(config: TrainConfig) -> bool:
    """Whether to train in ``mixed_float16``: ``on``, or ``auto`` on a CUDA GPU with float16 tensor
    cores (compute capability 7.0 or newer; older GPUs gain little). Never for seed-bilstm (kept as
    the seed ran it). ``on`` works on a CPU too (slowly): that is how the tests cover this path."""
    mode = getattr(config, "mixed_precision", "off")
    if config.model.arch == "seed-bilstm" or mode == "off":
        return False
    if mode == "on":
        return True
    import tensorflow as tf

    for gpu in tf.config.list_physical_devices("GPU"):
        capability = tf.config.experimental.get_device_details(gpu).get("compute_capability", (0, 0))
        if tuple(capability) >= (7, 0):
            return True
    return False


def use_xla(config: TrainConfig) -> bool:
    """Whether to XLA-compile the train and evaluation steps.

    ``auto`` turns XLA on for the ``lstm`` architecture on a machine without a GPU, with the
    default strategy and without op determinism. Keras leaves XLA off on CPU-only machines, but for
    the causal LSTM it fuses the per-time-step loop: measured on 2 CPU cores, 64-token windows,
    1.7-1.8x the targets/s (batch 16: 4,989 -> 8,804; batch 32: 8,852 -> 11,556) for a one-off
    compile of about 1-2 s per input shape. It stays off where it does not pay or cannot work:
    the transformer (0.72x with XLA here), ``seed-bilstm`` (kept as the seed ran it, for a fair
    comparison), cuDNN on a GPU (not XLA-compatible), tf.distribute, and op determinism.
    """
    if config.xla != "auto":
        return config.xla == "on"
    if config.model.arch != "lstm" or config.deterministic or config.strategy != "default":
        return False
    import tensorflow as tf

    return not tf.config.list_physical_devices("GPU")


def compile_model(model: keras.Model, config: TrainConfig, *, mixed_precision: bool = False) -> keras.Model:
    """Compile with a padding-aware loss: the mean over real (weighted) tokens only."""
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="mean_with_sample_weight")
    model.compile(optimizer=make_optimizer(config, mixed_precision=mixed_precision), loss=loss,
                  jit_compile=True if use_xla(config) else "auto",
                  weighted_metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")])
    return model


def count_params(model: keras.Model) -> int:
    return int(sum(int(ops.size(w)) for w in model.weights))
