"""Training a model of several styles: the hooks ``core.ml.training`` calls (NumPy; TensorFlow only
through the model it is handed).

* :func:`prepare_corpus`: scan and tokenize every style's folder (``core.data.styles``).
* :func:`fill_samples`: bar-infilling samples per style, each opening with its style's token, in
  the shares a training pass draws the styles' windows.
* :func:`melody` / :func:`fill`: the held-out evaluations per style, the model shown each piece's
  style at the first position of every window as in training (:class:`StyledModel`); the top-level
  figures are the pitch-count-weighted means over the styles.
* :func:`extras`: ``styles.json`` of the bundle: per style its palette and corpus profile, so a take
  of one style keeps to that style's metres, tempos, instruments and style-check ranges.
* :func:`summary`: ``training.json``'s ``styles``: files, notes, held-out pieces and the share of
  training windows per style (the corpus's own share and the share a pass draws).
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from ..errors import TrainingError


def style_ids(tokenizer: Any) -> list[int]:
    """The tokenizer's style token ids in style order ([] for a one-corpus tokenizer)."""
    return list((getattr(tokenizer, "style_ids", None) or {}).values())


def is_styled(tokenizer: Any) -> bool:
    return bool(style_ids(tokenizer))


def prepare_corpus(source: Any, tokenizer: Any, emit, cancel, *, slim: bool = False, infill: bool = False):
    """(StyledCorpus, tokenizer, StyledReport) for a list of style sources."""
    from ..data.styles import prepare_styled
    from .events import Stage

    return prepare_styled(source, tokenizer, emit, cancel, stage=lambda kind, text: emit(Stage(kind, text)),
                          slim=slim, infill=infill)


def check_arch(config: Any, tokenizer: Any) -> None:
    if is_styled(tokenizer) and config.model.arch == "seed-bilstm":
        raise TrainingError("a model of several styles needs the lstm or transformer architecture")


class StyledModel:
    """The model with every input row's first token replaced by a style token, as every training
    window of that style began (for the held-out evaluations, which call ``model(ids)``)."""

    def __init__(self, model: Any, style_id: int) -> None:
        self.model, self.style_id = model, int(style_id)

    def __call__(self, ids, training: bool = False):
        ids = np.array(ids, dtype=np.int32)
        ids[:, 0] = self.style_id
        return self.model(ids, training=training)


def _by_style(sequences, tokenizer) -> dict[str, list[np.ndarray]]:
    from ..data.styles import sequences_by_style

    return sequences_by_style(sequences, tokenizer)


def fill_samples(train_seqs, tokenizer: Any, count: int, seq_len: int, rng: np.random.Generator,
                 balance: float) -> list[np.ndarray]:
    """``count`` fill samples over the styles, each style's share as a training pass draws its windows
    (tokens ** ``balance``), each sample opening with its style's token instead of BOS."""
    from ..data.fill_layout import training_fill_samples

    groups = {n: s for n, s in _by_style(train_seqs, tokenizer).items() if s}
    weights = np.array([float(sum(len(x) for x in s)) ** balance for s in groups.values()])
    out: list[np.ndarray] = []
    for (name, seqs), w in zip(groups.items(), weights / max(weights.sum(), 1e-12)):
        for sample in training_fill_samples(seqs, tokenizer, int(math.ceil(count * w)), seq_len, rng):
            sample = np.array(sample, dtype=np.int32)
            sample[0] = tokenizer.style_ids[name]
            out.append(sample)
    return out


