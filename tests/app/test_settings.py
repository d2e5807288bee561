"""QSettings wrapper: recent folders, window layout, migration of old keys."""

from __future__ import annotations

import json

from PySide6.QtCore import QByteArray

from jukebox_gui.app.settings import MAX_RECENT, SETTINGS_VERSION, Settings


def test_recent_folders_newest_first_no_duplicates(qapp, isolated_home):
    settings = Settings()
    for i in range(MAX_RECENT + 3):
        settings.add_recent_folder(f"/music/{i}")
    settings.add_recent_folder("/music/5")
    recent = Settings().recent_folders()  # a fresh object reads what was stored
    assert recent[0] == "/music/5"
    assert len(recent) == MAX_RECENT
    assert len(set(recent)) == len(recent)


def test_layout_round_trip(qapp, isolated_home):
    Settings().save_window(QByteArray(b"geo"), QByteArray(b"state"), 3)
    again = Settings()
    assert bytes(again.geometry()) == b"geo"
    assert again.last_page() == 3


def test_migrates_version_0_keys(qapp, isolated_home):
    settings = Settings()
    settings.q.clear()
    settings.q.setValue("recent", ["/old/folder"])
    settings.q.sync()
    migrated = Settings()
    assert migrated.recent_folders() == ["/old/folder"]
    assert not migrated.q.contains("recent")
    assert int(migrated.q.value("settings/version")) == SETTINGS_VERSION


def test_settings_live_under_jukebox_home(qapp, isolated_home):
    Settings().set_soundfont("/x.sf2")
    assert (isolated_home / "settings.ini").is_file()
    assert Settings().soundfont() == "/x.sf2"


def test_running_marker_tells_a_crash_from_a_clean_end(qapp, isolated_home):
    assert Settings().begin_session() is False  # a first start
    assert Settings().begin_session() is True  # the window before never ended
    Settings().end_session()
    assert Settings().begin_session() is False


def test_generation_settings_round_trip_and_garbage(qapp, isolated_home):
    values = {"bars": 9, "temperature": 0.8, "top_p": None, "top_k": 20, "seed": 5, "primer": None,
              "primer_bars": None, "tempo": 120.0, "program": 0, "form": "AABB", "section_bars": 4}
    Settings().set_generation_settings({**values, "not_a_setting": 1})
    again = Settings()
    assert again.generation_settings() == values and again.problems == []
    again.q.setValue("session/generation", json.dumps({"bars": 1.5, "seed": True, "tempo": float("nan"), "top_p": 0.9}))
    assert again.generation_settings() == {"top_p": 0.9}
    assert "bars, seed, tempo" in again.problems[-1]
    again.q.setValue("session/generation", "[1, 2")
    assert again.generation_settings() == {} and "could not be read" in again.problems[-1]


def test_wrong_types_fall_back_quietly(qapp, isolated_home):
    settings = Settings()
    settings.q.setValue("corpus/recent", 42)
    settings.q.setValue("window/page", "x")
    settings.q.setValue("window/geometry", "not bytes")
    settings.q.setValue("takes/prune_days", 3)  # not one of the choices
    assert settings.recent_folders() == [] and settings.last_page() == 0 and settings.geometry() is None
    assert settings.prune_days() == 0 and settings.problems
    settings.set_prune_days(30)
    assert Settings().prune_days() == 30
