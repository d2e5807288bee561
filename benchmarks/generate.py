"""Generation speed: incremental decoding vs the seed's window re-run, and 500 notes end to end.

    python -m benchmarks generate [--bundle PATH [--takes N]] [--window-tokens N]

Without ``--bundle`` an untrained ``lstm`` model of the laptop preset's size is written to a temp
bundle (speed does not depend on the weights). Measured in the same run on the same model:

* ``incremental_tokens_per_s``: ``NumpyLstmDecoder``, what generation uses (state carried, one cell
  step per token);
* ``keras_step_tokens_per_s``: ``KerasLstmDecoder``, the model's cells in a compiled ``tf.function``;
* ``window_tokens_per_s``: the seed's method, the model re-run on the last 200 tokens per token;
* ``generate_speedup`` = incremental / window (target >= 100);
* ``seconds_500_notes``: ``generate(notes=500)`` wall time, sampling, grammar and guards included
  (target < 2 s), and its tokens/s.
* ``transformer_tokens_per_s``: an untrained laptop-preset ``transformer`` through
  ``NumpyTransformerDecoder`` (key/value cache, slides included); ``transformer_window_tokens_per_s``:
  the same model re-run on its last ``seq_len`` tokens per token (``KerasWindowDecoder``);
  ``transformer_speedup`` = the first / the second.

With a trained ``--bundle`` and ``--takes N``, ``quality`` reports the issue's musical checks over
N 16-bar takes: the share of takes whose pitch-class entropy, scale and groove consistency are
inside the corpus's 10th-90th percentile range, distinct durations / IOIs >= 3, the longest
identical run and the longest copy.
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


def _transformer_speed(vocab_size: int, pad_id: int, tokens: list[int], window_tokens: int) -> dict:
    """KV-cache steps vs the window re-run on an untrained laptop-preset transformer."""
    from jukebox_gui.core.ml.config import preset
    from jukebox_gui.core.ml.decoders import single_thread_blas
    from jukebox_gui.core.ml.decoders.keras_window import KerasWindowDecoder
    from jukebox_gui.core.ml.decoders.numpy_transformer import NumpyTransformerDecoder
    from jukebox_gui.core.ml.models import build_model

    config = preset("laptop", "transformer").model
    model = build_model(config, vocab_size)
    cached, window = NumpyTransformerDecoder(model), KerasWindowDecoder(model, config, pad_id)
    _tokens_per_s(window, tokens[:8], 5.0)  # tf.function tracing
    window.reset(1)
    window.feed(tokens[:config.seq_len])  # a full window from the first measured step on
    start = time.perf_counter()
    for token in tokens[config.seq_len:config.seq_len + window_tokens]:
        window.step(np.array([token]))
    window_tps = window_tokens / (time.perf_counter() - start)
    with single_thread_blas():
        _tokens_per_s(cached, tokens[:50], 1.0)  # warm-up
        cached_tps, cached_n = _tokens_per_s(cached, tokens, 2.0)
    return {"transformer_units": config.units, "transformer_layers": config.layers,
            "transformer_seq_len": config.seq_len,
            "transformer_tokens_per_s": round(cached_tps, 1), "transformer_tokens_timed": cached_n,
            "transformer_window_tokens_per_s": round(window_tps, 2),
            "transformer_speedup": round(cached_tps / window_tps, 1)}


def _quality(bundle, takes: int) -> dict:
    """The issue's musical checks over ``takes`` takes of 16 bars."""
    from jukebox_gui.core.ml.generation import GenerationConfig, generate

    banded = ("pitch_class_entropy", "scale_consistency", "groove_consistency")
    rows = [generate(bundle, GenerationConfig(bars=16, seed=seed)).report for seed in range(1, takes + 1)]
    result: dict = {"takes": takes}
    for name in banded:
        result[f"{name}_in_range"] = sum(r["verdicts"].get(name) == "in range" for r in rows) / takes
        result[f"{name}_mean"] = round(float(np.mean([r["metrics"][name] for r in rows])), 3)
        band = rows[0]["corpus_range"].get(name, {})
        result[f"{name}_corpus_p10_p90"] = [round(band.get("p10", 0), 3), round(band.get("p90", 0), 3)]
    result["distinct_durations_ge3"] = sum(r["metrics"]["distinct_durations"] >= 3 for r in rows) / takes
    result["distinct_ioi_ge3"] = sum(r["metrics"]["distinct_ioi"] >= 3 for r in rows) / takes
    result["max_identical_run"] = max(r["metrics"]["longest_identical_run"] for r in rows)
    result["max_copy_bars"] = max(r["originality"]["bars"] for r in rows)
    result["takes_regenerated"] = sum(r["attempts_made"] > 1 for r in rows)
    result["takes_flagged"] = sum(not r["originality"]["ok"] for r in rows)
    return result


