"""Transport: buttons follow the player state, the slider and label follow the position, seek,
space bar, and the explanations when playback is silent or unavailable."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from jukebox_gui.app.player import NullPlayer, PAUSED, PLAYING, STOPPED
from jukebox_gui.app.widgets.piano_roll import PianoRoll
from jukebox_gui.app.widgets.transport import Transport, format_time
from jukebox_gui.core.music.score import Note, Score, Track




@pytest.fixture
def transport(qtbot):
    t = Transport()
    qtbot.addWidget(t)
    t.resize(600, 80)
    t.show()
    yield t
    t.stop()


def test_format_time():
    assert format_time(0) == "0:00"
    assert format_time(12.9) == "0:12"
    assert format_time(90) == "1:30"
    assert format_time(3725) == "1:02:05"


def test_nothing_loaded_disables_controls(transport):
    assert not transport.play_button.isEnabled()
    assert not transport.pause_button.isEnabled()
    assert not transport.stop_button.isEnabled()
    assert not transport.slider.isEnabled()
    assert transport.time_label.text() == "0:00 / 0:00"


def test_play_enables_pause_and_slider_follows(transport, wav, qtbot):
    assert transport.set_wav(wav)
    assert transport.play_button.isEnabled() and not transport.pause_button.isEnabled()
    assert transport.time_label.text() == "0:00 / 0:02"
    assert transport.slider.maximum() == pytest.approx(2000, abs=50)
    seen = []
    transport.positionChanged.connect(seen.append)
    with qtbot.waitSignal(transport.stateChanged, timeout=1000):
        transport.play_button.click()
    assert transport.player.state == PLAYING
    assert transport.pause_button.isEnabled() and transport.stop_button.isEnabled()
    assert not transport.play_button.isEnabled()
    qtbot.waitUntil(lambda: transport.slider.value() > 300, timeout=5000)
    assert seen and max(seen) > 0.25
    transport.pause_button.click()
    assert transport.player.state == PAUSED
    assert transport.play_button.isEnabled() and not transport.pause_button.isEnabled()
    transport.stop_button.click()
    assert transport.player.state == STOPPED
    assert transport.slider.value() == 0 and transport.time_label.text() == "0:00 / 0:02"


def test_slider_and_seek_slot_move_the_player(transport, wav, qtbot):
    transport.set_wav(wav)
    transport.slider.setValue(1500)  # as a drag or a click on the groove would
    assert transport.player.position() == pytest.approx(1.5, abs=0.05)
    assert transport.time_label.text() == "0:01 / 0:02"
    with qtbot.waitSignal(transport.positionChanged, timeout=1000) as blocker:
        transport.seek(0.5)
    assert blocker.args[0] == pytest.approx(0.5, abs=0.05)
    assert transport.slider.value() == pytest.approx(500, abs=50)


def test_space_toggles_play_pause(transport, wav, qtbot):
    transport.set_wav(wav)
    transport.activateWindow()
    transport.setFocus()
    transport.play_pause_action.trigger()  # what the space shortcut does
    assert transport.player.state == PLAYING
    qtbot.keyClick(transport, Qt.Key.Key_Space)
    assert transport.player.state == PAUSED
    assert transport.play_pause_action.shortcut().toString() == "Space"


def test_set_enabled_reason_disables_play_and_explains(transport, wav):
    transport.set_wav(wav)
    transport.set_enabled_reason(False, "Rendering the take…")
    assert not transport.play_button.isEnabled()
    assert transport.info_label.text() == "Rendering the take…"
    assert not transport.info_label.isHidden()
    transport.play_pause_action.trigger()
    assert transport.player.state == STOPPED
    transport.set_enabled_reason(True)
    assert transport.play_button.isEnabled()


def test_silent_machine_says_so(transport, wav):
    transport.set_wav(wav)
    if transport.player.silent:
        assert "No audio output found" in transport.info_label.text()
        assert "export WAV" in transport.info_label.text()
    assert transport.play_button.isEnabled()  # silent playback still moves the playhead


def test_bad_wav_is_reported_not_raised(transport, tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"garbage")
    assert transport.set_wav(bad) is False
    assert "not a WAV" in transport.info_label.text()
    assert not transport.play_button.isEnabled()


def test_null_player_disables_play_with_reason(qtbot, wav):
    t = Transport(player=NullPlayer("Playback unavailable: QtMultimedia cannot load"))
    qtbot.addWidget(t)
    t.set_wav(wav)
    assert not t.play_button.isEnabled()
    assert "QtMultimedia" in t.info_label.text()


def test_clear_forgets_the_take(transport, wav):
    transport.set_wav(wav)
    transport.clear()
    assert transport.player.source is None
    assert not transport.play_button.isEnabled()
    assert transport.time_label.text() == "0:00 / 0:00"


def test_wired_to_piano_roll(transport, wav, qtbot):
    """The page's wiring: playback drives the playhead, a click on the roll seeks playback."""
    roll = PianoRoll()
    qtbot.addWidget(roll)
    roll.resize(600, 300)
    roll.show()
    roll.set_score(Score(tracks=[Track(notes=[Note(float(b), 1.0, 60 + b) for b in range(4)])]))  # 2 s
    transport.positionChanged.connect(roll.set_playhead)
    roll.seekRequested.connect(transport.seek)
    transport.set_wav(wav)
    transport.play()
    qtbot.waitUntil(lambda: (roll.playhead_seconds() or 0) > 0.3, timeout=5000)
    transport.pause()
    x = round(roll._x_of(3.0))  # beat 3 at 120 bpm = 1.5 s
    qtbot.mouseClick(roll.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 100))
    assert transport.player.position() == pytest.approx(1.5, abs=0.05)


def test_set_audio_plays_rendered_samples(transport, isolated_home, qtbot):
    rate = 22050
    samples = (0.2 * np.sin(np.arange(rate) * 2 * np.pi * 330 / rate)).astype(np.float32)  # 1 s
    assert transport.set_audio(samples, rate)
    first = transport.player.source
    assert first is not None and first.is_relative_to(isolated_home)
    assert transport.player.duration == pytest.approx(1.0, abs=0.01)
    assert transport.set_audio(np.stack([samples, samples], axis=1)[: rate // 2], rate)  # stereo, 0.5 s
    assert transport.player.source != first  # the loaded file is never overwritten in place
    assert transport.player.duration == pytest.approx(0.5, abs=0.01)
    transport.play()
    qtbot.waitUntil(lambda: transport.player.position() > 0.1, timeout=5000)
    assert transport.set_audio(np.full(100, np.nan), rate) is False
    assert "NaN" in transport.info_label.text()
    assert not transport.play_button.isEnabled()
