"""MusicXML export of a Score through music21 (``musicxml_check`` validates the files offline).

The Score is quantised (``quantize``), then ``notation.plan_layout`` (with ``spelling``) decides
key, staves, clefs, voices and pickup; here each voice is cut into spans at every onset, end and
bar line (a rest, a note or a chord, tied where a note carries on), each span into written values that show the
beat, and every note is spelled in its key and context (``spelling.spell_part``) with the
accidentals a reader needs, measure by measure. We build the measures ourselves and export without music21's ``makeNotation``, so
what the plan says is what the file holds. Drum tracks are a percussion part.
"""

from __future__ import annotations

import bisect
import copy
import io
import os
import zipfile
from fractions import Fraction
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from ..errors import ExportError
from ..fileio import atomic_write_bytes
from .gm_names import CYMBALS, GM_DRUMS, PIANO_PROGRAMS, drum_name  # noqa: F401 (re-exported)
from .notation import Bar, Layout, StaffPlan, beat_length, metronome, plan_layout, written_values
from .spelling import Key, key_alters, key_at, spell_part
from .quantize import check_divisions, quantize_score
from .score import Score

MIDDLE_C = 60
MXL_MIMETYPE = b"application/vnd.recordare.musicxml"
CONTAINER_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<container><rootfiles><rootfile full-path="score.musicxml" '
    'media-type="application/vnd.recordare.musicxml+xml"/></rootfiles></container>\n'
)
_TIES = {(True, True): "continue", (True, False): "stop", (False, True): "start"}


def _segments(notes, cuts_extra: list[int], total: int):
    """Cut grid-unit notes ``(start, end, pitch)`` into ``(start, end, [(pitch, from, to)])``
    spans (``from``/``to``: tied from the previous span / to the next one)."""
    cuts = sorted({0, total, *cuts_extra} | {s for s, _e, _p in notes} | {e for _s, e, _p in notes})
    cuts = [c for c in cuts if 0 <= c <= total]
    ordered = sorted(notes)
    spans = []
    j = 0
    active: list[tuple[int, int, int]] = []
    for left, right in zip(cuts, cuts[1:]):
        while j < len(ordered) and ordered[j][0] <= left:
            active.append(ordered[j])
            j += 1
        active = [n for n in active if n[1] > left]
        sounding = sorted((p, s < left, e > right) for s, e, p in active)
        spans.append((left, right, sounding))
    return spans


_STEPS = "CDEFGAB"
# staff positions (diatonic index = octave * 7 + step) for the usual kit, one sound per position
_KIT = {35: "E4", 36: "F4", 41: "G4", 43: "A4", 45: "B4", 38: "C5", 47: "D5", 48: "E5", 50: "F5",
        42: "G5", 49: "A5", 46: "B5", 51: "C6", 44: "D4", 37: "C4", 40: "B3", 39: "A3", 57: "D6", 53: "E6"}
_CYMBALS = CYMBALS


def _drum_positions() -> dict[int, int]:
    taken = {pitch: int(pos[1]) * 7 + _STEPS.index(pos[0]) for pos, pitch in ((v, k) for k, v in _KIT.items())}
    free = sorted(set(range(7 * 9)) - set(taken.values()), key=lambda i: (i > 7 * 4 + 1, -i))  # below A3 first
    for pitch in [*range(27, 88), *range(0, 27), *range(88, 128)]:  # GM/GM2 sounds get their own
        if pitch not in taken:
            taken[pitch] = free.pop(0) if free else 0
    return taken


DRUM_POSITION = _drum_positions()
POSITION_DRUM = {pos: pitch for pitch, pos in DRUM_POSITION.items()}


def _drum_display(pitch: int) -> tuple[str, int]:
    """Where a GM drum sits on a percussion staff: one sound per position, so it maps back."""
    pos = DRUM_POSITION[pitch]
    return _STEPS[pos % 7], pos // 7


