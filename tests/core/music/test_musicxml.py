"""MusicXML export: structure, XSD validity (offline), .mxl, atomic writes."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jukebox_gui.core.errors import ExportError
from jukebox_gui.core.music.musicxml import (
    export_musicxml, musicxml_bytes, notated_notes, read_musicxml_document, validate_musicxml,
)
from jukebox_gui.core.music.score import KeySignature, Note, Score, TempoChange, TimeSignature, Track


def band() -> Score:
    piano = Track(program=0, name="Piano", notes=[
        Note(0.0, 1.0, 72), Note(0.0, 1.0, 76), Note(0.0, 1.0, 48), Note(1.0, 0.5, 64), Note(1.5, 0.33, 76),
        Note(3.0, 2.0, 67),  # crosses the bar line at beat 4: a tie
        Note(2.0, 1.0, 52), Note(2.5, 1.0, 55),  # overlapping in the bass staff: two voices
    ])
    flute = Track(program=73, name="Flute", notes=[Note(i * 0.5, 0.5, 79 + i % 3) for i in range(24)])
    drums = Track(is_drum=True, name="Kit", notes=[Note(i * 0.5, 0.25, (36, 42, 38, 42)[i % 4]) for i in range(16)])
    return Score(tracks=[piano, flute, drums], tempos=[TempoChange(0, 96.0), TempoChange(4.0, 120.0)],
                 time_signatures=[TimeSignature(0, 4, 4), TimeSignature(8.0, 3, 4)],
                 key_signatures=[KeySignature(0, 2, False)], title="Band")


def _root(path: Path) -> ElementTree.Element:
    return ElementTree.fromstring(read_musicxml_document(path))


def test_band_export_validates_and_has_the_structure(tmp_path):
    path = export_musicxml(band(), tmp_path / "band.musicxml")
    assert validate_musicxml(path) == []
    root = _root(path)
    parts = root.findall("part")
    assert len(parts) == 3  # piano (grand staff), flute, drums
    names = [sp.findtext("part-name") for sp in root.iter("score-part")]
    assert names == ["Piano", "Flute", "Kit"]
    assert parts[0].find(".//staves").text == "2"
    assert {c.findtext("sign") for c in parts[0].iter("clef")} == {"G", "F"}
    assert parts[2].find(".//clef/sign").text == "percussion"
    assert parts[2].find(".//unpitched") is not None
    unpitched = {mi.findtext("midi-unpitched") for mi in root.iter("midi-instrument") if mi.find("midi-unpitched") is not None}
    assert unpitched == {"37", "39", "43"}  # GM 36, 38, 42, one-based in MusicXML
    assert root.find(".//key/fifths").text == "2"
    assert [s.get("tempo") for s in root.iter("sound") if s.get("tempo")][:2] == ["96", "120"]
    assert {(t.findtext("beats"), t.findtext("beat-type")) for t in root.iter("time")} == {("4", "4"), ("3", "4")}
    assert root.find(".//tie[@type='start']") is not None and root.find(".//tie[@type='stop']") is not None
    assert root.find(".//chord") is not None


def test_mxl_is_a_valid_compressed_archive(tmp_path):
    path = export_musicxml(band(), tmp_path / "band.mxl")
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist()[0] == "mimetype"
        assert archive.read("mimetype") == b"application/vnd.recordare.musicxml"
        assert archive.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
    assert validate_musicxml(path) == []
    assert read_musicxml_document(path) == musicxml_bytes(band())


def test_validation_finds_real_problems(tmp_path):
    good = export_musicxml(band(), tmp_path / "ok.musicxml").read_text()
    broken = tmp_path / "broken.musicxml"
    broken.write_text(good.replace("<divisions>", "<divisionz>").replace("</divisions>", "</divisionz>"))
    assert validate_musicxml(broken)
    garbage = tmp_path / "garbage.musicxml"
    garbage.write_text("<score-partwise><oops")
    assert validate_musicxml(garbage)[0].startswith("not well-formed")


def test_export_is_deterministic():
    assert musicxml_bytes(band()) == musicxml_bytes(band())


def test_bad_suffix_and_empty_score_keep_the_previous_file(tmp_path):
    target = tmp_path / "take.musicxml"
    target.write_text("previous")
    with pytest.raises(ExportError, match="no notes"):
        export_musicxml(Score(), target)
    assert target.read_text() == "previous"
    with pytest.raises(ExportError, match=".musicxml, .xml or .mxl"):
        export_musicxml(band(), tmp_path / "take.pdf")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportError):
        export_musicxml(band(), blocker / "take.musicxml")


def test_notated_notes_is_what_the_file_holds(tmp_path):
    path = export_musicxml(band(), tmp_path / "band.musicxml")
    root = _root(path)
    count = sum(1 for n in root.iter("note") if n.find("rest") is None
                and not any(t.get("type") == "stop" for t in n.findall("tie")))
    assert count == len(notated_notes(band()))


def test_real_midi_files_validate(real_midi_files, tmp_path):
    from jukebox_gui.core.music.midi_io import read_midi

    for source in [p for p in real_midi_files if p.name in ("test02.mid", "test06.mid", "test10.mid", "test14.mid")]:
        path = export_musicxml(read_midi(source), tmp_path / f"{source.stem}.musicxml")
        assert validate_musicxml(path) == [], source.name


@settings(max_examples=15, deadline=None)
@given(notes=st.lists(st.builds(Note, start=st.floats(0, 16, allow_nan=False),
                                duration=st.floats(0.01, 6, allow_nan=False),
                                pitch=st.integers(21, 108), velocity=st.just(80)), min_size=1, max_size=25),
       program=st.sampled_from([0, 40, 73]), divisions=st.sampled_from([4, 12]))
def test_any_unquantised_score_exports_valid_musicxml(tmp_path_factory, notes, program, divisions):
    path = tmp_path_factory.mktemp("hyp") / "x.musicxml"
    export_musicxml(Score(tracks=[Track(program=program, notes=notes)]), path, divisions=divisions)
    assert validate_musicxml(path) == []
