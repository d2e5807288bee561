"""What a MusicXML page shows, counted: notes, written accidentals, key signatures, notes far
from their staff, metronome marks, titles. Works on any producer's file (ours, MuseScore's), so
the figures of issue 16 compare like with like after MuseScore has laid both out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.etree import ElementTree

from .spelling import STEPS, ledger_lines

FAR_LEDGER_LINES = 3  # "more than three ledger lines from the staff"


@dataclass
class PageFacts:
    notes: int = 0  # pitched note heads that start a sound (not tied continuations, not grace)
    accidentals: int = 0  # written accidental signs on pitched notes
    far_notes: int = 0  # pitched notes more than three ledger lines above or below their staff
    drum_notes: int = 0
    keys: list[int] = field(default_factory=list)  # fifths of every key signature, in order
    tempos: list[str] = field(default_factory=list)  # metronome <per-minute> texts
    sound_tempos: list[str] = field(default_factory=list)
    staves: int = 0
    title: str = ""
    subtitle: str = ""
    credits: list[str] = field(default_factory=list)

    @property
    def accidentals_per_note(self) -> float:
        return self.accidentals / self.notes if self.notes else 0.0

    @property
    def far_share(self) -> float:
        return self.far_notes / self.notes if self.notes else 0.0

    @property
    def first_key(self) -> int | None:
        return self.keys[0] if self.keys else None


def _clef_bottom(clef: ElementTree.Element) -> int | None:
    """Diatonic index of the bottom staff line for a <clef>; None for percussion/TAB."""
    sign = clef.findtext("sign", "G")
    line = int(clef.findtext("line", "2") or 2)
    octave = int(clef.findtext("clef-octave-change", "0") or 0)
    # the note on the clef's line: G4 (index 32), F3 (24), C4 (28)
    anchor = {"G": 4 * 7 + 4, "F": 3 * 7 + 3, "C": 4 * 7}.get(sign)
    if anchor is None:
        return None
    return anchor - 2 * (line - 1) + 7 * octave


def _far(index: int, bottom: int) -> bool:
    # ledger_lines works with a named clef; re-use it through the treble clef's geometry
    return ledger_lines(index - bottom + 30, "treble") > FAR_LEDGER_LINES


def page_facts(document: bytes) -> PageFacts:
    """Count what a MusicXML document (partwise) shows."""
    root = ElementTree.fromstring(document)
    facts = PageFacts(title=root.findtext("movement-title", "") or root.findtext("work/work-title", "") or "",
                      subtitle=root.findtext("movement-number", "") or root.findtext("work/work-number", "") or "")
    facts.credits = [w.text or "" for w in root.iter("credit-words")]
    for part in root.findall("part"):
        clefs: dict[str, int | None] = {"1": 30}
        first_key = True
        for measure in part.findall("measure"):
            for element in measure:
                if element.tag == "attributes":
                    staves = element.findtext("staves")
                    if staves and first_key:
                        facts.staves += int(staves) - 1
                    for clef in element.findall("clef"):
                        clefs[clef.get("number", "1")] = _clef_bottom(clef)
                    for key in element.findall("key"):
                        fifths = key.findtext("fifths")
                        if fifths is not None and (key.get("number") in (None, "1")):
                            facts.keys.append(int(fifths))
                elif element.tag == "direction":
                    facts.tempos += [m.findtext("per-minute", "") for m in element.iter("metronome")]
                    facts.sound_tempos += [s.get("tempo") for s in element.iter("sound") if s.get("tempo")]
                elif element.tag == "sound" and element.get("tempo"):
                    facts.sound_tempos.append(element.get("tempo"))
                elif element.tag == "note":
                    _count_note(element, clefs, facts)
            first_key = False
        facts.staves += 1
    return facts


def _count_note(note: ElementTree.Element, clefs: dict[str, int | None], facts: PageFacts) -> None:
    if note.find("rest") is not None or note.find("grace") is not None or note.find("cue") is not None:
        return
    if note.find("unpitched") is not None:
        ties = {t.get("type") for t in note.findall("tie")}
        if ties != {"stop"}:
            facts.drum_notes += 1
        return
    pitch = note.find("pitch")
    if pitch is None:
        return
    if note.find("accidental") is not None:
        facts.accidentals += 1
    ties = {t.get("type") for t in note.findall("tie")}
    if ties == {"stop"}:
        return
    facts.notes += 1
    bottom = clefs.get(note.findtext("staff", "1"), 30)
    if bottom is None:
        return
    index = int(pitch.findtext("octave", "4")) * 7 + STEPS.index(pitch.findtext("step", "C"))
    if _far(index, bottom):
        facts.far_notes += 1


def whole_numbers(values: list[str]) -> bool:
    """True when every value reads as a whole number ("120", "120.0"), and there is at least one."""
    try:
        return bool(values) and all(float(v) == int(float(v)) for v in values)
    except ValueError:
        return False
