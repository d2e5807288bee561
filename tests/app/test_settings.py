"""QSettings wrapper: recent folders, window layout, migration of old keys."""

from __future__ import annotations

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
