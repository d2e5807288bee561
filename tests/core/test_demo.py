"""Demo corpora built from music21's bundled corpus (real music21, real MIDI, real files).

The full corpora build once per checkout (tests/conftest.py keeps them for later sessions); the
build-mechanics tests (cancel, stale cache, skipped tunes, worker pool) use a tiny plan in an
isolated home.
"""

from __future__ import annotations

import json
import time

import mido
import pytest

from jukebox_gui.core import demo, demo_sources
from jukebox_gui.core.errors import Cancelled, CorpusError
from jukebox_gui.core.progress import CancelToken


@pytest.fixture(scope="module", params=["irish", "bach"])
def built(request):
    return request.param, demo.demo_corpus_dir(request.param)


@pytest.mark.slow
def test_full_corpora_have_300_playable_files(built):
    name, folder = built
    files = sorted(folder.glob("*.mid"))
    assert len(files) >= 300, name
    for path in files:
        midi = mido.MidiFile(path)
        messages = [m for track in midi.tracks for m in track]
        types = {m.type for m in messages}
        assert {"set_tempo", "time_signature", "key_signature", "program_change"} <= types, path.name
        assert sum(1 for m in messages if m.type == "note_on" and m.velocity > 0) > 10, path.name
        assert 5 < midi.length < 600, path.name
    if name == "bach":  # one track per voice (plus the conductor track)
        assert all(len(mido.MidiFile(p).tracks) >= 4 for p in files[:20])


def test_manifest_describes_every_file(built):
    name, folder = built
    manifest = json.loads((folder / demo.MANIFEST).read_text())
    import music21

    assert manifest["corpus"] == name
    assert manifest["music21"] == str(music21.__version__) == demo_sources.music21_version()
    assert manifest["builder_version"] == demo.builder_stamp()
    names = {entry["file"] for entry in manifest["files"]}
    assert names == {p.name for p in folder.glob("*.mid")}
    assert all(entry["title"] and entry["source"] for entry in manifest["files"])


@pytest.mark.timing
def test_cached_call_is_instant(built):
    name, folder = built
    started = time.perf_counter()
    assert demo.demo_corpus_dir(name) == folder
    assert time.perf_counter() - started < 0.5


def test_write_demo_copies_the_cache(built, tmp_path):
    name, folder = built
    result = demo.write_demo(name, tmp_path / "out")
    assert result.folder == tmp_path / "out"
    assert result.written == len(list(folder.glob("*.mid"))) == len(list(result.folder.glob("*.mid")))
    assert result.skipped == len(json.loads((folder / demo.MANIFEST).read_text())["skipped"])


def test_irish_tunes_have_dance_tempi_and_bar_aligned_pickups():
    folder = demo.demo_corpus_dir("irish")
    tempos = {mido.tempo2bpm(m.tempo) for p in folder.glob("*.mid")
              for m in mido.MidiFile(p).tracks[0] if m.type == "set_tempo"}
    assert len(tempos) >= 4 and min(tempos) >= 40 and max(tempos) <= 240


def _oneills_tune(number: int):
    from music21 import converter

    path = demo_sources._corpus_root() / "oneills1850" / "0001-0050.abc"
    block = demo_sources._abc_tunes(path)[number - 1]
    return block, converter.parse(block, format="abc", forceSource=True)


def test_conversion_handles_music21_abc_quirks():
    from jukebox_gui.core.music.m21_convert import score_from_m21
    from jukebox_gui.core.music.score import TimeSignature

    # No. 1 has a 1/16 "bar" that music21 invents mid-tune (the TimeSignature trap) and grace notes
    _block, parsed = _oneills_tune(1)
    score = score_from_m21(parsed, title="The Enchanted Valley")
    assert score.time_signatures == [TimeSignature(0.0, 2, 4)]
    assert all(n.duration > 0 for n in score.tracks[0].notes)
    assert score.key_signatures[0].sharps == -2 and score.key_signatures[0].minor
    # No. 2 starts with a pickup of half a beat in 2/4: delayed so bar lines fall on the bar grid
    block, parsed = _oneills_tune(2)
    score = score_from_m21(parsed)
    assert score.tracks[0].notes[0].start == pytest.approx(1.5)
    assert demo_sources.irish_bpm(block, 2, 4) < 100  # N: "Slow"


