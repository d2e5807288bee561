"""`jukebox scan A B`: several sources, each a style (the specs `jukebox train A B` takes): a line
of figures per style and a total, the files not used labelled with their style (real scans of
small real MIDI folders)."""

from __future__ import annotations

import json
import re

import pytest

from jukebox_gui.cli import main


@pytest.fixture
def folders(tmp_path, real_midi_files, midi_bytes):
    """``reels``: 3 real MIDI files and a text file; ``Slow Airs``: 2 small piano tunes."""
    reels, airs = tmp_path / "reels", tmp_path / "Slow Airs"
    reels.mkdir()
    airs.mkdir()
    for p in real_midi_files[:3]:
        (reels / p.name).write_bytes(p.read_bytes())
    (reels / "junk.mid").write_text("not midi")
    for i in range(2):
        (airs / f"air{i}.mid").write_bytes(midi_bytes([(50 + i + k % 5, k * 480, 480) for k in range(8)]))
    return reels, airs


def _table(out: str) -> dict[str, list[str]]:
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("style "))
    rows = {}
    for line in lines[start + 1:]:
        if not line.strip() or line.startswith("time "):
            break
        cells = re.split(r"\s{2,}", line.strip())
        rows[cells[0]] = cells[1:]
    return rows


def test_several_sources_print_a_line_per_style_and_a_total(folders, isolated_home, capsys, tmp_path):
    reels, airs = folders
    report = tmp_path / "styles.json"
    code = main(["scan", f"fiddle={reels}", str(airs), "--workers", "1", "--json", str(report)])
    out = capsys.readouterr().out
    assert code == 0
    rows = _table(out)
    assert list(rows) == ["fiddle", "Slow-Airs", "total"]  # the second named after its folder
    assert [r[:3] for r in rows.values()] == [["4", "3", "1"], ["2", "2", "0"], ["6", "5", "1"]]
    assert rows["Slow-Airs"][3] == "16"  # notes
    assert rows["Slow-Airs"][-1].startswith("Acoustic Grand Piano ×2")
    assert rows["Slow-Airs"][-2] == "4/4"  # the most common time signature
    assert f"  fiddle: {reels / 'junk.mid'}: a text file, not a MIDI file" in out
    data = json.loads(report.read_text())
    assert [s["name"] for s in data["styles"]] == ["fiddle", "Slow-Airs"]
    assert data["total"]["ok"] == 5 and data["styles"][0]["report"]["stats"]["ok"] == 3


def test_one_source_prints_as_before_even_when_named(folders, isolated_home, capsys):
    reels, _airs = folders
    assert main(["scan", f"fiddle={reels}", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("folder ") and f"{reels}" in out.splitlines()[0]
    assert "style " not in out and "\n  junk.mid" not in out and f"  {reels / 'junk.mid'}: a text file" in out


def test_a_bad_style_name_or_an_empty_style_exits_2(folders, isolated_home, capsys, tmp_path):
    reels, airs = folders
    assert main(["scan", f"my reels={reels}", str(airs)]) == 2
    assert "bad style name 'my reels'" in capsys.readouterr().err
    assert main(["scan", f"a={reels}", f"a={airs}"]) == 2
    assert "two corpora would be the style 'a'" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "x.mid").write_bytes(b"")
    assert main(["scan", str(reels), str(empty), "--workers", "1"]) == 2
    captured = capsys.readouterr()
    assert list(_table(captured.out)) == ["reels", "empty", "total"]  # the report still prints
    assert "no usable MIDI files in the style empty" in captured.err
