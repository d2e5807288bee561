"""core.data.style_stats: a corpus of several folders scanned per style (real scans of small
MIDI folders): the rows, the total, progress events naming the style, names checked as core checks them."""

from __future__ import annotations

import pytest

from jukebox_gui.core.data.style_stats import TOTAL, scan_styles
from jukebox_gui.core.errors import CorpusError


def test_scan_styles_rows_total_and_progress(tmp_path, midi_bytes, isolated_home):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    for i in range(3):
        (a / f"{i}.mid").write_bytes(midi_bytes([(60 + i, 0, 480), (64, 480, 480)], program=40))
    (b / "0.mid").write_bytes(midi_bytes([(40, 0, 960)], tempo=400000))
    (b / "bad.mid").write_bytes(b"nope")
    events = []
    styled = scan_styles([f"fiddle={a}", str(b)], progress=events.append, workers=1)
    assert styled.specs() == [f"fiddle={a}", f"b={b}"]
    fiddle, bee = styled.rows()
    assert (fiddle.files, fiddle.ok, fiddle.notes, fiddle.instruments) == (3, 3, 6, ((40, 3),))
    assert (bee.files, bee.ok, bee.not_used, bee.tempo_range()) == (2, 1, 1, "150 bpm")
    total = styled.total()
    assert (total.name, total.files, total.ok, total.notes, total.time_signature) == (TOTAL, 5, 4, 7, "4/4")
    assert [(n, r.path.endswith("bad.mid")) for n, r in styled.skipped()] == [("b", True)]
    assert {e.data["style"] for e in events} == {"fiddle", "b"}
    assert any(e.message.startswith("b: ") for e in events)
    assert [r.name for r in styled.renamed(["x", "y"]).rows()] == ["x", "y"]
    with pytest.raises(CorpusError, match="bad style name"):
        styled.renamed(["x y", "y"])


def test_a_bad_name_is_refused_before_any_scan(tmp_path, isolated_home):
    events = []
    with pytest.raises(CorpusError, match="bad style name 'a_b'"):
        scan_styles([f"a_b={tmp_path}", str(tmp_path)], progress=events.append)
    assert events == []
