"""MusicXML export of a Score through music21, and offline validation against the 4.0 XSD.

The Score is quantised first (``quantize``), then each staff is cut into segments at every onset
and end: a segment is a rest, a note or a chord, with ties where a note carries on. music21 then
makes measures and splits notes across bar lines with ties. Piano tracks become a grand staff
(split at middle C), drum tracks a percussion part with a percussion clef.
"""

from __future__ import annotations

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
from .quantize import check_divisions, quantize_score
from .score import Score, Track

MIDDLE_C = 60
MXL_MIMETYPE = b"application/vnd.recordare.musicxml"
CONTAINER_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<container><rootfiles><rootfile full-path="score.musicxml" '
    'media-type="application/vnd.recordare.musicxml+xml"/></rootfiles></container>\n'
)


def _segments(notes, total: int):
    """Cut grid-unit notes ``(start, end, pitch)`` into ``(start, end, [(pitch, tie)])`` spans."""
    cuts = sorted({0, total} | {s for s, _e, _p in notes} | {e for _s, e, _p in notes})
    spans = []
    for left, right in zip(cuts, cuts[1:]):
        sounding: dict[int, str | None] = {}
        for start, end, pitch in notes:
            if start <= left < end:
                tie = {(True, True): "continue", (True, False): "stop", (False, True): "start"}.get(
                    (start < left, end > right))
                sounding[pitch] = tie
        spans.append((left, right, sorted(sounding.items())))
    return spans


def _staff_notes(track: Track, divisions: int, keep) -> list[tuple[int, int, int]]:
    """Grid-unit ``(start, end, pitch)``; a re-struck pitch ends the earlier note, as in MIDI."""
    notes = sorted((round(n.start * divisions), round(n.end * divisions), n.pitch)
                   for n in track.notes if keep(n.pitch))
    last: dict[int, int] = {}
    for i, (start, end, pitch) in enumerate(notes):
        j = last.get(pitch)
        if j is not None and notes[j][1] > start:
            notes[j] = (notes[j][0], start, pitch)
        last[pitch] = i
    return [n for n in notes if n[1] > n[0]]


def _make_part(cls, notes, total: int, divisions: int, *, drum: bool, clef_obj, header) -> Any:
    from music21 import chord, note, tie  # noqa: PLC0415

    part = cls()
    for element in header():
        part.insert(element[0], element[1])
    part.insert(0, clef_obj)
    for left, right, sounding in _segments(notes, total):
        length = Fraction(right - left, divisions)
        if not sounding:
            element = note.Rest(quarterLength=length)
        else:
            members = []
            for pitch, tie_type in sounding:
                if drum:
                    member = note.Unpitched(quarterLength=length)
                    member.displayStep, member.displayOctave = _drum_display(pitch)
                    if pitch in _CYMBALS:
                        member.notehead = "x"
                else:
                    member = note.Note(pitch, quarterLength=length)
                if tie_type:
                    member.tie = tie.Tie(tie_type)
                members.append(member)
            if len(members) == 1:
                element = members[0]
            elif drum:
                from music21 import percussion  # noqa: PLC0415

                element = percussion.PercussionChord(members, quarterLength=length)
            else:
                element = chord.Chord(members, quarterLength=length)
        part.insert(Fraction(left, divisions), element)
    return part


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
    reader (MuseScore) should get back. Quantised; a re-struck pitch ends the earlier note."""
    q = quantize_score(score, divisions)
    out = []
    for track in q.tracks:
        if track.program in PIANO_PROGRAMS and not track.is_drum:
            staves = [lambda p: p >= MIDDLE_C, lambda p: p < MIDDLE_C]
        else:
            staves = [lambda p: True]
        for keep in staves:
            out += [(s / divisions, p, track.is_drum) for s, _e, p in _staff_notes(track, divisions, keep)]
    return sorted(out)


def score_to_music21(score: Score, *, divisions: int = 4) -> Any:
    """A music21 ``stream.Score`` for ``score`` (quantised to ``divisions`` steps per beat)."""
    from music21 import clef, instrument, key, layout, metadata, meter, stream, tempo  # noqa: PLC0415

    check_divisions(divisions)
    q = quantize_score(score, divisions)
    tracks = [t for t in q.tracks if t.notes]
    if not tracks:
        raise ExportError("nothing to export: the score has no notes")
    bars = q.bar_starts(q.end_beat)
    end_beat = max(q.end_beat, bars[-1] + q.time_signature_at(bars[-1]).bar_beats)
    total = round(end_beat * divisions)

    def header(first: bool):
        def items():
            out = [(Fraction(round(s.beat * divisions), divisions), meter.TimeSignature(f"{s.numerator}/{s.denominator}"))
                   for s in q.time_signatures]
            for k in q.key_signatures or []:
                sig = key.KeySignature(max(-7, min(7, k.sharps)))
                out.append((Fraction(round(k.beat * divisions), divisions), sig.asKey("minor" if k.minor else "major")))
            if first:
                out += [(Fraction(round(t.beat * divisions), divisions),
                         tempo.MetronomeMark(number=round(t.bpm, 2), referent=1.0)) for t in q.tempos]
            return out
        return items

    m21 = stream.Score()
    m21.metadata = metadata.Metadata(title=score.title or "AI Jukebox take", composer="AI Jukebox")
    first = True
    for index, track in enumerate(tracks):
        name = track.name or ("Drums" if track.is_drum else f"Track {index + 1}")
        if track.is_drum:
            inst = instrument.UnpitchedPercussion()
            inst.midiChannel = 9
            parts = [(_make_part(stream.Part, _staff_notes(track, divisions, lambda p: True), total, divisions,
                                 drum=True, clef_obj=clef.PercussionClef(), header=header(first)), inst)]
        elif track.program in PIANO_PROGRAMS:
            inst = instrument.instrumentFromMidiProgram(track.program)
            upper = _make_part(stream.PartStaff, _staff_notes(track, divisions, lambda p: p >= MIDDLE_C), total,
                               divisions, drum=False, clef_obj=clef.TrebleClef(), header=header(first))
            lower = _make_part(stream.PartStaff, _staff_notes(track, divisions, lambda p: p < MIDDLE_C), total,
                               divisions, drum=False, clef_obj=clef.BassClef(), header=header(False))
            twin = copy.deepcopy(inst)  # both staves name the same instrument (else a dangling IDREF)
            parts = [(upper, inst), (lower, twin)]
        else:
            inst = instrument.instrumentFromMidiProgram(track.program)
            pitches = [n.pitch for n in track.notes]
            low = sum(pitches) / len(pitches) < 55
            parts = [(_make_part(stream.Part, _staff_notes(track, divisions, lambda p: True), total, divisions,
                                 drum=False, clef_obj=clef.BassClef() if low else clef.TrebleClef(),
                                 header=header(first)), inst)]
        first = False
        for staff, (part, part_inst) in enumerate(parts):
            part.id = f"P{index + 1}" + (f"-{staff + 1}" if staff else "")
            part_inst.partName = name
            part_inst.instrumentId = f"P{index + 1}-I1"  # stable ids: same score, same file
            part_inst.partId = f"P{index + 1}"
            part.insert(0, part_inst)
            part.partName = name
            m21.insert(0, part)
        if len(parts) == 2:
            m21.insert(0, layout.StaffGroup([p for p, _i in parts], name=name, symbol="brace"))
    return m21


def musicxml_bytes(score: Score, *, divisions: int = 4) -> bytes:
    """The uncompressed MusicXML 4.0 document for ``score``."""
    from music21.musicxml.m21ToXml import GeneralObjectExporter  # noqa: PLC0415

    m21 = score_to_music21(score, divisions=divisions)
    try:
        return _fix_percussion(GeneralObjectExporter(m21).parse())
    except Exception as exc:  # music21 raises many types; report which note it choked on
        raise ExportError(f"music21 could not write MusicXML: {type(exc).__name__}: {exc}") from exc


def _sub(parent, tag: str, text: str) -> None:
    ElementTree.SubElement(parent, tag).text = text


def _fix_percussion(xml: bytes) -> bytes:
    """Give every drum sound of a percussion part its own instrument with ``midi-unpitched``.

    music21 knows one instrument per part, so MuseScore would play display positions as pitches;
    the staff position (unique per GM sound, see ``_drum_display``) tells which drum a note is.
    """
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


def export_musicxml(score: Score, path: str | os.PathLike, *, divisions: int = 4) -> Path:
    """Write ``.musicxml`` (or ``.xml``) or compressed ``.mxl`` atomically; returns the path."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".musicxml", ".xml", ".mxl"):
        raise ExportError(f"{target.name}: MusicXML files end in .musicxml, .xml or .mxl")
    xml = musicxml_bytes(score, divisions=divisions)
    atomic_write_bytes(target, mxl_bytes(xml) if suffix == ".mxl" else xml)
    return target


