"""Training speed: ours (causal lstm, laptop preset) vs the seed's method (seed-bilstm), same vocabulary,
same run; then the laptop preset (the default architecture) end to end on demo:irish: wall time,
validation perplexity, notes/s, and the held-out melody figures (``laptop_pitch_nll`` against the
best pitch n-gram fitted in the same run, ``laptop_pitch_vs_ngram``; see core.ml.evaluation).

    python -m benchmarks train [--quick] [--corpus demo:irish] [--steps 20]

``train_speedup`` = lstm training targets/s / seed-bilstm training targets/s (target >= 300). Each
architecture trains as the product trains it (``xla=auto``): the lstm XLA-compiled on a CPU-only
machine, seed-bilstm as the seed ran it (Keras defaults, no XLA). For transparency the run also
reports seed-bilstm with XLA forced on (``train_speedup_vs_seed_xla``) and the lstm without XLA.
``laptop_wall_s`` is the whole `train()` call: scan (cached), tokenize, epochs, bundle (target <= 300).

GPU: ``"gpu"`` names the first CUDA GPU, or is ``"none"``. With a GPU, the lstm laptop model is
timed on it as a GPU run trains (cuDNN LSTM, mixed float16, the device batch rule:
``strategy.device_batch_size``) and on the CPU (``/CPU:0``, the preset's batch, XLA as on a
CPU-only machine): ``gpu_notes_per_second``, ``cpu_notes_per_second``, ``gpu_speedup`` (target
>= 30). Without one, ``cpu_notes_per_second`` is the lstm figure above and the GPU keys are null.
"""

from __future__ import annotations

import argparse
import tempfile
import time


def _targets_per_s(arch: str, corpus, tokenizer, steps: int, xla: str = "auto", *, gpu: bool = False) -> dict:
    import dataclasses

    from jukebox_gui.core.ml.config import preset
    from jukebox_gui.core.ml.dataset import make_dataset, pack, plan_epochs, targets_in
    from jukebox_gui.core.ml.models import build_model, compile_model, use_mixed_precision, use_xla
    from jukebox_gui.core.ml.strategy import device_batch_size

    config = dataclasses.replace(preset("laptop", arch), xla=xla)
    mixed = False
    if gpu:  # as a GPU run trains: the device batch, mixed float16 (auto), cuDNN (XLA off: use_xla)
        config = dataclasses.replace(config, device_batch=True, max_windows_per_epoch=0)
        config = dataclasses.replace(config, batch_size=device_batch_size(config))
        mixed = use_mixed_precision(config)
    packed = pack(list(corpus.sequences))
    plan = plan_epochs(packed, config, 0, 1)
    warm = 2
    need = (warm + steps) * config.batch_size
    windows = plan.windows[:need]
    model = compile_model(build_model(config.model, tokenizer.vocab_size, mixed_precision=mixed), config,
                          mixed_precision=mixed)
    ds = make_dataset(packed, windows, config, tokenizer.pad_id)
    iterator = iter(ds)
    for _ in range(warm):
        x, y, w = next(iterator)
        model.train_on_batch(x, y, sample_weight=w)
    batches = [next(iterator) for _ in range(steps)]
    start = time.perf_counter()
    for x, y, w in batches:
        model.train_on_batch(x, y, sample_weight=w)
    elapsed = time.perf_counter() - start
    targets = targets_in(windows[warm * config.batch_size:], config)
    return {"targets_per_s": targets / elapsed, "steps": steps, "batch_size": config.batch_size,
            "seconds": elapsed, "xla": use_xla(config), "mixed_precision": mixed}


def _notes_per_token(corpus, tokenizer) -> float:
    import numpy as np

    note = np.zeros(int(tokenizer.vocab_size), dtype=bool)
    note[tokenizer.ids_of_type("Pitch") + tokenizer.ids_of_type("PitchDrum")] = True
    flat = np.concatenate([np.asarray(s) for s in corpus.sequences])
    return float(note[flat].mean())


