"""Choosing and blending styles when generating from a model of several styles (``core.ml.styles``).

``--style irish``: the take opens with ``Style_irish`` where a one-corpus take has ``BOS`` (every
training window of an Irish piece began with it), and keeps to the Irish palette (metres, tempos,
instruments) and the Irish style-check ranges. ``--style irish=0.7,bach=0.3``: :class:`StyleDecoder`
runs the decoder with one row per style, each conditioned on its style token, feeds every row the
same sampled token, and returns the weighted sum of the rows' next-token log-probabilities: the
product of the styles' predictions, each raised to its weight (a product of experts), so a token
must be likely in every style. The take keeps to the blended palette (``core.data.palette_blend``:
every metre, tempo and density of the styles, one style's instruments drawn by weight) and is
style-checked against the envelope of the blended styles' ranges (lowest p10 to highest p90). A
model of several styles given no style blends them all with equal weights.

The instrument is a style's strongest cue: a model of Irish fiddle tunes and Bach chorales sung
by a choir writes Irish notes after ``Program_40`` whatever its style token says (a 50/50 blend
on the fiddle was called Irish by the style classifier in 100 % of takes). So where a style's
corpus has one instrument and the take plays one, that style's row reads and writes its own
instrument in the take's (:meth:`StyleDecoder.use_programs`): each row sees a consistent piece
of its style, and only the notes are blended.

Why a product and not the weighted sum of the probabilities (a mixture, which this module did at
first): in a mixture each token comes from one style or the other, so a 50/50 take of the fiddle
tunes and the chorales strewed lone chorale bass notes among fiddle phrases, its top line leaping
5.8 semitones on average (the corpora 2.2 and 1.8) and failing the style check take after take;
in the product every note must suit both, and a 30/70 take is a fiddle-like tune over a chorale's
lower voices. A two-style laptop model, 16 takes of 8 bars, irish weight 0.7 / 0.5 / 0.3 / 0.2:
median polyphony 1.0 / 1.04 / 2.3 / 3.5 (mixture 1.3 / 1.8 / 2.4 / 3.0), mean interval 2.6 / 3.2
/ 3.7 / 3.1 (mixture 3.5 / 5.8 / 7.3 / 5.2). The product turns from one style to the other over a
narrower range of weights.

When the decoder's window slides (the numpy transformer re-encodes its recent tokens), the token
at the window's first position is replaced by the row's style token (``anchor``), as in training.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..data.tokenizer import STYLE_NAME
from ..errors import GenerationError


def parse_style(spec: str) -> list[tuple[str, float]]:
    """``irish`` | ``irish=0.7,bach=0.3`` | ``irish,bach`` (equal) -> [(name, weight)] summing to 1."""
    if not isinstance(spec, str) or not spec.strip():
        raise GenerationError("a style is a name (irish) or a blend (irish=0.7,bach=0.3)")
    out: list[tuple[str, float]] = []
    for part in spec.split(","):
        name, eq, weight = part.strip().partition("=")
        name = name.strip()
        if not STYLE_NAME.fullmatch(name):
            raise GenerationError(f"bad style name {name!r} in {spec!r} (a blend reads irish=0.7,bach=0.3)")
        if eq:
            try:
                value = float(weight)
            except ValueError:
                raise GenerationError(f"the weight of {name} must be a number, got {weight.strip()!r}") from None
            if not np.isfinite(value) or value <= 0:
                raise GenerationError(f"the weight of {name} must be a positive number, got {weight.strip()}")
        else:
            value = 1.0
        if any(n == name for n, _w in out):
            raise GenerationError(f"the style {name} is named twice in {spec!r}")
        out.append((name, value))
    total = sum(w for _n, w in out)
    return [(n, w / total) for n, w in out]


def _styles_extra(bundle: Any) -> dict[str, Any]:
    blob = (getattr(bundle, "extras", None) or {}).get("styles") or {}
    return blob.get("styles") if isinstance(blob.get("styles"), dict) else {}


def envelope(profiles: list[dict]) -> dict[str, dict[str, float]]:
    """The widest range over several corpus profiles: min p10, max p90 (p50: the mean)."""
    out: dict[str, dict[str, float]] = {}
    for name in sorted({k for p in profiles for k in p}):
        rows = [p[name] for p in profiles if isinstance(p.get(name), dict)]
        if len(rows) < len(profiles):
            continue
        out[name] = {"p10": min(r["p10"] for r in rows), "p50": float(np.mean([r["p50"] for r in rows])),
                     "p90": max(r["p90"] for r in rows), "min": min(r["min"] for r in rows),
                     "max": max(r["max"] for r in rows), "count": int(sum(r.get("count", 0) for r in rows))}
    return out


@dataclass
class StylePlan:
    names: list[str]
    weights: list[float]
    ids: list[int]
    palette: dict[str, Any] | None = None   # the style's, or the blend of the styles' palettes
    profile: dict[str, Any] = field(default_factory=dict)
    ranges: dict[str, dict] = field(default_factory=dict)  # style -> its corpus profile
    chosen: bool = True                     # False: the model's every style, no --style given
    programs: list[list[int]] = field(default_factory=list)  # per style, its corpus's programs

    @property
    def single(self) -> bool:
        return len(self.names) == 1

    def decoder(self, inner: Any, tokenizer: Any = None) -> "StyleDecoder":
        if isinstance(inner, StyleDecoder):
            return inner
        return StyleDecoder(inner, self.ids, self.weights, program_ids=_program_ids(tokenizer),
                            style_programs=self.programs)

    def take_setting(self, bundle: Any) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """(the style-check profile, the palette) a take of this plan keeps to."""
        from ..data.palette import valid_palette

        extras = getattr(bundle, "extras", None) or {}
        palette = valid_palette(self.palette) or valid_palette(extras.get("palette"))
        return (self.profile or extras.get("corpus_metrics") or {}), palette

    def prefix(self, prefix: list[int], bos_id: int) -> list[int]:
        """A one-style take opens with its style token instead of BOS."""
        if self.single and prefix and prefix[0] == bos_id:
            return [self.ids[0], *prefix[1:]]
        return prefix

    def report(self, metrics: dict[str, float]) -> dict[str, Any]:
        return {"styles": dict(zip(self.names, (round(w, 4) for w in self.weights))),
                "given": self.chosen, "palette_of": self.names[0] if self.single else "blend",
                "corpus_range": {n: {k: v for k, v in r.items() if k in metrics} for n, r in self.ranges.items()}}


def resolve_styles(bundle: Any, spec: str | None) -> StylePlan | None:
    """The plan for ``spec`` on this bundle (None: a one-corpus model and no style asked for)."""
    style_ids = dict(getattr(bundle.tokenizer, "style_ids", None) or {})
    if not style_ids:
        if spec:
            raise GenerationError(f"this model has no styles (it was trained on one corpus), so --style {spec} "
                                  "cannot apply; its styles: none")
        return None
    chosen = bool(spec)
    parts = parse_style(spec) if spec else [(n, 1.0 / len(style_ids)) for n in style_ids]
    unknown = [n for n, _w in parts if n not in style_ids]
    if unknown:
        raise GenerationError(f"this model has no style {', '.join(unknown)}; its styles: {', '.join(style_ids)}")
    from ..data.palette import valid_palette
    from ..data.palette_blend import blend_palettes

    extra = _styles_extra(bundle)
    names, weights = [n for n, _ in parts], [w for _, w in parts]
    ranges = {n: (extra.get(n) or {}).get("corpus_metrics") or {} for n in names}
    palettes = [valid_palette((extra.get(n) or {}).get("palette")) for n in names]
    if len(names) == 1:
        profile, palette = ranges[names[0]], palettes[0]
    else:
        profile = envelope([ranges[n] for n in names if ranges[n]])
        palette = blend_palettes(palettes, weights) if all(palettes) else None
    programs = [list((p or {}).get("programs") or []) for p in palettes]
    return StylePlan(names, weights, [int(style_ids[n]) for n in names], palette, profile, ranges, chosen, programs)


def _program_ids(tokenizer: Any) -> dict[int, int]:
    """Program number -> its token id in this vocabulary (empty: a stream without Program tokens)."""
    if tokenizer is None:
        return {}
    from ..data.grammar import Grammar

    g = Grammar(tokenizer)
    return {int(g.program_value[i]): int(i) for i in np.flatnonzero(g.is_program)}


class StyleDecoder:
    """A step decoder of one row per style; the logits it returns are the weighted sum of the rows'
    log-probabilities (one style: the row's own logits, unchanged)."""

    def __init__(self, inner: Any, style_ids: list[int], weights: list[float], *,
                 program_ids: dict[int, int] | None = None, style_programs: list[list[int]] | None = None) -> None:
        self.inner = inner
        self.style_ids = np.asarray(style_ids, dtype=np.int64)
        self.weights = np.asarray(weights, dtype=np.float64)
        self.vocab_size = int(getattr(inner, "vocab_size", 0))
        self.batch = 1
        self.program_ids = dict(program_ids or {})
        self.style_programs = list(style_programs or [])
        self._maps: np.ndarray | None = None  # per row: take token id -> the row's token id
        self._fresh = True
        self.reset(1)

    def use_programs(self, programs: Any) -> None:
        """The take plays ``programs`` (None: any): a row whose style has one instrument reads and
        writes that instrument where the take has its one (see the module docstring)."""
        self._maps = None
        band = sorted(programs) if programs is not None else []
        if len(self.style_ids) < 2 or len(band) != 1 or band[0] not in self.program_ids:
            return
        size = max(self.vocab_size, max(self.program_ids.values()) + 1)
        maps = np.tile(np.arange(size, dtype=np.int64), (len(self.style_ids), 1))
        take = self.program_ids[band[0]]
        for row, own in enumerate(self.style_programs[:len(self.style_ids)]):
            if len(own) == 1 and own[0] in self.program_ids and own[0] != band[0]:
                mine = self.program_ids[own[0]]
                maps[row, take], maps[row, mine] = mine, take  # a swap: its own inverse
        self._maps = maps if (maps != np.arange(size)).any() else None

    def reset(self, batch: int = 1) -> None:
        if batch != 1:
            raise GenerationError("a style blend decodes one take at a time")
        self.inner.reset(len(self.style_ids))
        if hasattr(self.inner, "anchor"):
            self.inner.anchor = self.style_ids.copy()
        self._fresh = True

    def _mix(self, logits: np.ndarray) -> np.ndarray:
        logits = np.asarray(logits, dtype=np.float64)
        if len(self.style_ids) == 1:
            return logits.astype(np.float32)
        if self._maps is not None:  # each row's odds of its own instrument are the take's
            logits = np.take_along_axis(logits, self._maps[:, :logits.shape[-1]], axis=-1)
        logits = logits - logits.max(axis=-1, keepdims=True)
        log_probs = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
        mixed = (self.weights[:, None] * log_probs).sum(axis=0, keepdims=True)  # log of prod p_i ** w_i
        return (mixed - mixed.max()).astype(np.float32)

    def feed(self, ids: Any) -> np.ndarray:
        rows = np.array(np.broadcast_to(np.asarray(ids, dtype=np.int64).reshape(1, -1),
                                        (len(self.style_ids), np.asarray(ids).size)))
        if self._maps is not None:
            rows = np.take_along_axis(self._maps, rows, axis=1)
        if self._fresh and rows.shape[1]:
            rows[:, 0] = self.style_ids  # each row opens with its style token, as its training windows did
        self._fresh = False
        return self._mix(self.inner.feed(rows))

    def step(self, ids: Any) -> np.ndarray:
        token = np.asarray(ids, dtype=np.int64).reshape(-1)
        if token.size != 1:
            raise GenerationError("a style blend decodes one take at a time")
        if self._fresh:
            return self.feed(token)
        rows = np.repeat(token, len(self.style_ids))
        if self._maps is not None:
            rows = self._maps[np.arange(len(rows)), rows]
        return self._mix(self.inner.step(rows))