# ---- validation ------------------------------------------------------------------------------
_SCHEMA: Any = None


def _schema():
    global _SCHEMA
    if _SCHEMA is None:
        import musicxml as musicxml_pkg  # noqa: PLC0415 (the PyPI package that ships the XSD)
        import xmlschema  # noqa: PLC0415

        xsd = Path(musicxml_pkg.__file__).parent / "generate_classes" / "musicxml_4_0.xsd"
        bundled = Path(xmlschema.__file__).parent / "schemas"
        # the XSD imports xml.xsd and xlink.xsd from musicxml.org: map them to xmlschema's copies
        locations = {
            "http://www.w3.org/XML/1998/namespace": str(bundled / "XML" / "xml.xsd"),
            "http://www.w3.org/1999/xlink": str(bundled / "XLINK" / "xlink.xsd"),
        }
        _SCHEMA = xmlschema.XMLSchema(str(xsd), locations=locations, allow="local")
    return _SCHEMA


def read_musicxml_document(path: str | os.PathLike) -> bytes:
    """The score document of a ``.musicxml`` file or of a ``.mxl`` archive."""
    source = Path(path)
    try:
        if source.suffix.lower() != ".mxl":
            return source.read_bytes()
        with zipfile.ZipFile(source) as archive:
            container = ElementTree.fromstring(archive.read("META-INF/container.xml"))
            rootfile = container.find(".//rootfile")
            if rootfile is None or not rootfile.get("full-path"):
                raise ExportError(f"{source}: META-INF/container.xml names no score")
            return archive.read(rootfile.get("full-path"))
    except (OSError, KeyError, zipfile.BadZipFile, ValueError, ElementTree.ParseError) as exc:
        raise ExportError(f"cannot read MusicXML {source}: {exc}") from exc


def validate_musicxml(path: str | os.PathLike) -> list[str]:
    """Problems found by the MusicXML 4.0 XSD (offline); an empty list means valid."""
    import xmlschema  # noqa: PLC0415

    document = read_musicxml_document(path)
    try:
        resource = xmlschema.XMLResource(document, allow="none")
        return [f"{err.path}: {err.reason}" for err in _schema().iter_errors(resource)]
    except (xmlschema.XMLResourceError, ElementTree.ParseError) as exc:
        return [f"not well-formed XML: {exc}"]
