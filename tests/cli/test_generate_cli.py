"""`jukebox generate` end to end, in process, on a tiny real bundle."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core" / "ml"))
from tiny_bundle import tiny_bundle  # noqa: E402

from jukebox_gui.cli import main  # noqa: E402

pytest.importorskip("tensorflow")


@pytest.fixture(scope="module")
def bundle_path(tmp_path_factory):
    return tiny_bundle(tmp_path_factory)


@pytest.mark.slow
def test_generate_writes_take_and_report(bundle_path, tmp_path, capsys):
    out = tmp_path / "take.mid"
    rc = main(["generate", str(bundle_path), "--out", str(out), "--bars", "4", "--seed", "5",
               "--temperature", "0.9", "--top-k", "40", "--top-p", "0.9", "--tempo", "120",
               "--report", str(tmp_path / "r.json")])
    assert rc == 0
    text = capsys.readouterr().out
    assert "seed 5" in text and "pitch_class_entropy" in text and "longest copy" in text
    assert out.read_bytes()[:4] == b"MThd"
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["settings"]["top_k"] == 40 and report["settings"]["tempo"] == 120
    again = tmp_path / "again.mid"
    assert main(["generate", str(bundle_path), "--out", str(again), "--bars", "4", "--seed", "5",
                 "--temperature", "0.9", "--top-k", "40", "--top-p", "0.9", "--tempo", "120", "--quiet"]) == 0
    assert again.read_bytes() == out.read_bytes()
    assert (tmp_path / "again.json").exists()


def test_generate_user_errors_exit_2(bundle_path, tmp_path, capsys):
    assert main(["generate", str(tmp_path / "nope"), "--out", str(tmp_path / "x.mid")]) == 2
    assert "error" in capsys.readouterr().err
    assert main(["generate", str(bundle_path), "--out", str(tmp_path / "x.mid"), "--temperature", "-2"]) == 2
    assert "temperature" in capsys.readouterr().err
    assert main(["generate", str(bundle_path), "--out", str(tmp_path / "x.mid"),
                 "--primer", str(tmp_path / "missing.mid")]) == 2
    assert "primer" in capsys.readouterr().err
    assert not (tmp_path / "x.mid").exists()


def test_generate_by_form(bundle_path, tmp_path, capsys):
    out = tmp_path / "form.mid"
    assert main(["generate", str(bundle_path), "--out", str(out), "--form", "AABB", "--section-bars", "2",
                 "--seed", "4", "--no-style-check"]) == 0
    report = json.loads(out.with_suffix(".json").read_text())
    assert [(s["name"], s["first_bar"], s["bars"], s["is_repeat"]) for s in report["form"]["sections"]] == [
        ("A", 0, 2, False), ("A", 2, 2, True), ("B", 4, 2, False), ("B", 6, 2, True)]
    assert "form: A(1-2) A*(3-4) B(5-6) B*(7-8)" in capsys.readouterr().out
    xml = tmp_path / "form.musicxml"
    assert main(["export", str(out), "--musicxml", str(xml), "--validate"]) == 0
    assert b"<rehearsal>B</rehearsal>" in xml.read_bytes() and b'<repeat direction="backward"' in xml.read_bytes()
    assert main(["generate", str(bundle_path), "--out", str(out), "--form", "A4 A2"]) == 2