def notated_notes(score: Score, *, divisions: int = 4) -> list[tuple[float, int, bool]]:
    """``(onset beat, pitch, is_drum)`` of every note the MusicXML will hold, sorted: what a
    reader (MuseScore) should get back. Quantised; a re-struck pitch ends the earlier note; a
    pickup bar moves everything earlier by the silence it cuts."""
    check_divisions(divisions)
    q = quantize_score(score, divisions)
    if not any(t.notes for t in q.tracks):
        return []
    layout = plan_layout(q, divisions, source=score)
    out = []
    for part in layout.parts:
        for staff in part.staves:
            for voice in staff.voices:
                out += [((s - layout.pickup) / divisions, p, part.is_drum) for s, _e, p in voice]
    return sorted(out)


def layout_of(score: Score, *, divisions: int = 4) -> Layout:
    """The notation plan ``musicxml_bytes`` follows (key, staves, clefs, voices, pickup)."""
    check_divisions(divisions)
    return plan_layout(quantize_score(score, divisions), divisions, source=score)


# ---- building music21 objects ----------------------------------------------------------------
def _clef(name: str) -> Any:
    from music21 import clef  # noqa: PLC0415

    if name == "percussion":
        return clef.PercussionClef()
    return {"treble": clef.TrebleClef, "bass": clef.BassClef, "treble8vb": clef.Treble8vbClef,
            "bass8vb": clef.Bass8vbClef, "treble8va": clef.Treble8vaClef}[name]()


def _note_start(voice_by_pitch: dict[int, list[tuple[int, int]]], pitch: int, at: int) -> int:
    """Start of the note of ``pitch`` sounding at ``at`` (the lists are sorted, not overlapping)."""
    spans = voice_by_pitch.get(pitch, [])
    i = bisect.bisect_right(spans, (at, float("inf"))) - 1
    return spans[i][0] if i >= 0 and spans[i][0] <= at < spans[i][1] else at


def _pitched(step: str, alter: int, octave: int, length: Fraction) -> Any:
    from music21 import note, pitch  # noqa: PLC0415

    p = pitch.Pitch(step=step, octave=octave)
    if alter:
        p.accidental = pitch.Accidental(alter)
    return note.Note(p, quarterLength=length)


def _span_elements(span, bar: Bar, layout: Layout, *, drum: bool, names, by_pitch) -> list[tuple[Fraction, Any]]:
    """Written elements ``(offset in the measure, element)`` for one span inside one bar."""
    from music21 import chord, note, percussion, tie  # noqa: PLC0415

    div = layout.divisions
    left, right, sounding = span
    beat = beat_length(bar.numerator, bar.denominator)
    bar_len = Fraction(bar.end - bar.start, div)
    if bar.start == 0 and layout.pickup:
        bar_len = Fraction(bar.numerator * 4, bar.denominator)  # positions as in a full bar
    pos = Fraction(left - bar.start, div)
    length = Fraction(right - left, div)
    content_start = max(bar.start, layout.pickup if bar.start == 0 else bar.start)
    offset0 = Fraction(left - content_start, div)
    pieces = written_values(pos, length, beat, bar_len, rest=not sounding, triplets=div % 3 == 0)
    out = []
    at = offset0
    for i, piece in enumerate(pieces):
        if not sounding:
            element = note.Rest(quarterLength=piece)
            if piece == bar_len and len(pieces) == 1 and pos == 0:
                element.fullMeasure = True
        else:
            members = []
            for pitch_number, from_prev, to_next in sounding:
                tie_type = _TIES.get((from_prev or i > 0, to_next or i < len(pieces) - 1))
                if drum:
                    member = note.Unpitched(quarterLength=piece)
                    member.displayStep, member.displayOctave = _drum_display(pitch_number)
                    if pitch_number in _CYMBALS:
                        member.notehead = "x"
                else:
                    start = _note_start(by_pitch, pitch_number, left)
                    step, alter, octave = names[(start, pitch_number)]
                    member = _pitched(step, alter, octave, piece)
                    member.editorial.jukebox_tied = from_prev or i > 0
                if tie_type:
                    member.tie = tie.Tie(tie_type)
                members.append(member)
            if len(members) == 1:
                element = members[0]
            elif drum:
                element = percussion.PercussionChord(members, quarterLength=piece)
            else:
                element = chord.Chord(members, quarterLength=piece)
        out.append((at, element))
        at += piece
    return out