def _combine(reports: dict[str, dict], weight_key) -> dict[str, Any]:
    """Weighted means of the numeric top-level figures of per-style reports."""
    rows = {n: r for n, r in reports.items() if r}
    out: dict[str, Any] = {}
    keys = {k for r in rows.values() for k, v in r.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    for key in sorted(keys):
        if key in ("pieces", "held_out_pieces", "gap_bars"):  # counts add up; the gap length is shared
            values = [r[key] for r in rows.values() if isinstance(r.get(key), (int, float))]
            out[key] = values[0] if key == "gap_bars" else int(sum(values))
            continue
        pairs = [(float(r[key]), weight_key(r)) for r in rows.values()
                 if isinstance(r.get(key), (int, float)) and r.get(key) is not None and math.isfinite(float(r[key]))]
        total = sum(w for _v, w in pairs)
        if pairs and total > 0:
            out[key] = sum(v * w for v, w in pairs) / total
    return out


def melody(model: Any, tokenizer: Any, config: Any, train_seqs, val_seqs) -> dict[str, Any] | None:
    """Held-out melody figures per style (``styles``) and their pitch-weighted means (top level)."""
    from .evaluation import LEARNED_MELODY_RATIO, melody_report

    train, held = _by_style(train_seqs, tokenizer), _by_style(val_seqs, tokenizer)
    per_style = {}
    for name, sid in tokenizer.style_ids.items():
        if held.get(name) and train.get(name):
            per_style[name] = melody_report(StyledModel(model, sid), tokenizer, config, train[name], held[name])
    if not per_style:
        return None
    out = _combine(per_style, lambda r: float((r.get("counts") or {}).get("Pitch", 0)))
    if out.get("pitch_nll") is None:
        return {"pitch_nll": None, "learned_melody": False, "styles": per_style}
    out["pitch_vs_ngram"] = out["pitch_nll"] / out["pitch_ngram_nll"] if out.get("pitch_ngram_nll") else float("nan")
    out["learned_melody"] = bool(out["pitch_vs_ngram"] <= LEARNED_MELODY_RATIO)
    out["held_out_pieces"] = int(sum(r.get("held_out_pieces", 0) for r in per_style.values()))
    out["styles"] = per_style
    return out


def fill(model: Any, tokenizer: Any, config: Any, val_seqs, seed: int) -> dict[str, Any] | None:
    """Held-out gap figures per style and their means weighted by held-out pieces."""
    from .fill_eval import fill_report

    per_style = {}
    for name, seqs in _by_style(val_seqs, tokenizer).items():
        if seqs:
            per_style[name] = fill_report(StyledModel(model, tokenizer.style_ids[name]), tokenizer, config, seqs,
                                          seed=seed)
    per_style = {n: r for n, r in per_style.items() if r}
    if not per_style:
        return None
    sizes = {n: len(s) for n, s in _by_style(val_seqs, tokenizer).items()}
    out = _combine({n: {**r, "_n": sizes[n]} for n, r in per_style.items()}, lambda r: float(r["_n"]))
    out.pop("_n", None)
    if out.get("gap_nats_per_token_left"):
        from .fill_eval import USES_RIGHT_SIDE_RATIO

        out["both_vs_left"] = out["gap_nats_per_token_both"] / out["gap_nats_per_token_left"]
        out["uses_right_side"] = bool(out["both_vs_left"] <= USES_RIGHT_SIDE_RATIO)
    out["styles"] = per_style
    return out


def extras(corpus: Any, tokenizer: Any, named: Sequence[tuple[str, Any]]) -> dict[str, object]:
    """``{"styles": {name: {"palette", "corpus_metrics", "pieces"}}}``; ``named``: (``STYLE/...``
    name, the piece's Score or its metrics dict)."""
    from ..data.palette import corpus_palette
    from ..music.metrics import corpus_profile

    if not is_styled(tokenizer):
        return {}
    out: dict[str, dict] = {}
    by_style = _by_style(corpus.sequences, tokenizer)
    for name in tokenizer.style_ids:
        scores = [score for piece, score in named if piece.split("/", 1)[0] == name]
        entry: dict[str, Any] = {"pieces": len(by_style.get(name, []))}
        palette = corpus_palette(by_style.get(name, []), tokenizer)
        if palette is not None:
            entry["palette"] = palette
        if scores:
            entry["corpus_metrics"] = corpus_profile(scores)
        out[name] = entry
    return {"styles": {"format": "jukebox-styles", "version": 1, "order": list(tokenizer.style_ids), "styles": out}}


def summary(corpus: Any, tokenizer: Any, packed: Any, config: Any, train_seqs, val_seqs) -> dict[str, Any] | None:
    """training.json's ``styles``: per style files, notes, pieces each side and window shares."""
    from .dataset import style_shares, windows

    if not is_styled(tokenizer) or packed.styles is None:
        return None
    import dataclasses

    plain = dataclasses.replace(packed, fill_from=-1)  # shares of the continuation windows
    found = windows(plain, config, None)
    natural, shares = style_shares(packed, found[found[:, 1] < (packed.fill_token_start or packed.tokens)])
    train, held = _by_style(train_seqs, tokenizer), _by_style(val_seqs, tokenizer)
    per = getattr(corpus, "per_style", {}) or {}
    styles = {}
    for i, name in enumerate(tokenizer.style_ids):
        styles[name] = {**per.get(name, {}), "train_pieces": len(train.get(name, [])),
                        "val_pieces": len(held.get(name, [])),
                        "natural_share": float(natural[i]) if i < len(natural) else 0.0,
                        "share": float(shares[i]) if i < len(shares) else 0.0}
    return {"balance": packed.balance, "styles": styles}


def opening_id(tokenizer: Any, spec: str | None = None) -> int:
    """The token a fill of a piece starts from: BOS for a one-corpus model; for a model of styles,
    the style token of ``spec``'s heaviest style (default: its first style), as training began
    every window with its piece's style."""
    ids = getattr(tokenizer, "style_ids", None) or {}
    if not ids:
        return tokenizer.bos_id
    if not spec:
        return next(iter(ids.values()))
    from ..errors import GenerationError
    from .style_decoder import parse_style

    name = max(parse_style(spec), key=lambda nw: nw[1])[0]
    if name not in ids:
        raise GenerationError(f"this model has no style {name!r}; its styles: {', '.join(ids)}")
    return ids[name]
