"""Title, subtitle and composer for a score page, from what lies beside a MIDI file.

A take's report (``TAKE.json`` beside ``TAKE.mid``, written by ``jukebox generate``) names the
model bundle and the seed; a demo corpus folder's ``manifest.json`` names each tune and where in
music21's corpus it came from. Any other MIDI file gets its file name as the title.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

DEMO_COMPOSERS = {"irish": "Traditional (O'Neill's Music of Ireland, 1850)", "bach": "J. S. Bach"}
TAKE_COMPOSER = "AI Jukebox"


@dataclass(frozen=True)
class ScoreTitles:
    title: str
    subtitle: str = ""
    composer: str = ""


def model_label(bundle: dict) -> str:
    """``builtin:irish`` for the built-in models, else the bundle's name (or folder)."""
    name = str(bundle.get("name") or Path(str(bundle.get("path", "model"))).name)
    path = str(bundle.get("path", "")).replace("\\", "/")
    return f"builtin:{name}" if "/resources/models/" in path else name


def take_subtitle(report: dict) -> str:
    """"Model builtin:irish (lstm, laptop preset) · seed 3" from a take's report."""
    bundle = report.get("bundle") or {}
    details = ", ".join(x for x in (str(bundle.get("arch") or ""),
                                    f"{bundle['preset']} preset" if bundle.get("preset") else "") if x)
    model = f"Model {model_label(bundle)}" + (f" ({details})" if details else "") if bundle else ""
    seed = f"seed {report['seed']}" if report.get("seed") is not None else ""
    return " · ".join(x for x in (model, seed) if x)


def _read_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def take_titles(report: dict | None) -> ScoreTitles | None:
    """Titles for a take from its report (``generate``'s, or a ``TAKE.json`` beside the MIDI
    file): "AI Jukebox take (seed 3)", the model and seed as subtitle; None when ``report`` names
    no model and seed. ``jukebox export`` and the window's export both title a take this way."""
    if not isinstance(report, dict) or "bundle" not in report or "seed" not in report:
        return None
    return ScoreTitles(f"AI Jukebox take (seed {report['seed']})", take_subtitle(report), TAKE_COMPOSER)


def describe_midi(path: str | os.PathLike) -> ScoreTitles:
    """Titles for the page of ``path``: from a take report, a demo manifest, or the file name."""
    source = Path(path)
    titles = take_titles(_read_json(source.with_suffix(".json")))
    if titles is not None:
        return titles
    manifest = _read_json(source.parent / "manifest.json")
    if manifest and isinstance(manifest.get("files"), list):
        for entry in manifest["files"]:
            if isinstance(entry, dict) and entry.get("file") == source.name:
                corpus = str(manifest.get("corpus", ""))
                subtitle = " · ".join(x for x in (f"demo:{corpus}" if corpus else "", str(entry.get("source", ""))) if x)
                return ScoreTitles(str(entry.get("title") or source.stem), subtitle, DEMO_COMPOSERS.get(corpus, ""))
    return ScoreTitles(source.stem.replace("_", " ").strip() or source.name)
