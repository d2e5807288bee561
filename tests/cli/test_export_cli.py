"""`jukebox export`: MusicXML (+ .mxl) and MIDI from a MIDI file."""

from __future__ import annotations

import zipfile

from jukebox_gui.cli import main
from jukebox_gui.core.music.midi_io import read_midi
from jukebox_gui.core.music.musicxml_check import validate_musicxml


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


def _titles(path):
    from xml.etree import ElementTree

    root = ElementTree.fromstring(path.read_bytes())
    return root.findtext("movement-title"), root.findtext("movement-number"), root.findtext("identification/creator")


def test_export_names_model_and_seed_from_the_take_report(tmp_path, midi_bytes):
    import json

    take = tmp_path / "take-3.mid"
    take.write_bytes(midi_bytes(program=40))
    (tmp_path / "take-3.json").write_text(json.dumps({
        "bundle": {"name": "irish", "path": "/x/resources/models/irish", "arch": "lstm", "preset": "laptop"},
        "seed": 3}))
    out = tmp_path / "take.musicxml"
    assert main(["export", str(take), "--musicxml", str(out), "--validate"]) == 0
    assert _titles(out) == ("AI Jukebox take (seed 3)", "Model builtin:irish (lstm, laptop preset) · seed 3", "AI Jukebox")


def test_export_titles_a_demo_tune_from_its_manifest_and_a_user_file_by_name(tmp_path, midi_bytes):
    import json

    tune = tmp_path / "The_Red_Haired_Girl.mid"
    tune.write_bytes(midi_bytes())
    (tmp_path / "manifest.json").write_text(json.dumps({"corpus": "irish", "files": [
        {"file": tune.name, "source": "oneills1850/0001-0050.abc#X13", "title": "The Red Haired Girl"}]}))
    out = tmp_path / "tune.musicxml"
    assert main(["export", str(tune), "--musicxml", str(out)]) == 0
    title, subtitle, composer = _titles(out)
    assert title == "The Red Haired Girl" and subtitle == "demo:irish · oneills1850/0001-0050.abc#X13"
    assert composer.startswith("Traditional")
    mine = tmp_path / "own" / "my_song_2.mid"
    mine.parent.mkdir()
    mine.write_bytes(midi_bytes())
    assert main(["export", str(mine), "--musicxml", str(tmp_path / "mine.musicxml")]) == 0
    assert _titles(tmp_path / "mine.musicxml") == ("my song 2", None, None)  # no "AI Jukebox" on a user's file
