"""A take's song form in its score: rehearsal marks, repeat barlines, first and second endings.

``form`` is a take report's ``form`` entry (core.ml.form): sections with ``name``, ``first_bar``
(0-based bar of the take), ``bars``, ``is_repeat``, ``repeat_of`` and ``varied_bars``.

:func:`written_form` chooses the bars a score writes. A repeat that directly follows the section it
repeats is not written out when it is exact (the original gets repeat barlines) or when only its
last bar differs (the original's last bar becomes a first ending, the repeat's last bar a second
ending); any other repeat is written out in full. Every written section start gets a rehearsal
mark with the section's name. The notes of the chosen bars are moved together into a new Score
(a note that would sound on into a bar that is not written next is cut at its bar's end).

:func:`add_form_marks` then writes the marks into the MusicXML document (measure ``i`` of every
part is written bar ``i``): ``<rehearsal>`` in the first part, ``<barline>`` with ``<repeat>`` and
``<ending>`` in every part.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from xml.etree import ElementTree

from .score import Score, TempoChange


@dataclass
class BarMarks:
    """What written bar ``i`` carries."""

    take_bar: int
    rehearsal: str = ""
    repeat_start: bool = False
    repeat_end: bool = False
    ending: int = 0  # 1 or 2: this bar is that ending (one bar long)
    extra: dict = field(default_factory=dict)


def _sections(form: dict | None) -> list[dict]:
    sections = (form or {}).get("sections") if isinstance(form, dict) else None
    return [s for s in sections if isinstance(s, dict)] if isinstance(sections, list) else []


def written_bars(form: dict | None, total_bars: int) -> list[BarMarks]:
    """The take's bars in the order a score writes them, with their marks (module docstring)."""
    sections = _sections(form)
    if not sections:
        return [BarMarks(b) for b in range(total_bars)]
    marks = [BarMarks(b) for b in range(min(total_bars, int(sections[0]["first_bar"])))]  # a primer
    written_at: dict[int, int] = {}  # section index -> index in marks of its first written bar
    for i, s in enumerate(sections):
        first, bars = int(s["first_bar"]), int(s["bars"])
        varied = list(s.get("varied_bars") or [])
        original = s.get("repeat_of")
        follows = (s.get("is_repeat") and original == i - 1 and original in written_at
                   and int(sections[original]["bars"]) == bars)
        if follows and not varied:
            start = written_at[original]
            marks[start].repeat_start = True
            marks[start + bars - 1].repeat_end = True
            continue
        if follows and bars >= 2 and varied == [bars - 1]:
            start = written_at[original]
            marks[start].repeat_start = True
            marks[start + bars - 1].repeat_end = True
            marks[start + bars - 1].ending = 1
            marks.append(BarMarks(first + bars - 1, ending=2))
            continue
        written_at[i] = len(marks)
        marks.extend(BarMarks(b) for b in range(first, first + bars))
        if bars:
            marks[written_at[i]].rehearsal = str(s.get("name", ""))
    return [m for m in marks if m.take_bar < total_bars]


def written_form(score: Score, form: dict | None) -> tuple[Score, list[BarMarks]]:
    """``score`` as written with ``form`` (its bars chosen and moved together) and the marks."""
    sections = _sections(form)
    if not sections:
        return score, []
    total = max(int(s["first_bar"]) + int(s["bars"]) for s in sections)
    starts = score.bar_starts(score.end_beat + 1e-6)
    while len(starts) < total + 1:  # bar lines past the last note (empty closing bars)
        starts.append(starts[-1] + score.time_signature_at(starts[-1]).bar_beats)
    marks = written_bars(form, total)
    at, tracks = 0.0, [replace(t, notes=[]) for t in score.tracks]
    sigs, tempos = [], []
    for k, mark in enumerate(marks):
        lo, hi = starts[mark.take_bar], starts[mark.take_bar + 1]
        joined = k + 1 < len(marks) and marks[k + 1].take_bar == mark.take_bar + 1
        for track, out in zip(score.tracks, tracks):
            for n in track.notes:
                if lo <= n.start < hi:
                    duration = n.duration if joined else min(n.duration, hi - n.start)
                    out.notes.append(replace(n, start=at + n.start - lo, duration=duration))
        sig = score.time_signature_at(lo)
        if not sigs or (sigs[-1].numerator, sigs[-1].denominator) != (sig.numerator, sig.denominator):
            sigs.append(replace(sig, beat=at))
        bpm = score.tempo_at(lo)
        if not tempos or abs(tempos[-1].bpm - bpm) > 1e-6:
            tempos.append(TempoChange(at, bpm))
        at += hi - lo
    written = replace(score, tracks=[t for t in tracks if t.notes] or tracks, time_signatures=sigs,
                      tempos=tempos or score.tempos, key_signatures=[])
    return written, marks


# ---- the MusicXML document -----------------------------------------------------------------------
def _barline(location: str, style: str, *, ending: tuple[int, str] | None = None,
             repeat: str | None = None) -> ElementTree.Element:
    line = ElementTree.Element("barline", location=location)
    ElementTree.SubElement(line, "bar-style").text = style
    if ending is not None:
        ElementTree.SubElement(line, "ending", number=str(ending[0]), type=ending[1]).text = f"{ending[0]}."
    if repeat is not None:
        ElementTree.SubElement(line, "repeat", direction=repeat)
    return line


def _rehearsal(name: str) -> ElementTree.Element:
    direction = ElementTree.Element("direction", placement="above")
    kind = ElementTree.SubElement(direction, "direction-type")
    ElementTree.SubElement(kind, "rehearsal").text = name
    return direction


def add_form_marks(xml: bytes, marks: list[BarMarks]) -> bytes:
    """``xml`` with the form's rehearsal marks, repeat barlines and endings (module docstring)."""
    if not marks or not any(m.rehearsal or m.repeat_start or m.repeat_end or m.ending for m in marks):
        return xml
    root = ElementTree.fromstring(xml)
    for p, part in enumerate(root.findall("part")):
        for mark, measure in zip(marks, part.findall("measure")):
            if mark.rehearsal and p == 0:
                children = list(measure)
                at = next((i for i, c in enumerate(children) if c.tag not in ("print", "attributes", "barline")),
                          len(children))
                measure.insert(at, _rehearsal(mark.rehearsal))
            if mark.repeat_start or mark.ending:
                measure.insert(0, _barline("left", "heavy-light" if mark.repeat_start else "regular",
                                           ending=(mark.ending, "start") if mark.ending else None,
                                           repeat="forward" if mark.repeat_start else None))
            if mark.repeat_end or mark.ending:
                for old in measure.findall("barline[@location='right']"):
                    measure.remove(old)
                stop = "discontinue" if mark.ending == 2 else "stop"
                final = mark.repeat_end or mark is marks[-1]
                measure.append(_barline("right", "light-heavy" if final else "regular",
                                        ending=(mark.ending, stop) if mark.ending else None,
                                        repeat="backward" if mark.repeat_end else None))
    head = xml[: xml.index(b"<score-partwise")]  # keep the XML declaration and DOCTYPE
    return head + ElementTree.tostring(root, encoding="unicode").encode("utf-8")


def form_beside(midi_path: str | os.PathLike) -> dict | None:
    """The ``form`` of the take report beside a MIDI file (``TAKE.json``), None without one."""
    try:
        report = json.loads(Path(midi_path).with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    form = report.get("form") if isinstance(report, dict) else None
    return form if _sections(form) else None