def _mark_accidentals(measure_notes: list[tuple[Fraction, Any]], key: Key) -> None:
    """Show exactly the accidentals a reader needs in one measure of one staff: against the key
    signature and earlier accidentals on the same line and octave; none on tied continuations."""
    from music21 import pitch  # noqa: PLC0415

    alters = key_alters(key.sharps)
    state: dict[tuple[str, int], int] = {}
    for _offset, n in sorted(measure_notes, key=lambda pair: pair[0]):
        p = n.pitch
        alter = int(p.accidental.alter) if p.accidental is not None else 0
        current = state.get((p.step, p.octave), alters[p.step])
        if getattr(n.editorial, "jukebox_tied", False):
            if p.accidental is not None:
                p.accidental.displayStatus = False
            continue
        if alter != current:
            if p.accidental is None:
                p.accidental = pitch.Accidental("natural")
            p.accidental.displayStatus = True
        elif p.accidental is not None:
            p.accidental.displayStatus = False
        state[(p.step, p.octave)] = alter


def _staff_measures(staff: StaffPlan, layout: Layout, *, drum: bool, header: bool, names: dict) -> list[Any]:
    """Measures for one staff: clef, key and time signatures, tempo marks (``header``), voices;
    ``names``: the part's spelling, ``(start, pitch) -> (step, alter, octave)`` (``spell_part``)."""
    from music21 import bar as bar_module, key as m21key, meter, stream, tempo  # noqa: PLC0415

    div = layout.divisions
    edges = [b.start for b in layout.bars]
    voices = []
    for notes in staff.voices:
        spans = _segments(notes, edges, layout.total)
        by_pitch: dict[int, list[tuple[int, int]]] = {}
        for s, e, p in notes:
            by_pitch.setdefault(p, []).append((s, e))
        for spans_of_pitch in by_pitch.values():
            spans_of_pitch.sort()
        per_bar: dict[int, list] = {}
        for span in spans:
            per_bar.setdefault(bisect.bisect_right(edges, span[0]) - 1, []).append(span)
        busy = {i for s, e, _p in notes  # bars where this voice sounds
                for i in range(bisect.bisect_right(edges, s) - 1, bisect.bisect_right(edges, e - 1))}
        voices.append((per_bar, by_pitch, busy))
    measures = []
    previous_ts = None
    previous_key = None
    for bar_index, bar in enumerate(layout.bars):
        m = stream.Measure(number=bar.number)
        lo = max(bar.start, layout.pickup) if bar.start == 0 else bar.start
        if bar.start == 0 and layout.pickup:
            m.paddingLeft = float(Fraction(layout.pickup, div))
            m.showNumber = stream.enums.ShowNumber.NEVER
        if bar.start == 0:
            m.insert(0, _clef(staff.clef))
        ts = (bar.numerator, bar.denominator)
        if ts != previous_ts:
            m.insert(0, meter.TimeSignature(f"{bar.numerator}/{bar.denominator}"))
            previous_ts = ts
        k = key_at(layout.keys, bar.start)
        if not drum and k != previous_key and (previous_key is None or (k.sharps, k.minor) != (previous_key.sharps, previous_key.minor)):
            m.insert(0, m21key.KeySignature(k.sharps))
        previous_key = k
        if header:
            for at, bpm in layout.tempos:
                if lo <= max(at, layout.pickup) < bar.end or (bar is layout.bars[0] and at <= lo):
                    number, referent = metronome(bpm, bar.numerator, bar.denominator)
                    mark = tempo.MetronomeMark(number=number, referent=float(referent))
                    m.insert(float(Fraction(max(at, lo) - lo, div)), mark)
        written_voices = []
        for v, (per_bar, by_pitch, busy) in enumerate(voices):
            if v > 0 and bar_index not in busy:
                continue
            elements = []
            for span in per_bar.get(bar_index, ()):
                if span[0] >= lo and span[1] <= bar.end:
                    elements += _span_elements(span, bar, layout, drum=drum, names=names, by_pitch=by_pitch)
            written_voices.append(elements)
        if not drum:
            pitched = []
            for elements in written_voices:
                for offset, element in elements:
                    if element.isNote:
                        pitched.append((offset, element))
                    elif element.isChord:
                        pitched += [(offset, n) for n in element.notes]
            _mark_accidentals(pitched, k)
        if len(written_voices) == 1:
            for offset, element in written_voices[0]:
                m.insert(offset, element)
        else:
            for v, elements in enumerate(written_voices):
                voice = stream.Voice(id=str(v + 1))
                for offset, element in elements:
                    voice.insert(offset, element)
                m.insert(0, voice)
        _beam(m, written_voices)
        measures.append(m)
    if measures:
        measures[-1].rightBarline = bar_module.Barline("final")
    return measures


