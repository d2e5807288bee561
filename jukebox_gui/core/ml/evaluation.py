"""Held-out loss per token type, against n-gram baselines: does the model hear the melody?

Overall perplexity averages over tokens that are nearly free (a ``Velocity`` in a one-velocity
corpus, a ``TimeSig`` after every ``Bar``) and hides a model whose pitch predictions ignore the
notes before them. :func:`token_type_nll` scores every held-out token with teacher forcing and
groups the loss by token type; with ``shuffle_pitches`` every earlier pitch in the context is
replaced by a random pitch of the same piece, so a model that uses melodic context loses clearly
more there and a context-blind one loses nothing. :func:`melody_report` adds the unigram and
n-gram pitch baselines fitted on the training split (``core.data.ngram``) and a verdict.

Windows: the model sees at most ``seq_len`` tokens (the training window); a piece is scored in
windows of that length with a stride of half of it, each token once, with at least half a window
of context except in the first window.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

# A model "has learned melody" when its held-out pitch loss is clearly below the best n-gram's.
LEARNED_MELODY_RATIO = 0.95


def _windows(length: int, context: int) -> list[tuple[int, int, int]]:
    """(start, first scored target, end) windows covering targets 1..length-1 once each."""
    if length <= context + 1:
        return [(0, 1, length)]
    out, half = [], max(1, context // 2)
    start = 0
    while True:
        end = min(start + context + 1, length)
        first = 1 if start == 0 else start + context + 1 - half
        if end == length:
            out.append((start, max(first, 1), end))
            return out
        out.append((start, first, end))
        start += half
        if start + context + 1 > length:
            start = length - context - 1
            out.append((start, out[-1][2], length))
            return out


def next_token_log_probs(model, ids: np.ndarray) -> np.ndarray:
    """Log-probabilities of every next token, (batch, time, vocab), float64."""
    logits = np.asarray(model(ids, training=False), dtype=np.float64)
    logits -= logits.max(axis=-1, keepdims=True)
    return logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))


def _scored(model, sequences: Sequence[np.ndarray], context: int, pad_id: int, batch: int,
            corrupt=None) -> tuple[np.ndarray, np.ndarray]:
    """(targets, nll) arrays for every scored target of every sequence."""
    items = []  # (input ids, targets, scored mask)
    for seq in sequences:
        seq = np.asarray(seq, dtype=np.int64)
        inputs = corrupt(seq) if corrupt is not None else seq
        for start, first, end in _windows(len(seq), context):
            ids = inputs[start:end - 1]
            targets = seq[start + 1:end]
            scored = np.zeros(len(targets), dtype=bool)
            scored[first - start - 1:] = True
            items.append((ids, targets, scored))
    all_targets, all_nll = [], []
    for i in range(0, len(items), batch):
        chunk = items[i:i + batch]
        width = max(len(c[0]) for c in chunk)
        ids = np.full((len(chunk), width), pad_id, dtype=np.int32)
        for j, (x, _t, _s) in enumerate(chunk):
            ids[j, :len(x)] = x
        log_probs = next_token_log_probs(model, ids)
        for j, (_x, targets, scored) in enumerate(chunk):
            n = len(targets)
            lp = log_probs[j, np.arange(n), targets]
            all_targets.append(targets[scored])
            all_nll.append(-lp[scored])
    if not all_targets:
        return np.zeros(0, np.int64), np.zeros(0)
    return np.concatenate(all_targets), np.concatenate(all_nll)


def _context(config) -> int:
    return int(config.model.window if config.model.arch == "seed-bilstm" else config.model.seq_len)


def token_type_nll(model, tokenizer, config, sequences: Sequence[np.ndarray], *, batch: int = 32,
                   shuffle_pitches: bool = False, seed: int = 0) -> dict[str, Any]:
    """Held-out loss grouped by token type: ``{"per_type": {type: nats}, "counts", "nats_per_note",
    "nats_per_token"}``. ``shuffle_pitches``: every context pitch replaced by a random pitch of its piece."""
    if config.model.arch == "seed-bilstm":
        raise ValueError("per-type loss needs a causal model (lstm or transformer)")
    types = np.array(tokenizer.token_types())
    pitch = np.zeros(tokenizer.vocab_size, dtype=bool)
    pitch[tokenizer.ids_of_type("Pitch")] = True
    rng = np.random.default_rng(seed)

    def corrupt(seq: np.ndarray) -> np.ndarray:
        out = seq.copy()
        where = np.flatnonzero(pitch[seq])
        if where.size:
            out[where] = rng.choice(seq[where], size=where.size)
        return out

    targets, nll = _scored(model, sequences, _context(config), int(tokenizer.pad_id), batch,
                           corrupt if shuffle_pitches else None)
    per_type, counts = {}, {}
    target_types = types[targets] if targets.size else np.array([], dtype=str)
    for name in sorted(set(target_types.tolist())):
        sel = target_types == name
        per_type[name] = float(nll[sel].mean())
        counts[name] = int(sel.sum())
    notes = counts.get("Pitch", 0) + counts.get("PitchDrum", 0)
    return {"per_type": per_type, "counts": counts,
            "nats_per_token": float(nll.mean()) if nll.size else float("nan"),
            "nats_per_note": float(nll.sum() / notes) if notes else float("nan")}


def melody_report(model, tokenizer, config, train_sequences: Sequence[np.ndarray],
                  held_out: Sequence[np.ndarray], *, batch: int = 32) -> dict[str, Any]:
    """Per-type held-out loss, the same with shuffled context pitches, and the pitch n-gram baselines."""
    from ..data.ngram import ngram_baselines, type_streams

    real = token_type_nll(model, tokenizer, config, held_out, batch=batch)
    blind = token_type_nll(model, tokenizer, config, held_out, batch=batch, shuffle_pitches=True)
    pitch_vocab = len(tokenizer.ids_of_type("Pitch"))
    baselines = ngram_baselines(type_streams(train_sequences, tokenizer), type_streams(held_out, tokenizer),
                                pitch_vocab)
    pitch_nll = real["per_type"].get("Pitch", float("nan"))
    ngram = baselines["best"]
    ratio = pitch_nll / ngram if ngram and not math.isnan(ngram) else float("nan")
    if not real["counts"].get("Pitch"):  # nothing to measure melody on (drums only, or no Pitch tokens)
        return {"pitch_nll": None, "learned_melody": False, "per_type": real["per_type"], "counts": real["counts"],
                "nats_per_note": _finite(real["nats_per_note"]), "nats_per_token": _finite(real["nats_per_token"]),
                "held_out_pieces": len(held_out)}
    return {
        "pitch_nll": pitch_nll,
        "pitch_nll_shuffled_context": blind["per_type"].get("Pitch", float("nan")),
        "pitch_unigram_nll": baselines.get("1", float("nan")),
        "pitch_ngram_nll": ngram,
        "pitch_ngram_by_order": baselines,
        "pitch_vs_ngram": ratio,
        "learned_melody": bool(ratio <= LEARNED_MELODY_RATIO),
        "per_type": real["per_type"],
        "counts": real["counts"],
        "nats_per_note": real["nats_per_note"],
        "nats_per_token": real["nats_per_token"],
        "held_out_pieces": len(held_out),
    }


def _finite(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def melody_state(report: dict[str, Any] | None) -> str:
    """"learned melody", "still learning melody" or "melody not measured" (older bundles, drums only)."""
    if not report or report.get("pitch_nll") is None:
        return "melody not measured"
    return "learned melody" if report.get("learned_melody") else "still learning melody"


def melody_verdict(report: dict[str, Any] | None) -> str:
    """One line for people: "learned melody" or "still learning melody", with the figures."""
    state = melody_state(report)
    if state == "melody not measured":
        return state
    return (f"{state}: {report['pitch_nll']:.2f} nats per pitch vs {report['pitch_ngram_nll']:.2f} for the "
            f"best pitch n-gram ({report['pitch_vs_ngram']:.2f}x; corpus histogram {report['pitch_unigram_nll']:.2f})")


def split_like_training(bundle, paths: Sequence[str], folder: str | None) -> tuple[list[int], list[int]]:
    """(training, held-out) indices of ``paths`` as the bundle's training split them: by the
    held-out file names its training.json records, else (older bundles) by the same seeded split."""
    from ..data.split import relative_name
    from .dataset import split_sequences

    names = [relative_name(p, folder) for p in paths]
    held = ((bundle.training or {}).get("corpus") or {}).get("held_out_files")
    if isinstance(held, list):
        held = set(held)
        return [i for i, n in enumerate(names) if n not in held], [i for i, n in enumerate(names) if n in held]
    return split_sequences(list(range(len(names))), names, bundle.config.val_fraction, bundle.config.seed)


def heldout_report(bundle, corpus_source: str | None = None, *, batch: int = 32) -> dict[str, Any]:
    """:func:`melody_report` of a bundle on its corpus (default: the one it was trained on), split by
    file exactly as training split it (:func:`split_like_training`)."""
    from ..data.corpus import tokenize_corpus
    from ..data.scan import scan

    source = corpus_source or ((bundle.training or {}).get("corpus") or {}).get("source")
    if not source:
        raise ValueError(f"{bundle.path}: no corpus given and the bundle does not record its corpus")
    report = scan(str(source))
    corpus = tokenize_corpus(report, bundle.tokenizer)
    train_idx, held_idx = split_like_training(bundle, corpus.paths, report.folder)
    train = [corpus.sequences[i] for i in train_idx]
    held = [corpus.sequences[i] for i in held_idx]
    out = melody_report(bundle.model, bundle.tokenizer, bundle.config, train, held, batch=batch)
    out["corpus"] = str(source)
    return out
