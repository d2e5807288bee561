"""Generation speed: incremental decoding vs the seed's window re-run, and 500 notes end to end.

    python -m benchmarks generate [--bundle PATH] [--window-tokens N]

Without ``--bundle`` an untrained ``lstm`` model of the laptop preset's size is written to a temp
bundle (speed does not depend on the weights). Measured in the same run on the same model:

* ``incremental_tokens_per_s``: our NumPy step decoder (state carried, one cell step per token);
* ``keras_step_tokens_per_s``: the training package's compiled ``tf.function`` step decoder;
* ``window_tokens_per_s``: the seed's method, the model re-run on the last 200 tokens per token;
* ``generate_speedup`` = incremental / window (target >= 100);
* ``seconds_500_notes``: ``generate(notes=500)`` wall time, sampling, grammar and guards included
  (target < 2 s), and its tokens/s.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np


def _untrained_bundle(folder: Path) -> Path:
    from jukebox_gui.core.data.tokenizer import Tokenizer
    from jukebox_gui.core.ml.bundle import save_bundle
    from jukebox_gui.core.ml.config import preset
    from jukebox_gui.core.ml.models import build_model

    tokenizer = Tokenizer()
    config = preset("laptop", "lstm")
    model = build_model(config.model, tokenizer.vocab_size)
    return save_bundle(folder / "untrained-laptop-lstm", model=model, config=config, tokenizer=tokenizer,
                       training={"note": "untrained, for speed measurement only"})


def _tokens_per_s(decoder, tokens: list[int], budget_s: float) -> tuple[float, int]:
    decoder.reset(1)
    decoder.feed(tokens[:1])
    start = time.perf_counter()
    done = 0
    for token in tokens[1:]:
        decoder.step(np.array([token]))
        done += 1
        if time.perf_counter() - start > budget_s:
            break
    return done / (time.perf_counter() - start), done


def main(argv: list[str]) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks generate")
    parser.add_argument("--bundle", help="a trained bundle (default: an untrained laptop-size lstm)")
    parser.add_argument("--window-tokens", type=int, default=40, help="tokens to time with the window method")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    from jukebox_gui.core.ml.bundle import load_bundle
    from jukebox_gui.core.ml.decoding import WINDOW, make_step_decoder, single_thread_blas
    from jukebox_gui.core.ml.generation import GenerationConfig, generate

    with tempfile.TemporaryDirectory(prefix="jukebox-bench-") as tmp:
        path = Path(args.bundle) if args.bundle else _untrained_bundle(Path(tmp))
        bundle = load_bundle(path)
        rng = np.random.default_rng(0)
        tokens = [bundle.tokenizer.bos_id] + [int(t) for t in rng.integers(3, bundle.vocab_size, 3000)]

        ours = make_step_decoder(bundle)
        keras_step = make_step_decoder(bundle, prefer="keras")
        window = make_step_decoder(bundle, prefer="window")
        # warm up (tf.function tracing, BLAS threads)
        for decoder in (ours, keras_step, window):
            _tokens_per_s(decoder, tokens[:WINDOW + 5], 5.0)
        window.reset(1)
        window.feed(tokens[:WINDOW])  # a full 200-token window from the first measured step on
        start = time.perf_counter()
        for token in tokens[WINDOW:WINDOW + args.window_tokens]:
            window.step(np.array([token]))
        window_tps = args.window_tokens / (time.perf_counter() - start)
        with single_thread_blas():
            ours_tps, ours_n = _tokens_per_s(ours, tokens, 2.0)
        keras_tps, keras_n = _tokens_per_s(keras_step, tokens, 2.0)

        generate(bundle, GenerationConfig(notes=20, seed=0))  # warm-up
        start = time.perf_counter()
        take = generate(bundle, GenerationConfig(notes=500, seed=1, max_attempts=1))
        seconds_500 = time.perf_counter() - start
        return {
            "bundle": "untrained laptop-preset lstm" if not args.bundle else str(path),
            "arch": bundle.config.model.arch,
            "units": bundle.config.model.units,
            "layers": bundle.config.model.layers,
            "vocab_size": bundle.vocab_size,
            "incremental_tokens_per_s": round(ours_tps, 1),
            "incremental_tokens_timed": ours_n,
            "keras_step_tokens_per_s": round(keras_tps, 1),
            "keras_step_tokens_timed": keras_n,
            "window_tokens_per_s": round(window_tps, 2),
            "window_length": WINDOW,
            "generate_speedup": round(ours_tps / window_tps, 1),
            "keras_step_speedup": round(keras_tps / window_tps, 1),
            "seconds_500_notes": round(seconds_500, 3),
            "notes_generated": take.score.note_count,
            "generate_tokens_per_s": take.report["timing"]["tokens_per_second"],
            "targets": {"generate_speedup": ">= 100", "seconds_500_notes": "< 2"},
        }