def _beam(m, written_voices) -> None:
    from music21.stream import makeNotation  # noqa: PLC0415

    targets = [m] if len(written_voices) == 1 else list(m.voices)
    for target in targets:
        try:
            makeNotation.makeTupletBrackets(target, inPlace=True)
        except Exception:  # noqa: BLE001 - music21 raises assorted errors on odd tuplets; brackets are cosmetic
            pass
    try:
        m.makeBeams(inPlace=True)
    except Exception:  # noqa: BLE001 - beams are cosmetic; an unbeamable measure stays flagged
        pass


def score_to_music21(score: Score, *, divisions: int = 4, subtitle: str = "", composer: str | None = None) -> Any:
    """A music21 ``stream.Score`` for ``score`` (quantised to ``divisions`` steps per beat).
    ``subtitle`` names model and seed (see ``score_titles``); ``composer`` None = "AI Jukebox"."""
    from music21 import instrument, layout as m21layout, metadata, stream  # noqa: PLC0415

    check_divisions(divisions)
    q = quantize_score(score, divisions)
    if not any(t.notes for t in q.tracks):
        raise ExportError("nothing to export: the score has no notes")
    plan = plan_layout(q, divisions, source=score)
    m21 = stream.Score()
    title = score.title or "AI Jukebox take"
    m21.metadata = metadata.Metadata(title=title)
    m21.metadata.movementName = title
    if composer is None or composer:
        m21.metadata.composer = "AI Jukebox" if composer is None else composer
    if subtitle:  # MuseScore 3 shows movement-title as the title and movement-number as the subtitle
        m21.metadata.movementNumber = subtitle
    first = True
    for index, part_plan in enumerate(plan.parts):
        if part_plan.is_drum:
            inst = instrument.UnpitchedPercussion()
            inst.midiChannel = 9
        else:
            inst = instrument.instrumentFromMidiProgram(part_plan.program)
        parts = []
        names = {} if part_plan.is_drum else spell_part(
            [voice for staff in part_plan.staves for voice in staff.voices], plan.keys, divisions,
            [b.start for b in plan.bars])
        for s, staff in enumerate(part_plan.staves):
            cls = stream.Part if len(part_plan.staves) == 1 else stream.PartStaff
            part = cls()
            part.append(_staff_measures(staff, plan, drum=part_plan.is_drum, header=first and s == 0, names=names))
            parts.append((part, inst if s == 0 else copy.deepcopy(inst)))  # both staves name it (IDREF)
        first = False
        for staff_index, (part, part_inst) in enumerate(parts):
            part.id = f"P{index + 1}" + (f"-{staff_index + 1}" if staff_index else "")
            part_inst.partName = part_plan.name
            part_inst.partAbbreviation = part_plan.name if len(part_plan.name) <= 5 else part_plan.name[:3] + "."
            part_inst.instrumentId = f"P{index + 1}-I1"  # stable ids: same score, same file
            part_inst.partId = f"P{index + 1}"
            part.getElementsByClass("Measure")[0].insert(0, part_inst)
            part.partName = part_plan.name
            m21.insert(0, part)
        if len(parts) == 2:
            m21.insert(0, m21layout.StaffGroup([p for p, _i in parts], name=part_plan.name, symbol="brace"))
    return m21


