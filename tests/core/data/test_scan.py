"""scan: a hostile folder never raises, every bad file has a reason, every good one is used."""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

import pytest

from jukebox_gui.core.data.scan import CorpusReport, scan
from jukebox_gui.core.data.file_facts import Limits, inspect_file, os_reason
from jukebox_gui.core.errors import Cancelled, CorpusError
from jukebox_gui.core.progress import CancelToken

from scan_hostile_files import build_hostile_folder, smf, simple_notes, track_bytes


@pytest.fixture
def hostile(tmp_path, real_midi_files):
    root = tmp_path / "corpus"
    expect = build_hostile_folder(root, real_midi_files)
    return root, expect


def test_hostile_folder(hostile, isolated_home):
    root, expect = hostile
    events = []
    started = time.monotonic()
    report = scan(root, progress=events.append, workers=2)
    assert time.monotonic() - started < 60
    by_rel = {os.path.relpath(r.path, root): r for r in report.files}
    assert set(by_rel) == set(expect), set(by_rel) ^ set(expect)
    for rel, want in expect.items():
        record = by_rel[rel]
        if want != "any":
            assert record.status == want, (rel, record.status, record.reason)
        if record.status != "ok":
            assert record.reason, rel
    assert "zip" in by_rel["archive.mid"].reason
    assert "text" in by_rel["text.mid"].reason
    assert "empty" in by_rel["empty.mid"].reason
    assert "ticks per beat is 0" in by_rel["tpb_zero.mid"].reason
    assert "too many notes" in by_rel["million_notes.mid"].reason
    assert "days" in by_rel["huge_delta.mid"].reason
    assert "loop" in by_rel["loop.mid"].reason
    assert "regular file" in by_rel["pipe.mid"].reason
    assert "folder" in by_rel["x.mid"].reason
    assert by_rel["wrapped.rmi"].notes == 3 and by_rel["wrapped.rmi"].repaired
    assert any("RIFF" in fix for fix in by_rel["wrapped.rmi"].repairs)
    assert any("SMPTE" in fix for fix in by_rel["smpte.mid"].repairs)
    assert by_rel["no_end_of_track.mid"].notes == 2
    assert by_rel["drums_only.mid"].instruments == [-1]
    assert by_rel["zero_length_notes.mid"].notes == 1
    assert by_rel["type2.mid"].notes == 3
    truncated = by_rel["truncated.mid"]
    assert truncated.status == "ok" and truncated.notes > 0 or truncated.reason
    # stats add up and duplicates are reported once each
    stats = report.stats
    assert stats.files == len(report.files)
    assert stats.ok + stats.skipped + stats.duplicates == stats.files
    assert stats.duplicates == 3 and stats.notes == sum(r.notes for r in report.ok_files)
    assert -1 in stats.instruments and stats.pitch_min is not None
    assert events and events[-1].done == events[-1].total
    # the report is JSON with printable paths
    import json

    data = json.loads(report.to_json())
    assert len(data["files"]) == len(report.files)


def test_good_files_are_loaded_and_tokenized(hostile, isolated_home):
    from jukebox_gui.core.data.corpus import load_scores

    root, _expect = hostile
    report = scan(root, workers=2)
    loaded = dict(load_scores(report))
    assert set(loaded) == {r.path for r in report.ok_files}
    for record in report.ok_files:
        assert loaded[record.path].note_count == record.notes, record.display


def test_warm_cache_rescans_only_the_changed_file(tmp_path, real_midi_files, isolated_home):
    root = tmp_path / "c"
    root.mkdir()
    for p in real_midi_files[:6]:
        (root / p.name).write_bytes(p.read_bytes())
    first = scan(root, workers=1)
    assert first.parsed == 6 and first.cached == 0
    second = scan(root, workers=1)
    assert second.parsed == 0 and second.cached == 6
    assert [r.to_dict() for r in second.files] == [r.to_dict() for r in first.files]
    changed = root / real_midi_files[0].name
    changed.write_bytes(smf([track_bytes(simple_notes(0, (20, 21, 22, 23)))]))
    os.utime(changed, ns=(time.time_ns(), time.time_ns() + 10_000_000))
    third = scan(root, workers=1)
    assert third.parsed == 1 and third.cached == 5
    assert next(r for r in third.files if r.path == str(changed.resolve())).notes == 4
    assert scan(root, workers=1, use_cache=False).parsed == 6