def main(argv: list[str]) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks generate")
    parser.add_argument("--bundle", help="a trained bundle (default: an untrained laptop-size lstm)")
    parser.add_argument("--window-tokens", type=int, default=40, help="tokens to time with the window method")
    parser.add_argument("--takes", type=int, default=0,
                        help="with a trained --bundle: generate this many 16-bar takes (seeds 1..N) and report "
                             "how their metrics sit in the corpus's 10th-90th percentile range")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    from jukebox_gui.core.ml.bundle import load_bundle
    from jukebox_gui.core.ml.decoders import REFERENCE_WINDOW, make_decoder, single_thread_blas
    from jukebox_gui.core.ml.generation import GenerationConfig, generate

    with tempfile.TemporaryDirectory(prefix="jukebox-bench-") as tmp:
        path = Path(args.bundle) if args.bundle else _untrained_bundle(Path(tmp))
        bundle = load_bundle(path)
        rng = np.random.default_rng(0)
        tokens = [bundle.tokenizer.bos_id] + [int(t) for t in rng.integers(3, bundle.vocab_size, 3000)]

        ours = make_decoder(bundle)
        keras_step = make_decoder(bundle, prefer="keras")
        window = make_decoder(bundle, prefer="window")
        # warm up (tf.function tracing, BLAS threads)
        for decoder in (ours, keras_step, window):
            _tokens_per_s(decoder, tokens[:REFERENCE_WINDOW + 5], 5.0)
        window.reset(1)
        window.feed(tokens[:REFERENCE_WINDOW])  # a full 200-token window from the first measured step on
        start = time.perf_counter()
        for token in tokens[REFERENCE_WINDOW:REFERENCE_WINDOW + args.window_tokens]:
            window.step(np.array([token]))
        window_tps = args.window_tokens / (time.perf_counter() - start)
        with single_thread_blas():
            ours_tps, ours_n = _tokens_per_s(ours, tokens, 2.0)
        keras_tps, keras_n = _tokens_per_s(keras_step, tokens, 2.0)

        generate(bundle, GenerationConfig(notes=20, seed=0))  # warm-up
        start = time.perf_counter()
        take = generate(bundle, GenerationConfig(notes=500, seed=1, max_attempts=1))
        seconds_500 = time.perf_counter() - start
        quality = _quality(bundle, args.takes) if args.takes else None
        return {
            **({"quality": quality} if quality else {}),
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
            "window_length": REFERENCE_WINDOW,
            "generate_speedup": round(ours_tps / window_tps, 1),
            "keras_step_speedup": round(keras_tps / window_tps, 1),
            "seconds_500_notes": round(seconds_500, 3),
            "notes_generated": take.score.note_count,
            "generate_tokens_per_s": take.report["timing"]["tokens_per_second"],
            **_transformer_speed(bundle.vocab_size, int(bundle.tokenizer.pad_id), tokens, args.window_tokens),
            "targets": {"generate_speedup": ">= 100", "seconds_500_notes": "< 2"},
        }
