"""`jukebox export`: MusicXML (+ .mxl) and MIDI from a MIDI file."""

from __future__ import annotations

import zipfile

from jukebox_gui.cli import main
from jukebox_gui.core.music.midi_io import read_midi
from jukebox_gui.core.music.musicxml import validate_musicxml


def test_export_musicxml_mxl_and_midi(tmp_path, midi_bytes, capsys):
    source = tmp_path / "in.mid"
    source.write_bytes(midi_bytes(program=73))
    xml, mxl, mid = tmp_path / "a.musicxml", tmp_path / "a.mxl", tmp_path / "a.mid"
    assert main(["export", str(source), "--musicxml", str(xml), "--midi", str(mid), "--validate"]) == 0
    assert main(["export", str(source), "--musicxml", str(mxl)]) == 0
    assert validate_musicxml(xml) == [] and validate_musicxml(mxl) == []
    assert zipfile.is_zipfile(mxl)
    back = read_midi(mid)
    assert [n.pitch for n in back.tracks[0].notes] == [60, 64, 67] and back.tracks[0].program == 73
    assert "valid MusicXML 4.0" in capsys.readouterr().out


def test_export_errors_exit_2(tmp_path, midi_bytes, capsys):
    source = tmp_path / "in.mid"
    source.write_bytes(midi_bytes())
    assert main(["export", str(source), "--musicxml", str(tmp_path / "a.pdf")]) == 2
    assert ".musicxml, .xml or .mxl" in capsys.readouterr().err
    garbage = tmp_path / "garbage.mid"
    garbage.write_text("not midi")
    assert main(["export", str(garbage), "--musicxml", str(tmp_path / "a.musicxml")]) == 2
    assert "no MThd header" in capsys.readouterr().err
    assert main(["export", str(source), "--musicxml", str(tmp_path / "a.musicxml"), "--grid", "5"]) == 2


def test_open_without_musescore_says_where_the_file_is(tmp_path, midi_bytes, capsys, monkeypatch):
    source = tmp_path / "in.mid"
    source.write_bytes(midi_bytes())
    monkeypatch.setenv("PATH", str(tmp_path))
    out = tmp_path / "a.musicxml"
    assert main(["export", str(source), "--musicxml", str(out), "--open"]) == 2
    assert f"MuseScore not found; the file is at {out}" in capsys.readouterr().err
    assert out.exists()
