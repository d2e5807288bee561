"""``train()``: corpus -> model bundle, observable, cancellable, pausable and resumable.

The loop runs one ``model.fit`` call per epoch (so cancel never triggers a validation pass, and
every epoch's windows come from ``(seed, epoch)``), then evaluates, checkpoints (last + best,
with optimizer state), applies early stopping and the time budget, and finally writes the bundle
from the best weights.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import Cancelled, TrainingError
from ..progress import CancelToken, ProgressSink
from . import checkpoints
from .callbacks import BatchCallback, EpochEnd, LearningRateSchedule, Stage, perplexity
from ..data.split import relative_name
from .config import TrainConfig, train_config_to_dict

log = logging.getLogger(__name__)
# Held-out pieces the melody figures score at most (two model passes each): about 130 s for 100
# pieces on 2 cores with the laptop LSTM; the demo corpora hold out about 50.
MELODY_PIECES = 100


@dataclass(frozen=True)
class TrainResult:
    bundle_path: Path
    epochs_completed: int
    history: dict[str, list[float]]
    best_epoch: int
    best_val_loss: float
    val_perplexity: float
    stopped: str                  # completed | early_stopping | time_budget
    wall_s: float
    targets_per_s: float
    optimizer_iterations: int
    params: int
    extras: tuple[str, ...] = field(default_factory=tuple)
    xla: bool = False             # whether the train step was XLA-compiled
    melody: dict[str, Any] | None = None  # held-out pitch loss vs n-gram baselines (core.ml.evaluation)
    notes_per_s: float = 0.0      # training throughput in notes (a slimmer token stream is credited)
    left_out: tuple[str, ...] = ()  # token kinds the stream leaves out for this corpus (slim_config)
    fill: dict[str, Any] | None = None  # held-out gap loss with both sides vs the left only (core.ml.fill_eval)
    chief: bool = True            # False on a multi-worker cluster's other workers: the chief wrote the bundle
    worker: str = "worker 0 of 1"
    sampling: dict[str, Any] | None = None  # the temperature the model suggests (core.ml.calibrate)


def _default_tokenizer(*, infill: bool = False) -> Any:
    from ..data.tokenizer import Tokenizer, TokenizerConfig

    return Tokenizer(TokenizerConfig(infill=infill))


def left_out_kinds(tokenizer: Any) -> tuple[str, ...]:
    """The per-note token kinds a slim tokenizer leaves out (none for the full stream)."""
    config = getattr(tokenizer, "config", None)
    return tuple(kind for kind, used in (("Program", getattr(config, "use_programs", True)),
                                         ("Velocity", getattr(config, "use_velocities", True))) if not used)


def _prepare_corpus(source: Any, tokenizer: Any, emit, cancel, *, slim: bool = False,
                    infill: bool = False) -> tuple[Any, Any, Any]:
    """(tokenized corpus, tokenizer, scan report or None) from a folder or ``demo:NAME`` (scanned
    here), a scan report (the window's scan, reused) or a tokenized corpus. With ``slim`` and no
    tokenizer given, the stream leaves out the tokens this corpus does not need (``slim_config``)."""
    from ..data.corpus import TokenizedCorpus, tokenize_corpus
    from ..data.scan import CorpusReport, scan
    from ..data.styles import is_styled_source

    if is_styled_source(source):  # several folders, each a style (core.ml.styles)
        from .styles import prepare_corpus

        return prepare_corpus(source, tokenizer, emit, cancel, slim=slim, infill=infill)
    if isinstance(source, TokenizedCorpus):
        if tokenizer is None:
            raise TrainingError("training on an already tokenized corpus needs its tokenizer")
        return source, tokenizer, None
    if isinstance(source, CorpusReport):
        report = source
    elif isinstance(source, (str, os.PathLike)):
        emit(Stage("scanning", f"scanning {source}"))
        report = scan(source, progress=emit, cancel=cancel)
    else:
        raise TrainingError(f"cannot train on {type(source).__name__}: give a folder, demo:NAME, a scan report "
                            "or a tokenized corpus")
    chosen = tokenizer is not None
    tokenizer = tokenizer if chosen else _default_tokenizer(infill=infill)
    emit(Stage("tokenizing", "tokenizing the corpus"))
    corpus = tokenize_corpus(report, tokenizer, progress=emit, cancel=cancel)
    if slim and not chosen:
        from ..data.slim_tokens import slim_config
        from ..data.tokenizer import Tokenizer

        slimmer = slim_config(corpus.sequences, tokenizer)
        if slimmer is not None:
            tokenizer = Tokenizer(slimmer)
            left_out = left_out_kinds(tokenizer)
            emit(Stage("tokenizing", f"one {' and one '.join(k.lower() for k in left_out)} in the whole corpus: "
                                     f"the token stream leaves out {' and '.join(left_out)} tokens"))
            corpus = tokenize_corpus(report, tokenizer, progress=emit, cancel=cancel)
    return corpus, tokenizer, report


def _named_scores(corpus: Any, tokenizer: Any, report: Any):
    """The corpus as (name, Score), decoded from its tokens one piece at a time: the music as the
    model sees it (tracks of one instrument merged, the grid of the tokenizer), so the corpus
    profile and the originality index compare like with like against takes, and no file is parsed
    a second time. Names are relative to the corpus folder: a bundle must not carry the trainer's
    absolute paths. A generator: a 20,000-file corpus is never held as Scores all at once."""
    if not callable(getattr(tokenizer, "decode", None)):
        return  # a token stream that is not music (a test's toy tokenizer) has no profile
    for i, (path, seq) in enumerate(zip(corpus.paths, corpus.sequences)):
        name = relative_name(path, report.folder if report is not None else None)
        time.sleep(0)  # let the window's thread take the GIL between pieces (decoding holds it)
        try:
            score = tokenizer.decode([int(t) for t in seq])
        except Exception as exc:  # noqa: BLE001 - a piece that does not decode is only left out of the profile
            log.warning("could not decode piece %d for the corpus profile: %s", i, exc)
            continue
        yield name, score


def _corpus_extras(corpus: Any, tokenizer: Any, report: Any, emit) -> dict[str, object]:
    """palette.json, corpus_metrics.json and originality.json."""
    from ..data.palette import corpus_palette
    from ..music.metrics import corpus_profile
    from ..music.originality import build_index

    extras: dict[str, object] = {}
    palette = corpus_palette(corpus.sequences, tokenizer)  # metres, tempos, instruments, density
    if palette is not None:
        extras["palette"] = palette
    emit(Stage("profiling", "measuring the corpus (metrics, originality index)"))
    from ..music.metrics import score_metrics

    measured: list[tuple[str, dict]] = []  # (name, the piece's metrics): small, unlike the Scores

    def pieces():
        for name, score in _named_scores(corpus, tokenizer, report):
            measured.append((name, score_metrics(score)))
            yield name, score

    index = build_index(pieces())  # one decoded piece in memory at a time
    if measured:
        extras["corpus_metrics"] = corpus_profile([m for _, m in measured])
        extras["originality"] = index
    from .styles import extras as style_extras

    extras.update(style_extras(corpus, tokenizer, measured))  # per-style palette and profile (styles.json)
    return extras


def _summary(corpus: Any, n_train: int, n_val: int, packed_tokens: int) -> dict[str, Any]:
    stats = getattr(corpus, "stats", None)
    if stats is not None and not isinstance(stats, dict):
        import dataclasses

        stats = dataclasses.asdict(stats) if dataclasses.is_dataclass(stats) else str(stats)
    return {"fingerprint": getattr(corpus, "fingerprint", ""), "pieces": len(corpus.sequences),
            "train_pieces": n_train, "val_pieces": n_val, "train_tokens": packed_tokens, "stats": stats}


def _notes_per_token(flat: np.ndarray, tokenizer: Any) -> float:
    """Notes (Pitch and PitchDrum tokens) per token of the training stream."""
    note = np.zeros(int(tokenizer.vocab_size), dtype=bool)
    note[tokenizer.ids_of_type("Pitch") + tokenizer.ids_of_type("PitchDrum")] = True
    return float(note[flat].mean()) if flat.size else 0.0


def _pitch_id_range(tokenizer: Any) -> tuple[int, int] | None:
    """(first, last) id of the Pitch tokens when they are contiguous and ascending by pitch (else None)."""
    ids = tokenizer.ids_of_type("Pitch")
    if not ids or "BPE" in tokenizer.token_types():
        return None
    values = [int(tokenizer.token_name(i).split("_", 1)[1]) for i in ids]
    contiguous = ids == list(range(ids[0], ids[0] + len(ids)))
    ascending = values == list(range(values[0], values[0] + len(values)))
    return (ids[0], ids[-1]) if contiguous and ascending else None


def _melody(model: Any, tokenizer: Any, config: TrainConfig, train_seqs, val_seqs, emit) -> dict[str, Any] | None:
    """The held-out melody figures (core.ml.evaluation) for causal models; None for seed-bilstm."""
    if config.model.arch == "seed-bilstm" or not val_seqs:
        return None
    from .evaluation import melody_report, melody_verdict

    emit(Stage("evaluating", "measuring melody on the held-out files (pitch loss vs n-gram baselines)"))
    if len(val_seqs) > MELODY_PIECES:  # a big corpus: evenly spaced held-out pieces, bounded time
        val_seqs = [val_seqs[i] for i in np.linspace(0, len(val_seqs) - 1, MELODY_PIECES).astype(np.int64)]
    from .styles import is_styled, melody

    report = (melody(model, tokenizer, config, train_seqs, val_seqs) if is_styled(tokenizer)
              else melody_report(model, tokenizer, config, train_seqs, val_seqs))
    if report is None:
        return None
    report["verdict"] = melody_verdict(report)
    return report


def _fingerprint(tokenizer: Any) -> str:
    return tokenizer.fingerprint() if hasattr(tokenizer, "fingerprint") else ""


def _fills(config: TrainConfig) -> bool:
    """Whether a new model of this config learns bar infilling as well as continuation."""
    return config.fill_share > 0 and config.model.arch != "seed-bilstm"


def _fill_samples(train_seqs, tokenizer: Any, config: TrainConfig) -> list[np.ndarray]:
    """A pool of bar-infilling samples, three epochs' worth (``fill_share`` of each epoch's
    windows is drawn from it), capped at 20,000; none for a tokenizer without the fill tokens."""
    if not _fills(config) or not getattr(tokenizer, "can_fill", False):
        return []
    from ..data.fill_layout import training_fill_samples

    share = float(config.fill_share)
    continuation = sum(max(1, len(s) // config.stride) for s in train_seqs)
    if config.max_windows_per_epoch:
        continuation = min(continuation, config.max_windows_per_epoch)
    count = min(20_000, int(3 * continuation * share / (1.0 - share)) + config.batch_size)
    rng = np.random.default_rng([config.seed, 7])
    from .dataset import STYLE_BALANCE
    from .styles import fill_samples, is_styled

    if is_styled(tokenizer):  # per style, each sample opening with its style's token
        return fill_samples(train_seqs, tokenizer, count, config.model.seq_len, rng, STYLE_BALANCE)
    return training_fill_samples(train_seqs, tokenizer, count, config.model.seq_len, rng)


def _fill(model: Any, tokenizer: Any, config: TrainConfig, val_seqs, emit) -> dict[str, Any] | None:
    if not getattr(tokenizer, "can_fill", False) or not val_seqs:
        return None
    from .fill_eval import fill_report, fill_verdict

    emit(Stage("evaluating", "measuring gap filling on the held-out files (both sides vs the left side only)"))
    from .styles import fill as style_fill, is_styled

    report = (style_fill(model, tokenizer, config, val_seqs, config.seed) if is_styled(tokenizer)
              else fill_report(model, tokenizer, config, val_seqs, seed=config.seed))
    if report is not None:
        report["verdict"] = fill_verdict(report)
    return report


def train(source: Any, out_dir: str | os.PathLike, config: TrainConfig, *, progress: ProgressSink | None = None,
          cancel: CancelToken | None = None, resume: bool = False, from_bundle: str | os.PathLike | None = None,
          tokenizer: Any = None) -> TrainResult:
    """Train a model on ``source`` and write the bundle ``out_dir``. Raises ``Cancelled`` on cancel
    (the last checkpoint stays; train again with ``resume=True`` to continue).

    ``source``: a folder or ``demo:NAME`` (scanned first), a ``CorpusReport`` from a scan already
    made (the window's: not scanned again), or a ``TokenizedCorpus`` with its ``tokenizer``."""
    emit = progress or (lambda _e: None)
    out = Path(out_dir)
    started = began = time.monotonic()
    state = checkpoints.last_state(out) if resume else None
    if resume and state is None:
        log.info("no checkpoint in %s: starting from scratch", out)

    base = None
    if from_bundle is not None:
        from .bundle import load_bundle

        base = load_bundle(from_bundle, tokenizer_cls=type(tokenizer) if tokenizer is not None else None)
        if tokenizer is None:
            tokenizer = base.tokenizer
        elif not tokenizer.compatible_with(base.tokenizer):
            raise TrainingError(f"cannot fine-tune {base.path}: its tokenizer differs from this corpus's tokenizer "
                                "(different vocabulary); train a new model or use the bundle's tokenizer")
        import dataclasses

        config = dataclasses.replace(config, model=base.config.model)
    corpus, tokenizer, report = _prepare_corpus(source, tokenizer, emit, cancel, slim=config.slim_tokens,
                                                infill=_fills(config))
    if report is not None:
        source = report.source  # training.json records the folder or demo:NAME the scan was given
    if cancel is not None:
        cancel.raise_if_cancelled()
    if base is not None and base.vocab_size != tokenizer.vocab_size:
        raise TrainingError(f"cannot fine-tune {base.path}: it has {base.vocab_size} tokens, this corpus "
                            f"{tokenizer.vocab_size}")

    from .strategy import configure_threads, device_batch_size, get_strategy, is_chief, peer_lost_errors, task_name

    configure_threads(config.threads)
    strategy = get_strategy(config.strategy)  # before TensorFlow's first op (multi-worker needs it)
    chief = is_chief(strategy)
    # The chief writes checkpoints and the bundle into ``out``; another worker of a cluster writes
    # its checkpoints to a temporary folder of its own (deleted at the end) and no bundle.
    write_dir = out if chief else Path(tempfile.mkdtemp(prefix="jukebox-worker-"))
    if chief and not resume and checkpoints.folder(out).exists():
        checkpoints.remove(out)
    if config.device_batch:  # a batch sized for the GPUs (the rule: strategy.device_batch_size)
        import dataclasses

        config = dataclasses.replace(config, batch_size=device_batch_size(config, strategy))
    try:
        return _train(corpus, tokenizer, report, source, out, write_dir, config, strategy, state, base, emit,
                      progress, cancel, began)
    except peer_lost_errors(strategy) as exc:  # a multi-worker cluster lost a worker (or the chief)
        done = checkpoints.last_state(out)
        raise TrainingError(f"{task_name(strategy)}: another worker of the cluster stopped ({type(exc).__name__}); "
                            "start every worker again with --resume to continue from the chief's checkpoint"
                            + (f" of epoch {done['epoch']}" if done else " (none yet: from the start)")) from exc
    finally:
        if not chief:
            shutil.rmtree(write_dir, ignore_errors=True)


def _train(corpus, tokenizer, report, source, out: Path, write_dir: Path, config: TrainConfig, strategy, state,
           base, emit, progress, cancel, began: float) -> TrainResult:
    import keras

    from .dataset import make_dataset, pack, plan_epochs, split_sequences, validation_windows
    from .styles import summary as style_summary
    from .models import build_model, compile_model, count_params, use_mixed_precision
    from .strategy import check_agreement, is_chief, prepare_model, task_name

    chief = is_chief(strategy)
    keras.utils.set_random_seed(config.seed)
    # Op determinism is process-wide: set it for this run either way, so one seeded run in the
    # window does not make every later run deterministic (slower, and without XLA).
    from tensorflow.python.framework import config as tf_framework_config

    if config.deterministic:
        tf_framework_config.enable_op_determinism()
    else:
        tf_framework_config.disable_op_determinism()
    # Split by corpus-relative name, so the same folder splits the same wherever it lies; the
    # held-out names go into training.json (evaluation and benchmarks score exactly those files).
    names = [relative_name(p, report.folder if report is not None else None) for p in corpus.paths]
    strata = getattr(corpus, "styles", None)  # a corpus of several styles is split style by style
    train_seqs, val_seqs = split_sequences(list(corpus.sequences), names, config.val_fraction, config.seed,
                                           strata=strata)
    _train_names, held_names = split_sequences(names, names, config.val_fraction, config.seed, strata=strata)
    from .styles import check_arch, style_ids

    check_arch(config, tokenizer)
    styles = style_ids(tokenizer)  # a model of several styles: each window sees its piece's style token
    packed = pack(train_seqs, _fill_samples(train_seqs, tokenizer, config), style_ids=styles)
    packed_val = pack(val_seqs, style_ids=styles)
    pad_id = int(getattr(tokenizer, "pad_id", 0))
    val_ds = make_dataset(packed_val, validation_windows(packed_val, config), config, pad_id, drop_remainder=False)
    pitch_ids = _pitch_id_range(tokenizer) if config.transpose else None
    if config.transpose and pitch_ids is None:
        log.warning("transposition needs plain Pitch tokens (no BPE merges); training without it")

    emit(Stage("building", f"building the {config.model.arch} model"))
    mixed = use_mixed_precision(config)  # float16 compute, float32 logits and variables (a GPU, or forced)
    check_agreement(strategy, start_epoch=int(state["epoch"]) if state else 0, train_tokens=packed.tokens,
                    val_tokens=packed_val.tokens, vocab_size=int(tokenizer.vocab_size),
                    steps=plan_epochs(packed, config, 0, 1).steps)
    with strategy.scope():
        model = build_model(config.model, int(tokenizer.vocab_size), mixed_precision=mixed)
        if base is not None:
            model.load_weights(str(base.path / "model.weights.h5"))
        compile_model(model, config, mixed_precision=mixed)
        if state is not None:
            made_with = state.get("tokenizer_fingerprint")
            if made_with and made_with != _fingerprint(tokenizer):
                raise TrainingError(f"cannot resume {out}: its checkpoint was made with another tokenizer "
                                    "(a different vocabulary for this corpus); train it anew")
            checkpoints.restore(out, model, state)
    prepare_model(model, strategy, val_ds.element_spec)
    start_epoch = int(state["epoch"]) if state else 0
    history: dict[str, list[float]] = {k: list(v) for k, v in (state or {}).get("history", {}).items()}
    best_val = float((state or {}).get("best_val_loss", float("inf")))
    best_epoch = int((state or {}).get("best_epoch", 0))
    wait = int((state or {}).get("wait", 0))
    prior_wall = float((state or {}).get("wall_s", 0.0))
    stopped = (state or {}).get("stopped", "completed") if state and start_epoch >= config.epochs else "completed"
    targets_per_s = 0.0
    epoch_times: list[float] = []
    params = count_params(model)
    xla = bool(model.jit_compile)  # as Keras resolved it (it may refuse XLA for some layers)
    emit(Stage("training", f"{params:,} parameters, {packed.tokens:,} training tokens, "
                           f"{strategy.num_replicas_in_sync} replica(s), batch {config.batch_size}"
                           f"{', XLA' if xla else ''}{', mixed float16' if mixed else ''}"))

    started = time.monotonic()  # epochs' elapsed time and ETA leave out corpus preparation
    schedule = None
    if config.lr_schedule == "cosine":
        steps_per_epoch = plan_epochs(packed, config, 0, 1).steps
        schedule = LearningRateSchedule(config.learning_rate, warmup_steps=config.warmup_steps,
                                        total_steps=steps_per_epoch * config.epochs, min_ratio=config.min_lr_ratio,
                                        time_budget_s=config.time_budget_s)
    for epoch in range(start_epoch, config.epochs):
        if stopped != "completed":
            break
        epoch_start = time.monotonic()
        keras.utils.set_random_seed(config.seed + epoch)
        plan = plan_epochs(packed, config, epoch, epoch + 1)
        train_ds = make_dataset(packed, plan.windows, config, pad_id, pitch_ids=pitch_ids)
        batches = BatchCallback(progress, cancel, steps=plan.steps, targets_per_step=plan.targets_per_step)
        fit = model.fit(train_ds, epochs=epoch + 1, initial_epoch=epoch, steps_per_epoch=plan.steps,
                        callbacks=[batches] + ([schedule] if schedule is not None else []), verbose=0, shuffle=False)
        if batches.cancelled:
            done = start_epoch if not history.get("loss") else len(history["loss"])
            raise Cancelled(f"training cancelled in epoch {epoch + 1} at batch {batches.batches_done} of {plan.steps}; "
                            f"the checkpoint of epoch {done} is kept "
                            "(train again with --resume to continue)")
        targets_per_s = plan.steps * plan.targets_per_step / batches.train_seconds
        val = model.evaluate(val_ds, verbose=0, return_dict=True)
        logs = {"loss": float(fit.history["loss"][-1]), "accuracy": float(fit.history["accuracy"][-1]),
                "val_loss": float(val["loss"]), "val_accuracy": float(val["accuracy"]),
                "targets_per_s": targets_per_s}
        for key, value in logs.items():
            history.setdefault(key, []).append(value)
        if not np.isfinite(logs["loss"]):
            raise TrainingError(f"training diverged in epoch {epoch + 1} (loss is {logs['loss']}); "
                                "try a lower learning rate (--lr)")
        is_best = logs["val_loss"] < best_val
        if logs["val_loss"] < best_val - config.min_delta:
            wait = 0
        else:
            wait += 1
        if is_best:
            best_val, best_epoch = logs["val_loss"], epoch + 1
        epoch_times.append(time.monotonic() - epoch_start)
        elapsed = time.monotonic() - started
        if config.patience and wait >= config.patience:
            stopped = "early_stopping"
        elif config.time_budget_s and elapsed + epoch_times[-1] > config.time_budget_s and epoch + 1 < config.epochs:
            stopped = "time_budget"
        checkpoints.save(write_dir, model, {
            "epoch": epoch + 1, "history": history, "best_val_loss": best_val, "best_epoch": best_epoch,
            "wait": wait, "seed": config.seed, "wall_s": prior_wall + time.monotonic() - began, "stopped": stopped,
            "optimizer_iterations": int(model.optimizer.iterations.numpy()),
            "config": train_config_to_dict(config), "vocab_size": int(tokenizer.vocab_size),
            "tokenizer_fingerprint": _fingerprint(tokenizer)}, best=is_best)
        remaining = config.epochs - epoch - 1 if stopped == "completed" else 0
        emit(EpochEnd(epoch + 1, config.epochs, logs["loss"], logs["val_loss"], perplexity(logs["val_loss"]),
                      logs["accuracy"], logs["val_accuracy"], elapsed, float(np.mean(epoch_times)) * remaining,
                      is_best))

    epochs_done = len(history.get("loss", []))
    if epochs_done == 0:
        raise TrainingError("no epoch was trained")
    iterations = int(model.optimizer.iterations.numpy())
    if not chief:  # the chief measures the model and writes the bundle; this worker is done
        return TrainResult(out, epochs_done, history, best_epoch, best_val, perplexity(best_val), stopped,
                           prior_wall + time.monotonic() - began, float(np.mean(history.get("targets_per_s", [0.0]))),
                           iterations, params, (), xla, None, 0.0, left_out_kinds(tokenizer), None, chief=False,
                           worker=task_name(strategy))
    best = checkpoints.best_dir(write_dir)
    if best is not None:
        checkpoints.load_weights(best, model)
    melody = _melody(model, tokenizer, config, train_seqs, val_seqs, emit)
    fill = _fill(model, tokenizer, config, val_seqs, emit)
    extras = _corpus_extras(corpus, tokenizer, report, emit)
    wall = prior_wall + time.monotonic() - began
    mean_targets_per_s = float(np.mean(history.get("targets_per_s", [targets_per_s])))
    notes_per_s = mean_targets_per_s * _notes_per_token(packed.flat, tokenizer)
    training = {
        "history": history, "epochs_completed": epochs_done, "best_epoch": best_epoch, "best_val_loss": best_val,
        "val_perplexity": perplexity(best_val), "stopped": stopped, "seed": config.seed, "wall_s": wall,
        "optimizer_iterations": iterations, "params": params, "xla": xla, "mixed_precision": mixed,
        "batch_size": config.batch_size,
        "targets_per_s": mean_targets_per_s, "notes_per_s": notes_per_s,
        "corpus": {"source": str(source) if isinstance(source, (str, os.PathLike)) else None,
                   **_summary(corpus, len(train_seqs), len(val_seqs), packed.tokens),
                   "held_out_files": sorted(set(held_names))},
        "fine_tuned_from": str(base.path) if base is not None else None,
        "melody": melody,
        "fill": fill,
        "styles": style_summary(corpus, tokenizer, packed, config, train_seqs, val_seqs),
    }
    emit(Stage("saving", f"writing the bundle {out}"))
    from .bundle import save_bundle

    plain = build_model(config.model, int(tokenizer.vocab_size))  # weights only, no optimizer state
    plain.set_weights(model.get_weights())
    save_bundle(out, model=plain, config=config, tokenizer=tokenizer, training=training, extras=extras)
    from .calibrate import calibrate_bundle

    sampling = calibrate_bundle(out, tokenizer, config, val_seqs, emit, cancel)
    return TrainResult(out, epochs_done, history, best_epoch, best_val, perplexity(best_val), stopped, wall,
                       mean_targets_per_s, iterations, params, tuple(sorted(extras)), xla, melody, notes_per_s,
                       left_out_kinds(tokenizer), fill, chief=True, worker=task_name(strategy), sampling=sampling)