# ---- names and sources ---------------------------------------------------------------------------
def test_unknown_name_lists_the_demo_corpora():
    with pytest.raises(CorpusError, match="irish") as info:
        demo.demo_corpus_dir("jazz")
    assert "bach" in str(info.value)
    with pytest.raises(CorpusError, match="bach"):
        demo.write_demo("jazz", "/tmp/never-written")


def test_resolve_source(tmp_path):
    assert demo.resolve_source(str(tmp_path)) == tmp_path
    assert demo.resolve_source("demo:irish") == demo.demo_corpus_dir("irish")
    with pytest.raises(CorpusError, match="demo:irish"):
        demo.resolve_source(str(tmp_path / "missing"))
    (tmp_path / "file.mid").write_bytes(b"x")
    with pytest.raises(CorpusError, match="not a folder"):
        demo.resolve_source(str(tmp_path / "file.mid"))
    with pytest.raises(CorpusError, match="available"):
        demo.resolve_source("demo:nope")
    with pytest.raises(CorpusError, match="no corpus given"):
        demo.resolve_source("  ")


def test_safe_filenames_are_portable_and_unique():
    taken: set[str] = set()
    assert demo.safe_filename("Weltlich Ehr' und zeitlich Gut", taken) == "Weltlich_Ehr_und_zeitlich_Gut.mid"
    assert demo.safe_filename("weltlich ehr und zeitlich gut", taken) == "weltlich_ehr_und_zeitlich_gut_2.mid"
    assert demo.safe_filename("../../etc/passwd", taken) == "etc_passwd.mid"
    assert demo.safe_filename("Schön Ä", taken) == "Schon_A.mid"
    assert demo.safe_filename("???", taken) == "untitled.mid"


# ---- build mechanics on a tiny plan ---------------------------------------------------------------
BAD_TUNE = ("broken#1", "X: 1\nT: Broken\nM: 4/4\nK: C\n")  # parses, but has no notes


@pytest.fixture
def tiny_plan(isolated_home, monkeypatch):
    real = demo_sources.plan("irish")[:5]
    monkeypatch.setattr(demo_sources, "plan", lambda name: real + [BAD_TUNE])
    return real


def test_tiny_build_skips_and_counts_bad_tunes(tiny_plan, isolated_home):
    folder = demo.demo_corpus_dir("irish")
    assert folder.is_relative_to(isolated_home)
    manifest = json.loads((folder / demo.MANIFEST).read_text())
    assert len(manifest["files"]) == 5
    assert [s["source"] for s in manifest["skipped"]] == ["broken#1"]
    assert demo.write_demo("irish", isolated_home / "out").skipped == 1


def test_cancelled_build_leaves_no_half_corpus(tiny_plan, isolated_home):
    token = CancelToken()
    events = []

    def sink(event):
        events.append(event)
        token.cancel()

    with pytest.raises(Cancelled):
        demo.demo_corpus_dir("irish", progress=sink, cancel=token)
    assert events
    leftovers = [p.name for p in (isolated_home / "data" / "demo").iterdir() if not p.name.endswith(".lock")]
    assert leftovers == []


def test_stale_or_damaged_cache_rebuilds(tiny_plan, isolated_home):
    folder = demo.demo_corpus_dir("irish")
    manifest_path = folder / demo.MANIFEST
    manifest = json.loads(manifest_path.read_text())
    manifest["builder_version"] = "0-old"
    manifest_path.write_text(json.dumps(manifest))
    first = manifest["files"][0]["file"]
    (folder / first).unlink()
    assert demo.demo_corpus_dir("irish") == folder
    assert json.loads(manifest_path.read_text())["builder_version"] == demo.builder_stamp()
    assert (folder / first).exists()


def test_spawn_pool_keeps_plan_order(tiny_plan, isolated_home, monkeypatch):
    monkeypatch.setattr(demo, "CHUNK", 2)  # 6 items -> 3 chunks over 2 'spawn' workers
    done = []
    folder = demo.demo_corpus_dir("irish", progress=lambda e: done.append(e.done))
    assert done == list(range(1, 7))
    sources = [f["source"] for f in json.loads((folder / demo.MANIFEST).read_text())["files"]]
    assert sources == [source for source, _ in tiny_plan]
