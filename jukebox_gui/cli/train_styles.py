"""`jukebox train` with several corpora: one model of several styles (core.data.styles)."""

from __future__ import annotations

import json
from pathlib import Path


def corpus_source(corpora: list[str]):
    """One folder as before (a plain path: the same tokenizer and bundle as ever), several as a list
    of style sources (``NAME=FOLDER``, ``demo:NAME`` or ``FOLDER``), checked here."""
    from ..core.data.styles import parse_source, parse_sources

    if len(corpora) == 1:
        return parse_source(corpora[0]).source
    return parse_sources(corpora)


def style_lines(bundle: Path) -> list[str]:
    """One line per style: files, notes, share of training windows, held-out pitch loss."""
    try:
        training = json.loads((Path(bundle) / "training.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    styles = (training.get("styles") or {}).get("styles") or {}
    melody = ((training.get("melody") or {}).get("styles")) or {}
    lines = [f"styles: {len(styles)} (training windows drawn as (windows ** "
             f"{training['styles'].get('balance', 0.5):g}), so a small style is not drowned)"] if styles else []
    for name, row in styles.items():
        pitch = (melody.get(name) or {}).get("pitch_nll")
        ngram = (melody.get(name) or {}).get("pitch_ngram_nll")
        nll = f", held-out pitch {pitch:.2f} nats (n-gram {ngram:.2f})" if pitch is not None and ngram else ""
        lines.append(f"  {name}: {row.get('files', 0)} files, {row.get('notes', 0):,} notes, "
                     f"{row.get('share', 0):.0%} of training windows (corpus share {row.get('natural_share', 0):.0%})"
                     f"{nll}  [{row.get('source', '')}]")
    return lines