def test_cache_files_lost_to_a_power_cut_mean_a_rescan(tmp_path, real_midi_files, isolated_home):
    """Cache files are not fsynced: after a power cut one may be empty or cut short. Then the
    files it described are parsed again, with the same result."""
    from jukebox_gui.core import paths

    root = tmp_path / "c"
    root.mkdir()
    for p in real_midi_files[:6]:
        (root / p.name).write_bytes(p.read_bytes())
    first = scan(root, workers=1)
    cache_files = sorted((paths.cache_dir()).rglob("*.json"))
    assert any(f.parent.name == "folders" for f in cache_files) and any(f.parent.name == "records" for f in cache_files)
    for i, f in enumerate(cache_files):
        f.write_bytes(b"" if i % 2 else f.read_bytes()[: len(f.read_bytes()) // 2])
    again = scan(root, workers=1)
    assert again.parsed == 6 and again.cached == 0
    assert [r.to_dict() for r in again.files] == [r.to_dict() for r in first.files]
    assert scan(root, workers=1).cached == 6  # and the cache is whole again


def test_cancel_raises_cancelled(tmp_path, real_midi_files, isolated_home):
    root = tmp_path / "c"
    root.mkdir()
    for p in real_midi_files:
        (root / p.name).write_bytes(p.read_bytes())
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        scan(root, cancel=token, use_cache=False)


def test_folder_errors_are_clear(tmp_path):
    with pytest.raises(CorpusError, match="no such folder"):
        scan(tmp_path / "missing")
    (tmp_path / "f.mid").write_bytes(b"")
    with pytest.raises(CorpusError, match="not a folder"):
        scan(tmp_path / "f.mid")


def test_unreadable_reason_path():
    """Tests run as root (chmod 000 does not stop root), so check the reason path directly."""
    assert os_reason(PermissionError(errno.EACCES, "Permission denied")) == "cannot read: permission denied"
    assert "disappeared" in inspect_file("/nonexistent/for/sure.mid")["reason"]
    assert "folder" in inspect_file("/")["reason"] or "regular" in inspect_file("/")["reason"]


def test_size_cap_before_work(tmp_path):
    path = tmp_path / "big.mid"
    path.write_bytes(smf([track_bytes(simple_notes())]) + b"\x00" * 5000)
    result = inspect_file(str(path), Limits(max_bytes=1000))
    assert result["status"] == "skipped" and "too large" in result["reason"]


def _crashy_job(path: str, limits):  # runs in a worker process
    from jukebox_gui.core.data.file_facts import inspect_file as real

    if "crash" in os.path.basename(path):
        os.abort()
    if "hang" in os.path.basename(path):
        time.sleep(60)
    return real(path, limits)


def test_pool_survives_crashing_and_hanging_workers(tmp_path, real_midi_files):
    from jukebox_gui.core.data.parser_pool import run_pool

    names = ["a.mid", "crash1.mid", "b.mid", "hang.mid", "c.mid", "crash2.mid", "d.mid"]
    paths = []
    for i, name in enumerate(names):
        path = tmp_path / name
        path.write_bytes(real_midi_files[i].read_bytes())
        paths.append(str(path))
    results = {}
    run_pool(paths, lambda i, r: results.__setitem__(i, r), workers=2, limits=Limits(timeout_s=1.5),
             batch_size=3, job=_crashy_job, method="spawn")
    assert sorted(results) == list(range(len(names)))
    for i, name in enumerate(names):
        if "crash" in name:
            assert "crashed the parser" in results[i]["reason"]
        elif "hang" in name:
            assert "timed out" in results[i]["reason"]
        else:
            assert results[i]["status"] == "ok", (name, results[i])


def test_report_type(tmp_path, real_midi_files, isolated_home):
    (tmp_path / "one.mid").write_bytes(real_midi_files[0].read_bytes())
    report = scan(tmp_path)
    assert isinstance(report, CorpusReport) and len(report.ok_files) == 1
