"""`jukebox train CORPUS --out BUNDLE`: train a model with a progress bar and a final summary."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from ..core.ml.config import ARCHITECTURES, DEFAULT_ARCH, PRESETS  # light: no TensorFlow


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "train", help="train a model on a MIDI folder or a demo corpus",
        description="Train a music model on a folder of MIDI files (or demo:irish) and write a model bundle. "
                    "A checkpoint is written after every epoch; Ctrl-C stops within one batch and "
                    "`--resume` continues from the last completed epoch.")
    parser.add_argument("corpus", metavar="CORPUS", nargs="+",
                        help="a folder of MIDI files, or demo:NAME (see `jukebox corpus list`); several of them "
                             "train one model of several styles, each named after its folder or NAME=FOLDER")
    parser.add_argument("--out", required=True, metavar="BUNDLE",
                        help="the bundle folder to write; a bare name (no '/') goes to the user's models folder")
    parser.add_argument("--arch", choices=ARCHITECTURES, default=DEFAULT_ARCH,
                        help=f"architecture (default: {DEFAULT_ARCH}, the one that learns melody)")
    parser.add_argument("--preset", choices=PRESETS, default="laptop", help="sizes and run length (default: laptop)")
    parser.add_argument("--epochs", type=int, metavar="N", help="number of epochs (overrides the preset)")
    parser.add_argument("--seed", type=int, metavar="S", help="random seed (Python, NumPy, TensorFlow); also makes TensorFlow ops deterministic")
    parser.add_argument("--batch-size", type=_batch_size, metavar="B|auto",
                        help="global batch size (split over GPUs and workers); auto: sized for the GPUs "
                             "(about 32k tokens per GPU; on a CPU the preset's)")
    parser.add_argument("--mixed-precision", choices=("auto", "on", "off"),
                        help="mixed float16 training (default auto: on a CUDA GPU with compute capability >= 7.0)")
    parser.add_argument("--lr", type=float, metavar="LR", help="learning rate")
    parser.add_argument("--seq-len", type=int, metavar="T", help="training window in tokens (lstm, transformer)")
    parser.add_argument("--patience", type=int, metavar="P", help="early stopping patience in epochs (0 = off)")
    parser.add_argument("--time-budget", type=float, metavar="SECONDS", help="stop after the epoch that would overrun this")
    parser.add_argument("--max-windows", type=int, metavar="W", help="training windows per epoch (0 = all)")
    parser.add_argument("--strategy", choices=("default", "mirrored", "multiworker"), help="tf.distribute strategy")
    parser.add_argument("--threads", type=int, metavar="N", help="CPU threads (default: all cores)")
    parser.add_argument("--xla", choices=("auto", "on", "off"),
                        help="XLA-compile the training step (default auto: on for lstm on a CPU-only machine)")
    parser.add_argument("--transpose", type=int, metavar="N",
                        help="augment: shift each training window by a random -N..N semitones (0 = off)")
    parser.add_argument("--dropout", type=float, metavar="D", help="dropout rate of the model (0..0.9)")
    parser.add_argument("--fill-share", type=float, metavar="S",
                        help="share of training windows that teach bar infilling (default 0.2; 0 = continuation only)")
    parser.add_argument("--full-tokens", action="store_true",
                        help="keep Program and Velocity tokens even when the corpus has one instrument or one velocity")
    parser.add_argument("--resume", action="store_true", help="continue from the bundle's last checkpoint")
    parser.add_argument("--from", dest="from_bundle", metavar="BUNDLE", help="fine-tune from this bundle's weights")
    parser.set_defaults(func=run)


def _batch_size(text: str) -> int | str:
    if text == "auto":
        return text
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number or auto, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"the batch size must be at least 1, got {value}")
    return value


def out_path(text: str) -> Path:
    if "/" in text or "\\" in text or text in (".", ".."):
        return Path(text).expanduser()
    from ..core.paths import models_dir

    return models_dir() / text


def build_config(args: argparse.Namespace):
    """The flags as the same TrainConfig builder the window's Train page uses (a flag left out keeps the preset's value)."""
    from ..core.ml.settings import training_config

    return training_config(
        args.preset, args.arch, epochs=args.epochs, seed=args.seed,
        batch_size=None if args.batch_size == "auto" else args.batch_size,
        device_batch=True if args.batch_size == "auto" else None, mixed_precision=args.mixed_precision,
        learning_rate=args.lr, seq_len=args.seq_len, patience=args.patience, time_budget_s=args.time_budget,
        max_windows_per_epoch=args.max_windows, strategy=args.strategy, threads=args.threads, xla=args.xla,
        deterministic=True if args.seed is not None else None, slim_tokens=False if args.full_tokens else None,
        transpose=args.transpose, dropout=args.dropout, fill_share=args.fill_share)


class _Display:
    """Progress bar for batches and stages, one line per epoch."""

    def __init__(self) -> None:
        from .progressbar import ProgressBar

        self.bar = ProgressBar(label="train")

    def __call__(self, event) -> None:
        from ..core.ml.events import EpochEnd

        if isinstance(event, EpochEnd):
            eta = f" eta {event.eta_s / 60:.1f} min" if event.eta_s else ""
            print(f"\r{event.message} ({event.elapsed_s:.0f} s{eta})".ljust(100), file=sys.stderr, flush=True)
        else:
            self.bar(event)


def run(args: argparse.Namespace) -> int:
    from ..core.ml.training import train
    from ..core.progress import CancelToken

    config = build_config(args)
    out = out_path(args.out)
    cancel = CancelToken()

    def on_sigint(_sig, _frame):
        if cancel.cancelled:
            raise KeyboardInterrupt
        print("\nstopping after this batch (Ctrl-C again to abort now)", file=sys.stderr, flush=True)
        cancel.cancel()

    previous = signal.signal(signal.SIGINT, on_sigint)
    from ..core.ml.evaluation import melody_verdict

    display = _Display()
    try:
        from .train_styles import corpus_source

        result = train(corpus_source(args.corpus), out, config, progress=display, cancel=cancel, resume=args.resume,
                       from_bundle=args.from_bundle)
    finally:
        signal.signal(signal.SIGINT, previous)
        display.bar.close()
    if not result.chief:  # another worker of a multi-worker cluster: the chief wrote the bundle
        print(f"{result.worker}: {result.epochs_completed} epochs done; the chief (worker 0) wrote the bundle "
              f"{result.bundle_path} on its machine")
        return 0
    print(f"bundle: {result.bundle_path}")
    print(f"architecture: {config.model.arch} ({config.preset}), {result.params:,} parameters")
    print(f"epochs: {result.epochs_completed} ({result.stopped}), best epoch {result.best_epoch}")
    print(f"validation loss: {result.best_val_loss:.4f}, perplexity {result.val_perplexity:.2f}")
    print(f"speed: {result.targets_per_s:,.0f} targets/s ({result.notes_per_s:,.0f} notes/s), "
          f"wall time {result.wall_s:.1f} s")
    if result.left_out:
        print(f"token stream: leaves out {' and '.join(result.left_out)} tokens "
              f"(the corpus has one {' and one '.join(k.lower() for k in result.left_out)}; --full-tokens keeps them)")
    print(f"melody (held-out files): {melody_verdict(result.melody)}")
    from .train_styles import style_lines

    for line in style_lines(result.bundle_path):
        print(line)
    if result.fill is not None:
        print(f"infilling (held-out files): {result.fill['verdict']}")
    if result.sampling is not None:
        overlap = ", ".join(f"{t} {v:.2f}" for t, v in result.sampling["overlap"].items())
        print(f"sampling: suggests temperature {result.sampling['temperature']:g} (its takes at {overlap} "
              "overlap the held-out files' quality features; --temperature overrides it)")
    return 0
