"""A row of the Generate page's take list (``TakeEntry``) and the line a regenerated take's report
starts with (``infill_html``); split out of generate_page.py, which re-exports both."""

from __future__ import annotations

from typing import Any

from ...core.ml.generation import Take
from ...core.music.score import Score
from ...core.opened_takes import ORIGIN


class TakeEntry:
    """A row of the page's take list: the core's Take, its number, the settings and model that
    made it, and its audio once rendered."""

    def __init__(self, number: int, take: Take, settings: dict[str, Any], model: str) -> None:
        self.number, self.take, self.settings, self.model = number, take, settings, model
        self.audio: Any = None  # the mix, float32 [frames, 2] at SAMPLE_RATE, after "Render audio"
        self.stems: Any = None  # its core.audio.stems.StemRender (one stem per track), mixed live
        self.stored: Any = None  # its core.takes_store.StoredTake once kept on disk
        self.title: str | None = None  # a name before it is kept ("Take 3 · bars 5-8 v2")
        self.variants: list[TakeEntry] | None = None  # "Regenerate selection" variants not yet kept
        self.variant_index = 0  # the variant shown (1..N); 0: the take itself

    def shown(self) -> "TakeEntry":
        """What the page shows for this row: the variant being auditioned, or the take."""
        if self.variants and 0 < self.variant_index <= len(self.variants):
            return self.variants[self.variant_index - 1]
        return self

    @property
    def score(self) -> Score:
        return self.take.score

    @property
    def report(self) -> dict[str, Any]:
        return self.take.report

    @property
    def name(self) -> str:
        if self.stored is not None:
            return self.stored.name
        return self.title or f"Take {self.number}"

    @property
    def opened(self) -> bool:
        """A MIDI file opened as a take (File > Open…), not generated nor a variant regenerated from one."""
        return self.settings.get("origin") == ORIGIN and "regenerated" not in self.settings

    def label(self) -> str:
        score = self.score
        star = "★ " if self.stored is not None and self.stored.starred else ""
        made = "opened" if self.opened else f"seed {self.settings.get('seed')}"
        return f"{star}{self.name} · {made} · {score.note_count} notes · {score.duration_seconds:.0f} s"

    def tooltip(self) -> str:
        if self.opened:
            length = self.report.get("length") or {}
            return (f"Opened from {self.settings.get('source', '?')}\n"
                    f"{length.get('tracks', len(self.score.tracks))} instruments, {length.get('bars', '?')} bars")
        return (f"{self.settings.get('bars')} bars, temperature {self.settings.get('temperature')}, "
                f"top-p {self.settings.get('top_p')}, top-k {self.settings.get('top_k')}\nmodel {self.model}")


def infill_html(report: dict[str, Any]) -> str:
    """A line above a regenerated take's report: which bars are new, from what."""
    info = report.get("infill")
    if not isinstance(info, dict) or not isinstance(info.get("bars"), list) or len(info["bars"]) != 2:
        return ""
    first, last = info["bars"]
    bars = f"Bars {first}–{last}" if last > first else f"Bar {first}"
    context = info.get("context_bars") or {}
    return (f"<p><b>{bars} regenerated</b> (variant {info.get('variant', 1)} of {info.get('variants', 1)}, "
            f"{info.get('notes', 0)} new notes; the model read {context.get('before', 0)} bars before and "
            f"{context.get('after', 0)} after). Every other note is as it was; the figures below are "
            f"of the whole take with the new bars.</p>")

