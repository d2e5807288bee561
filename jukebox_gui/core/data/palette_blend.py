"""One palette for a blend of styles (``--style irish=0.7,bach=0.3``). NumPy only.

A blend's take may do what any of its styles does: every metre and tempo of them, the densest
onset and bar of them (the caps are guard rails against what no corpus does, not a style). Its
instruments are one piece's set, drawn from a style's pieces with that style's weight (so a 70/30
blend plays on an Irish tune's fiddle in about 7 takes of 10), and bar repeats come at the
weighted mean of the styles' rates. What the notes are is the mixed model's choice
(:mod:`jukebox_gui.core.ml.style_decoder`).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Sequence

from .palette import FORMAT, VERSION, _is_number, steady_voices


def _union(lists: Sequence[Sequence[str]]) -> list[str]:
    return list(dict.fromkeys(v for values in lists for v in values))


def _weighted_repeats(stats: Sequence[dict | None], weights: Sequence[float]) -> dict[str, Any] | None:
    rows = [(s, w) for s, w in zip(stats, weights) if isinstance(s, dict)]
    if not rows:
        return None
    total = sum(w for _s, w in rows)
    distances: dict[str, float] = defaultdict(float)
    by_bar: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for s, w in rows:
        for d, share in (s.get("distances") or {}).items():
            distances[d] += share * w / total
        for i, row in (s.get("by_bar") or {}).items():
            out_row = by_bar[i]  # a bar index any style has figures for stays, even with no repeat
            for d, rate in row.items():
                out_row[d] += rate * w / total
    return {"rate": round(sum(float(s.get("rate", 0.0)) * w for s, w in rows) / total, 4),
            "distances": {d: round(v, 4) for d, v in distances.items()},
            "by_bar": {i: {d: round(v, 4) for d, v in row.items()} for i, row in by_bar.items()}}


def blend_palettes(palettes: Sequence[dict[str, Any]], weights: Sequence[float]) -> dict[str, Any]:
    """The palette of a blend of styles with these (valid) palettes and weights (summing to 1)."""
    if not palettes or len(palettes) != len(weights):
        raise ValueError("a blend needs one palette per weight")
    order = sorted(range(len(palettes)), key=lambda i: -weights[i])  # the heaviest style's values first
    sets: list[list[int]] = []
    set_weights: list[float] = []
    for p, w in zip(palettes, weights):
        own = [list(s) for s in p["instrument_sets"]]
        sets += own
        set_weights += [w / len(own)] * len(own)
    per_piece = [p.get("instruments_per_piece") or {} for p in palettes]
    rests = [p.get("part_rest_bars") or {} for p in palettes]
    densities = [p.get("notes_per_bar") or {} for p in palettes]
    caps = {key: max((int(p[key]) for p in palettes if isinstance(p.get(key), int)), default=None)
            for key in ("max_notes_per_onset", "max_notes_per_bar")}
    out: dict[str, Any] = {
        "format": FORMAT, "version": VERSION,
        "pieces": int(sum(int(p.get("pieces") or 0) for p in palettes)),
        "time_signatures": _union([palettes[i].get("time_signatures") or [] for i in order]),
        "tempos": sorted(_union([p.get("tempos") or [] for p in palettes]),
                         key=lambda k: float(k) if _is_number(k) else 0.0),  # as corpus_palette orders them
        "programs": sorted({int(v) for p in palettes for v in p.get("programs") or []}),
        "instrument_sets": sets,
        "instrument_set_weights": set_weights,
        "instruments_per_piece": {"min": min((r.get("min", 0) for r in per_piece), default=0),
                                  "median": float(sum(r.get("median", 0.0) * w for r, w in zip(per_piece, weights))),
                                  "max": max((r.get("max", 0) for r in per_piece), default=0)},
        "notes_per_bar": {"p50": float(sum(d.get("p50", 0.0) * w for d, w in zip(densities, weights))),
                          "p99": max((float(d.get("p99", 0.0)) for d in densities), default=0.0)},
        "bar_repeats": _weighted_repeats([p.get("bar_repeats") for p in palettes], weights),
    }
    out.update({k: v for k, v in caps.items() if v is not None})
    if any(rests):
        out["part_rest_bars"] = {q: max(float(r.get(q, 0.0)) for r in rests) for q in ("p50", "p90")}
    voices = {steady_voices(p) for p in palettes}
    if len(voices) == 1 and None not in voices:  # every style keeps the same count: so does the blend
        out["voices"] = {"count": voices.pop(), "share": min(float(p["voices"]["share"]) for p in palettes)}
    return out
