"""Player: real QMediaPlayer on a real WAV, headless (no audio output: silent, position advances)."""

from __future__ import annotations

import numpy as np
import pytest

from jukebox_gui.app.player import (NullPlayer, PAUSED, PLAYING, STOPPED, Player, PlaybackError,
                                    create_player, wav_duration)




@pytest.fixture
def player(qtbot):
    p = create_player()
    yield p
    p.stop()
    p.deleteLater()


def test_wav_duration_reads_header(wav, tmp_path):
    assert wav_duration(wav) == pytest.approx(2.0, abs=1e-3)
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not a wav at all")
    with pytest.raises(PlaybackError, match="not a WAV"):
        wav_duration(bad)
    with pytest.raises(PlaybackError, match="cannot read"):
        wav_duration(tmp_path / "missing.wav")


def test_float_wav_duration(tmp_path):
    # IEEE-float WAV (format 3), which the stdlib wave module cannot read
    data = np.zeros(44100, dtype="<f4").tobytes()
    fmt = (b"fmt " + (16).to_bytes(4, "little") + (3).to_bytes(2, "little") + (1).to_bytes(2, "little")
           + (44100).to_bytes(4, "little") + (44100 * 4).to_bytes(4, "little") + (4).to_bytes(2, "little")
           + (32).to_bytes(2, "little"))
    body = b"WAVE" + fmt + b"data" + len(data).to_bytes(4, "little") + data
    path = tmp_path / "f.wav"
    path.write_bytes(b"RIFF" + len(body).to_bytes(4, "little") + body)
    assert wav_duration(path) == pytest.approx(1.0)


def test_real_player_is_available_and_explains_silence(player):
    assert isinstance(player, Player)
    assert player.available and player.unavailable_reason == ""
    if player.silent:
        assert "No audio output" in player.silent_reason


def test_position_advances_while_playing(player, wav, qtbot):
    positions = []
    player.positionChanged.connect(positions.append)
    player.load_wav(wav)
    assert player.duration == pytest.approx(2.0, abs=0.05)
    with qtbot.waitSignal(player.stateChanged, timeout=1000) as blocker:
        player.play()
    assert blocker.args == [PLAYING]
    qtbot.waitUntil(lambda: player.position() > 0.3, timeout=5000)
    assert any(p > 0.2 for p in positions), "positionChanged must follow playback"


@pytest.mark.timing
def test_position_is_polled_at_about_30_hz(player, wav, qtbot):
    positions = []
    player.positionChanged.connect(positions.append)
    player.load_wav(wav)
    player.play()
    qtbot.waitUntil(lambda: player.position() > 0.3, timeout=5000)
    n_before = len(positions)
    # ~30 Hz polling: several updates within half a second even on a loaded machine
    qtbot.waitUntil(lambda: len(positions) > n_before + 3, timeout=500)


def test_pause_holds_position_and_stop_rewinds(player, wav, qtbot):
    player.load_wav(wav)
    player.play()
    qtbot.waitUntil(lambda: player.position() > 0.2, timeout=5000)
    player.pause()
    assert player.state == PAUSED
    held = player.position()
    qtbot.wait(300)
    assert player.position() == pytest.approx(held, abs=0.05)
    player.stop()
    assert player.state == STOPPED
    assert player.position() == 0.0


def test_seek_before_and_during_playback(player, wav, qtbot):
    player.load_wav(wav)
    player.seek(1.2)
    assert player.position() == pytest.approx(1.2, abs=0.05)
    player.play()
    qtbot.waitUntil(lambda: player.position() > 1.3, timeout=5000)
    player.seek(0.1)
    qtbot.waitUntil(lambda: player.position() < 0.9, timeout=2000)
    player.seek(99)  # clamped to the end
    assert player.position() <= player.duration + 1e-6


def test_plays_to_the_end_and_stops(player, tmp_path, qtbot, sine_wav):
    short = sine_wav(tmp_path / "short.wav", seconds=0.5)
    player.load_wav(short)
    with qtbot.waitSignal(player.stateChanged, timeout=5000, check_params_cb=lambda s: s == STOPPED):
        player.play()
    assert player.state == STOPPED
    assert player.position() == 0.0  # rewound, ready to play again


def test_load_bad_file_raises_and_keeps_player_usable(player, wav, tmp_path):
    bad = tmp_path / "x.wav"
    bad.write_bytes(b"RIFF")
    with pytest.raises(PlaybackError):
        player.load_wav(bad)
    player.load_wav(wav)
    assert player.source is not None


def test_null_player_says_why(qtbot, wav):
    null = NullPlayer("Playback unavailable: no QtMultimedia")
    assert not null.available
    assert "QtMultimedia" in null.unavailable_reason
    null.load_wav(wav)
    assert null.duration == pytest.approx(2.0, abs=1e-3)
    with qtbot.waitSignal(null.errorOccurred, timeout=500):
        null.play()
    assert null.position() == 0.0 and null.state == STOPPED
