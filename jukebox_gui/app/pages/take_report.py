"""A take's report as HTML for the Generate page: metrics against the corpus range (p10..p90)
and the originality check (the longest stretch copied from the corpus).

The report comes from the core (a dataclass or a dict); unknown parts are shown as plain
key/value rows rather than dropped.
"""

from __future__ import annotations

import dataclasses
import html
from typing import Any, Mapping

from ..style import ERROR_COLOR, OK_COLOR, WARNING_COLOR

METRIC_KEYS = ("metrics", "take_metrics")
PROFILE_KEYS = ("profile", "corpus_profile", "corpus_range", "corpus")
VERDICT_KEYS = ("verdicts", "comparison", "vs_corpus")
COPY_KEYS = ("originality", "copy", "longest_copy")
HIDDEN_KEYS = {"settings", "bundle", "guards"}  # long and technical: in the saved report, not here


def _as_dict(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if hasattr(value, "to_dict"):
        try:
            return value.to_dict()
        except TypeError:
            return value
    return value


def _pick(report: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if key in report and report[key] is not None:
            return report[key]
    return None


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return html.escape(str(value))


def _label(name: str) -> str:
    return html.escape(name.replace("_", " "))


def metrics_table(metrics: Mapping[str, float], profile: Mapping[str, Any] | None,
                  verdicts: Mapping[str, str] | None) -> str:
    rows = []
    for name, value in metrics.items():
        band = (profile or {}).get(name) if isinstance(profile, Mapping) else None
        band = _as_dict(band)
        if isinstance(band, Mapping) and "p10" in band:
            span = f"{_fmt(band['p10'])} – {_fmt(band['p90'])}"
        elif isinstance(band, (list, tuple)) and len(band) == 2:
            span = f"{_fmt(band[0])} – {_fmt(band[1])}"
        else:
            span = ""
        verdict = (verdicts or {}).get(name, "")
        if not verdict and isinstance(band, Mapping) and "p10" in band and isinstance(value, (int, float)):
            verdict = "low" if value < band["p10"] else "high" if value > band["p90"] else "in range"
        colour = OK_COLOR if verdict == "in range" else WARNING_COLOR
        mark = f"<span style='color:{colour}'>{'✓' if verdict == 'in range' else '⚠'} {verdict}</span>" \
            if verdict else ""
        rows.append(f"<tr><td>{_label(name)}</td><td align='right'>{_fmt(value)}</td>"
                    f"<td align='center'>{span}</td><td>{mark}</td></tr>")
    head = "<tr><th align='left'>Metric</th><th>Take</th><th>Corpus (10th–90th %)</th><th></th></tr>"
    return f"<table cellspacing='0' cellpadding='3'>{head}{''.join(rows)}</table>"


def originality_html(copy: Any) -> str:
    copy = _as_dict(copy)
    if isinstance(copy, Mapping) and copy.get("checked") is False:
        return "<p><i>Not checked: this model carries no index of its corpus.</i></p>"
    if isinstance(copy, Mapping) and "message" in copy and "ok" in copy:
        colour = OK_COLOR if copy["ok"] else ERROR_COLOR
        mark = "✓" if copy["ok"] else "⚠"
        limit = copy.get("limit_bars")
        extra = f" (limit {float(limit):g} bars)" if limit is not None else ""
        return f"<p style='color:{colour}'>{mark} Longest copy from the corpus: {html.escape(str(copy['message']))}{extra}</p>"
    if isinstance(copy, Mapping):
        notes = int(copy.get("notes", 0) or 0)
        bars = float(copy.get("bars", 0.0) or 0.0)
        source = copy.get("source")
        if not notes or not source:
            return f"<p style='color:{OK_COLOR}'>✓ Original: no copied stretch from the corpus found.</p>"
        colour = ERROR_COLOR if bars >= 4 else WARNING_COLOR if bars >= 2 else OK_COLOR
        start = int(float(copy.get("source_bar_start", 0))) + 1
        return (f"<p style='color:{colour}'>Longest copy: {notes} notes ({bars:.1f} bars) from "
                f"<i>{html.escape(str(source))}</i>, bar {start}.</p>")
    return f"<p>{html.escape(str(copy))}</p>"


def style_html(style: Mapping[str, Any], attempts: Any) -> str:
    """The style check: did the take's key metrics stay near the corpus's 10th-90th range (a take
    is regenerated only when one is well outside it, as few of the corpus's own pieces are)?"""
    if not style.get("checked"):
        return "<p><i>Style not checked: this model carries no corpus metrics.</i></p>"
    tries = f" ({int(attempts)} attempts)" if isinstance(attempts, (int, float)) and attempts > 1 else ""
    if style.get("ok"):
        return (f"<p style='color:{OK_COLOR}'>✓ In the style of the corpus{tries}: no style metric "
                f"far outside the corpus's range.</p>")
    names = ", ".join(_label(str(n)) for n in style.get("out_of_range", []))
    return f"<p style='color:{WARNING_COLOR}'>⚠ Far outside the corpus range: {html.escape(names)}{tries}.</p>"


def model_melody_html(melody: Mapping[str, Any]) -> str:
    """Whether the model predicts pitches from the melody so far better than a simple n-gram does."""
    state = str(melody.get("state", ""))
    text = html.escape(str(melody.get("verdict", state)))
    if state == "learned melody":
        return f"<p style='color:{OK_COLOR}'>✓ {text}</p>"
    if state == "still learning melody":
        return (f"<p style='color:{WARNING_COLOR}'>⚠ {text}. Its tunes may wander: train it longer or on more "
                "music.</p>")
    return f"<p><i>{text}</i></p>"


def _generic(report: Mapping[str, Any], skip: set[str]) -> str:
    rows = []
    for key, value in report.items():
        if key in skip:
            continue
        value = _as_dict(value)
        if isinstance(value, Mapping):
            inner = ", ".join(f"{_label(str(k))}: {_fmt(v)}" for k, v in list(value.items())[:12])
            rows.append(f"<tr><td><b>{_label(str(key))}</b></td><td>{inner}</td></tr>")
        elif isinstance(value, (list, tuple)) and len(value) > 12:
            rows.append(f"<tr><td><b>{_label(str(key))}</b></td><td>{len(value)} items</td></tr>")
        else:
            rows.append(f"<tr><td><b>{_label(str(key))}</b></td><td>{_fmt(value)}</td></tr>")
    return f"<table cellpadding='2'>{''.join(rows)}</table>" if rows else ""


def _bars(n: int) -> str:
    return f"{n} bar" if n == 1 else f"{n} bars"


def _made(index: int, s: Mapping[str, Any]) -> str:
    """How one section was made, as HTML (``made``: continued, filled or copied; older takes lack it)."""
    made, bars = s.get("made"), int(s.get("bars", 0) or 0)
    if made is None:  # a take of an older version
        return ("repeat, new last bar" if s.get("varied_bars") else "exact repeat") if s.get("is_repeat") else "new"
    if made == "copied":
        of = s.get("repeat_of")
        text = f"copy of section {int(of) + 1}" if isinstance(of, (int, float)) else "copy of an earlier section"
        varied = s.get("varied_bars") or []
        if varied:
            text += ", new last bar" if list(varied) == [bars - 1] else f", {_bars(len(varied))} new"
        return text
    if made == "filled":
        filled = int(s.get("filled_bars", bars) or bars)
        if filled < bars:
            return f"new: continued, then its last {_bars(filled)} filled between its neighbours"
        return "new: filled between its neighbours"
    opening = index == 0 and int(s.get("first_bar", 0) or 0) == 0
    text = "new: the opening" if opening else "new: continued from the bars before"
    note = str(s.get("fill_note") or "")
    if note:  # a model that cannot fill at all: said once, under the table (fill_message)
        why = "" if note.startswith("this model cannot fill") else f": {html.escape(note)}"
        text += f" <span style='color:{WARNING_COLOR}'>(not filled{why})</span>"
    return text


def form_html(form: Mapping[str, Any]) -> str:
    """A form take's sections: name, bars (1-based) and how each was made (continued from the
    music before it, filled between its neighbours, or a copy of an earlier one), and, when
    filling was asked for, why it was not done (``fill_message``)."""
    rows = []
    for index, s in enumerate(form.get("sections") or []):
        if not isinstance(s, Mapping):
            continue
        first, bars = int(s.get("first_bar", 0)), int(s.get("bars", 0))
        rows.append(f"<tr><td><b>{html.escape(str(s.get('name', '')))}</b></td>"
                    f"<td>bars {first + 1}–{first + bars}</td><td>{_made(index, s)}</td></tr>")
    message = form.get("fill_message")
    warning = f"<p style='color:{WARNING_COLOR}'>⚠ {html.escape(str(message))}</p>" if message else ""
    return (f"<p>{html.escape(str(form.get('form', '')))}</p>"
            f"<table cellpadding='2'>{''.join(rows)}</table>{warning}")


def report_html(report: Any) -> str:
    report = _as_dict(report)
    if report is None:
        return "<p><i>No report for this take.</i></p>"
    if not isinstance(report, Mapping):
        return f"<p>{html.escape(str(report))}</p>"
    parts = []
    metrics = _as_dict(_pick(report, METRIC_KEYS))
    used: set[str] = set()
    if isinstance(metrics, Mapping) and metrics:
        profile = _as_dict(_pick(report, PROFILE_KEYS))
        verdicts = _as_dict(_pick(report, VERDICT_KEYS))
        parts.append("<h4>Compared with the corpus</h4>")
        parts.append(metrics_table(metrics, profile if isinstance(profile, Mapping) else None,
                                   verdicts if isinstance(verdicts, Mapping) else None))
        used |= set(METRIC_KEYS) | set(PROFILE_KEYS) | set(VERDICT_KEYS)
    style = _as_dict(report.get("style"))
    if isinstance(style, Mapping):
        parts.insert(0, "<h4>Style</h4>" + style_html(style, report.get("attempts_made")))
        used.add("style")
    copy = _pick(report, COPY_KEYS)
    if copy is not None:
        parts.insert(0, "<h4>Originality</h4>" + originality_html(copy))
        used |= set(COPY_KEYS)
    form = _as_dict(report.get("form"))
    if isinstance(form, Mapping) and isinstance(form.get("sections"), list):
        parts.insert(0, "<h4>Form</h4>" + form_html(form))
        used.add("form")
    melody = _as_dict((_as_dict(report.get("bundle")) or {}).get("melody"))
    if isinstance(melody, Mapping) and melody.get("state"):
        parts.insert(0, "<h4>Model</h4>" + model_melody_html(melody))
    rest = _generic(report, used | HIDDEN_KEYS)
    if rest:
        parts.append("<h4>Details</h4>" + rest)
    return "".join(parts)