def musicxml_bytes(score: Score, *, divisions: int = 4, subtitle: str = "", composer: str | None = None,
                   form: dict | None = None) -> bytes:
    """The uncompressed MusicXML 4.0 document for ``score``; ``form`` (a take report's) writes its
    repeats as repeat barlines and endings and marks its sections (:mod:`.form_marks`)."""
    from music21.musicxml.m21ToXml import GeneralObjectExporter  # noqa: PLC0415

    from .form_marks import add_form_marks, written_form

    score, marks = written_form(score, form)
    m21 = score_to_music21(score, divisions=divisions, subtitle=subtitle, composer=composer)
    try:
        exporter = GeneralObjectExporter(m21)
        exporter.makeNotation = False
        xml = exporter.parse()
        if composer == "":  # music21 names itself the composer of a score without one
            xml = xml.replace(b'<creator type="composer">Music21</creator>', b"")
        return add_form_marks(_fix_percussion(xml), marks)
    except Exception as exc:  # music21 raises many types; report which note it choked on
        raise ExportError(f"music21 could not write MusicXML: {type(exc).__name__}: {exc}") from exc


def _sub(parent, tag: str, text: str) -> None:
    ElementTree.SubElement(parent, tag).text = text


def _fix_percussion(xml: bytes) -> bytes:
    """Give every drum sound of a percussion part its own instrument with ``midi-unpitched``.

    music21 knows one instrument per part, so MuseScore would play display positions as pitches;
    the staff position (unique per GM sound, see ``_drum_display``) tells which drum a note is.
    """
    if b"<unpitched>" not in xml:
        return xml
    root = ElementTree.fromstring(xml)
    changed = False
    for part in root.findall("part"):
        notes = [n for n in part.iter("note") if n.find("unpitched") is not None]
        if not notes:
            continue
        changed = True
        pid = part.get("id")
        used: set[int] = set()
        for note_el in notes:
            shown = note_el.find("unpitched")
            step, octave = shown.findtext("display-step", "C"), int(shown.findtext("display-octave", "4"))
            pitch = POSITION_DRUM.get(octave * 7 + _STEPS.index(step), 38)
            used.add(pitch)
            for old in note_el.findall("instrument"):
                note_el.remove(old)
            children = list(note_el)
            after = max(i for i, c in enumerate(children) if c.tag in ("unpitched", "duration", "tie"))
            inst = ElementTree.Element("instrument", id=f"{pid}-I{pitch + 1}")
            note_el.insert(after + 1, inst)
        score_part = root.find(f"part-list/score-part[@id='{pid}']")
        if score_part is None:
            continue
        for old in [c for c in score_part if c.tag in ("score-instrument", "midi-device", "midi-instrument")]:
            score_part.remove(old)
        heads = ("part-name", "part-name-display", "part-abbreviation", "part-abbreviation-display", "group")
        at = max((i for i, c in enumerate(score_part) if c.tag in heads), default=-1) + 1
        for offset, pitch in enumerate(sorted(used)):
            element = ElementTree.Element("score-instrument", id=f"{pid}-I{pitch + 1}")
            _sub(element, "instrument-name", drum_name(pitch))
            score_part.insert(at + offset, element)
        for pitch in sorted(used):
            midi = ElementTree.SubElement(score_part, "midi-instrument", id=f"{pid}-I{pitch + 1}")
            _sub(midi, "midi-channel", "10")
            _sub(midi, "midi-unpitched", str(pitch + 1))
    if not changed:
        return xml
    head = xml[: xml.index(b"<score-partwise")]  # keep the XML declaration and DOCTYPE
    return head + ElementTree.tostring(root, encoding="unicode").encode("utf-8")


def mxl_bytes(xml: bytes) -> bytes:
    """A compressed .mxl archive holding ``xml`` (mimetype first and stored, as the spec asks)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), MXL_MIMETYPE, compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/container.xml", CONTAINER_XML, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("score.musicxml", xml, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def export_musicxml(score: Score, path: str | os.PathLike, *, divisions: int = 4, subtitle: str = "",
                    composer: str | None = None, form: dict | None = None) -> Path:
    """Write ``.musicxml`` (or ``.xml``) or compressed ``.mxl`` atomically; returns the path."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".musicxml", ".xml", ".mxl"):
        raise ExportError(f"{target.name}: MusicXML files end in .musicxml, .xml or .mxl")
    xml = musicxml_bytes(score, divisions=divisions, subtitle=subtitle, composer=composer, form=form)
    atomic_write_bytes(target, mxl_bytes(xml) if suffix == ".mxl" else xml)
    return target