def _gpu_figures(corpus, tokenizer, steps: int, cpu_lstm: dict) -> dict:
    """GPU vs CPU notes/s of the lstm laptop model ("gpu": "none" without a CUDA GPU)."""
    import tensorflow as tf

    per_note = _notes_per_token(corpus, tokenizer)
    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return {"gpu": "none", "gpu_notes_per_second": None, "gpu_speedup": None,
                "cpu_notes_per_second": round(cpu_lstm["targets_per_s"] * per_note, 1)}
    name = tf.config.experimental.get_device_details(gpus[0]).get("device_name", gpus[0].name)
    with tf.device("/GPU:0"):
        on_gpu = _targets_per_s("lstm", corpus, tokenizer, steps, gpu=True)
    with tf.device("/CPU:0"):  # the CPU figure as a CPU-only machine trains (XLA on for the lstm)
        on_cpu = _targets_per_s("lstm", corpus, tokenizer, max(4, steps // 2), xla="on")
    gpu_nps, cpu_nps = on_gpu["targets_per_s"] * per_note, on_cpu["targets_per_s"] * per_note
    return {"gpu": name, "gpu_count": len(gpus), "gpu_batch_size": on_gpu["batch_size"],
            "gpu_mixed_precision": on_gpu["mixed_precision"], "gpu_notes_per_second": round(gpu_nps, 1),
            "cpu_notes_per_second": round(cpu_nps, 1), "gpu_speedup": round(gpu_nps / cpu_nps, 1)}


def main(argv: list[str]) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks train")
    parser.add_argument("--corpus", default="demo:irish")
    parser.add_argument("--steps", type=int, default=20, help="timed batches for the lstm (seed: a quarter)")
    parser.add_argument("--quick", action="store_true", help="skip the full laptop-preset training")
    args = parser.parse_args(argv)

    from jukebox_gui.core.data.corpus import tokenize_corpus
    from jukebox_gui.core.data.scan import scan
    from jukebox_gui.core.data.tokenizer import Tokenizer
    from jukebox_gui.core.ml.strategy import configure_threads

    threads = configure_threads(0)
    tokenizer = Tokenizer()
    corpus = tokenize_corpus(scan(args.corpus), tokenizer)
    ours = _targets_per_s("lstm", corpus, tokenizer, args.steps)
    seed = _targets_per_s("seed-bilstm", corpus, tokenizer, max(2, args.steps // 4))
    seed_xla = _targets_per_s("seed-bilstm", corpus, tokenizer, max(2, args.steps // 4), xla="on")
    ours_plain = _targets_per_s("lstm", corpus, tokenizer, args.steps, xla="off")
    result = {
        "corpus": args.corpus, "pieces": len(corpus.sequences), "tokens": corpus.total_tokens,
        "vocab_size": tokenizer.vocab_size, "threads": threads,
        "lstm_batch_size": ours["batch_size"], "lstm_xla": ours["xla"], "seed_bilstm_xla": seed["xla"],
        "lstm_targets_per_s": round(ours["targets_per_s"], 1),
        "seed_bilstm_targets_per_s": round(seed["targets_per_s"], 2),
        "train_speedup": round(ours["targets_per_s"] / seed["targets_per_s"], 1),
        "lstm_no_xla_targets_per_s": round(ours_plain["targets_per_s"], 1),
        "seed_bilstm_xla_targets_per_s": round(seed_xla["targets_per_s"], 2),
        "train_speedup_vs_seed_xla": round(ours["targets_per_s"] / seed_xla["targets_per_s"], 1),
        **_gpu_figures(corpus, tokenizer, args.steps, ours),
    }
    if not args.quick:
        from jukebox_gui.core.ml.config import preset
        from jukebox_gui.core.ml.training import train

        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            run = train(args.corpus, f"{tmp}/laptop", preset("laptop"), tokenizer=tokenizer)
            result.update({
                "laptop_wall_s": round(time.perf_counter() - start, 1),
                "laptop_epochs": run.epochs_completed, "laptop_stopped": run.stopped,
                "laptop_val_loss": round(run.best_val_loss, 4),
                "laptop_val_perplexity": round(run.val_perplexity, 3),
                "laptop_val_accuracy": round(max(run.history["val_accuracy"]), 4),
                "laptop_train_targets_per_s": round(run.targets_per_s, 1),
                "laptop_arch": preset("laptop").model.arch,
                "laptop_train_notes_per_s": round(run.notes_per_s, 1),
            })
            melody = run.melody or {}
            for key in ("pitch_nll", "pitch_nll_shuffled_context", "pitch_unigram_nll", "pitch_ngram_nll",
                        "pitch_vs_ngram", "nats_per_note"):
                if melody.get(key) is not None:
                    result[f"laptop_{key}"] = round(melody[key], 4)
    return result
