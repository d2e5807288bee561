"""SoundFont discovery and the remembered choice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jukebox_gui.core import paths
from jukebox_gui.core.audio import soundfonts as sf
from jukebox_gui.core.errors import RenderError

SYSTEM_SF2 = Path("/usr/share/sounds/sf2/TimGM6mb.sf2")


def _fake_sf2(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF" + (4).to_bytes(4, "little") + b"sfbk")
    return path


def test_system_search_ranks_and_dedupes_links(tmp_path):
    a, b = tmp_path / "sf2", tmp_path / "sf3"
    _fake_sf2(a / "TimGM6mb.sf2")
    _fake_sf2(a / "FluidR3_GM.sf2")
    (a / "default-GM.sf2").symlink_to(a / "FluidR3_GM.sf2")
    _fake_sf2(b / "MuseScore_General.sf3")
    _fake_sf2(b / "Zzz.sf2")
    (b / "notes.txt").write_text("x")
    found = sf.system_soundfonts([a, b, tmp_path / "missing"])
    assert [p.name for p in found] == ["FluidR3_GM.sf2", "MuseScore_General.sf3", "TimGM6mb.sf2", "Zzz.sf2"]


def test_bundled_comes_first_then_system(isolated_home):
    bundled = sf.bundled_soundfont()
    if bundled is None:
        pytest.skip("soundfonts/TimGM6mb.sf2 not installed (run make install)")
    infos = sf.discover_soundfonts()
    assert infos[0].source == "bundled" and infos[0].path == paths.soundfonts_dir() / "TimGM6mb.sf2"
    assert sf.resolve_soundfont() == infos[0].path
    # the system copy of the same data is a different file, so it is listed too
    assert any(i.source == "system" for i in infos)


def test_choice_is_remembered_atomically_and_wins(isolated_home, tmp_path):
    chosen = _fake_sf2(tmp_path / "mine" / "Mine.sf2")
    sf.save_soundfont_choice(chosen)
    stored = json.loads(sf.settings_path().read_text())
    assert stored == {"soundfont": str(chosen.resolve())}
    assert sf.settings_path().parent == paths.data_dir()
    assert sf.load_soundfont_choice() == chosen.resolve()
    assert sf.discover_soundfonts()[0].source == "user"
    assert sf.resolve_soundfont() == chosen.resolve()
    assert sf.resolve_soundfont(SYSTEM_SF2) == SYSTEM_SF2  # explicit beats remembered
    chosen.unlink()  # a vanished file is forgotten silently
    assert sf.load_soundfont_choice() is None
    sf.save_soundfont_choice(None)
    assert json.loads(sf.settings_path().read_text()) == {}


def test_choosing_a_non_soundfont_is_refused(isolated_home, tmp_path):
    junk = tmp_path / "junk.sf2"
    junk.write_text("hello")
    with pytest.raises(RenderError, match="not a SoundFont"):
        sf.save_soundfont_choice(junk)
    assert not sf.settings_path().exists()


def test_corrupt_settings_file_is_ignored(isolated_home):
    sf.settings_path().write_text("{not json")
    assert sf.load_soundfont_choice() is None


def test_nothing_found_gives_install_advice(isolated_home, monkeypatch, tmp_path):
    monkeypatch.setattr(sf, "SYSTEM_DIRS", ())
    monkeypatch.setattr(sf, "user_dirs", lambda: [])
    monkeypatch.setattr(paths, "soundfonts_dir", lambda: tmp_path / "none")
    assert sf.discover_soundfonts() == []
    with pytest.raises(RenderError, match="apt install timgm6mb-soundfont"):
        sf.resolve_soundfont()


def test_real_system_soundfonts_are_found():
    if not SYSTEM_SF2.exists():
        pytest.skip("timgm6mb-soundfont not installed")
    assert SYSTEM_SF2 in sf.system_soundfonts() or SYSTEM_SF2.resolve() in [p.resolve() for p in sf.system_soundfonts()]
    assert sf.check_soundfont(SYSTEM_SF2) == SYSTEM_SF2
