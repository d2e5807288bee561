"""Every instrument on its own, in the window (issue 18): the tracks panel for a real 3-track MIDI
file (piano, bass, drums) rendered by the real FluidSynth into stems; mute / solo / volume reach
the live mixer's gains and dim the piano roll; the mixer's samples change within one buffer;
Export stems writes one WAV per track; forget_audio drops the renders."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QFileDialog, QMessageBox

from jukebox_gui.app.mix_player import BUFFER_MS, MixPlayer, StemMixer
from jukebox_gui.app.pages.generate_page import GeneratePage, TakeEntry
from jukebox_gui.app.player import PAUSED, PLAYING, STOPPED
from jukebox_gui.app.settings import Settings
from jukebox_gui.app.widgets.track_colours import track_colour
from jukebox_gui.app.workers import JobManager
from jukebox_gui.core.audio.stems import render_stems
from jukebox_gui.core.audio.wav import read_wav
from jukebox_gui.core.ml.generation import Take
from jukebox_gui.core.music.midi_io import read_midi, write_midi
from jukebox_gui.core.music.score import Note, Score, TempoChange, Track

WAIT_MS = 60_000


def band_score() -> Score:
    """Two bars of piano chords, a bass line and a rock beat at 120 bpm (4 s)."""
    piano = [Note(b, 1.0, p, 70) for b in range(8) for p in ((60, 64, 67), (57, 60, 64))[b // 4]]
    bass = [Note(b, 0.5, (36, 33)[b // 4], 100) for b in range(8)] + [Note(b + 0.5, 0.5, 43, 90) for b in range(8)]
    drums = [Note(b, 0.25, 36 if b % 2 == 0 else 38, 110) for b in range(8)]
    drums += [Note(b / 2, 0.25, 42, 80) for b in range(16)]
    return Score(tracks=[Track(program=0, notes=piano), Track(program=33, notes=bass),
                         Track(program=0, is_drum=True, notes=drums)], tempos=[TempoChange(0.0, 120.0)])


@pytest.fixture(scope="module")
def band(tmp_path_factory) -> Score:
    """The band written as a real MIDI file and read back, as a user's file would be."""
    return read_midi(write_midi(band_score(), tmp_path_factory.mktemp("midi") / "band.mid"))


@pytest.fixture(scope="module")
def stems(band):
    return render_stems(band, sample_rate=22050, tail_s=0.5)


@pytest.fixture
def page(qtbot, isolated_home, band):
    jobs = JobManager()
    page = GeneratePage(jobs, Settings())
    qtbot.addWidget(page)
    page.resize(1300, 800)
    page.show()
    page.add_take(TakeEntry(1, Take(band, []), {"seed": 3}, "m"))
    yield page
    page.transport.stop()
    jobs.stop_all(10.0)


def rendered(qtbot, page) -> TakeEntry:
    with qtbot.waitSignal(page.rendered, timeout=WAIT_MS) as blocker:
        page.render_button.click()
    return blocker.args[0]


def test_panel_rows_show_gm_names_counts_and_the_roll_colours(page, band):
    panel, roll = page.tracks_panel, page.piano_roll
    assert [r.name_label.text() for r in panel.rows] == ["Acoustic Grand Piano", "Fingered Bass", "Drums"]
    assert [r.count_label.text() for r in panel.rows] == [str(len(t.notes)) for t in band.tracks]
    dark = page.palette().color(QPalette.ColorRole.Window).lightness() < 128
    drums = [t.is_drum for t in band.tracks]
    for i, row in enumerate(panel.rows):
        assert row.colour == track_colour(drums, i, dark)
        assert roll._track_colour(i, dark) == row.colour  # the roll draws track i in the swatch's colour
    assert len({r.colour.name() for r in panel.rows}) == 3
    # the drum lane: one row per drum sound used, named the General MIDI way
    assert [name for _key, name in roll.drum_rows()] == ["Closed Hi-Hat", "Acoustic Snare", "Bass Drum 1"]
    lane = roll.drum_lane()
    assert lane.height() > 0 and lane.top() > roll._note_area().top()
    assert all(lane.top() <= roll.drum_row_y(k) <= lane.bottom() for k in (36, 38, 42))


def note_pixel_distance(roll, pitch: int = 64, beat: float = 1.5) -> int:
    """How far a piano note's pixel is from the background (dimmed notes are closer)."""
    img = QImage(roll.viewport().size(), QImage.Format.Format_ARGB32)
    img.fill(0)
    roll.viewport().render(img)
    c = QColor(img.pixel(int(roll._x_of(beat)), roll._y_of(pitch) + roll._key_h // 2))
    base = roll.palette().color(QPalette.ColorRole.Base)
    return abs(c.red() - base.red()) + abs(c.green() - base.green()) + abs(c.blue() - base.blue())


def test_mute_solo_volume_set_the_mixers_gains_and_dim_the_roll(qtbot, page):
    take = rendered(qtbot, page)
    assert take.stems is not None and len(take.stems.stems) == 3
    assert take.audio.shape == take.stems.stems[0].audio.shape  # the mix, for WAV export
    player, panel, roll = page.audio.player, page.tracks_panel, page.piano_roll
    assert player.source is take.stems and player.gains == [1.0, 1.0, 1.0]
    lit = note_pixel_distance(roll)

    qtbot.mouseClick(panel.rows[1].mute_button, Qt.MouseButton.LeftButton)
    assert player.gains == [1.0, 0.0, 1.0]
    assert [roll.is_audible(i) for i in range(3)] == [True, False, True]
    qtbot.mouseClick(panel.rows[2].solo_button, Qt.MouseButton.LeftButton)  # solo the drums
    assert player.gains == [0.0, 0.0, 1.0]
    assert [roll.is_audible(i) for i in range(3)] == [False, False, True]
    assert note_pixel_distance(roll) < lit / 2, "a track not heard is drawn dimmed"
    panel.rows[2].volume_slider.setValue(40)
    assert player.gains == pytest.approx([0.0, 0.0, 0.4])
    qtbot.mouseClick(panel.rows[2].solo_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.rows[1].mute_button, Qt.MouseButton.LeftButton)
    assert player.gains == pytest.approx([1.0, 1.0, 0.4])
    assert roll.is_audible(0) and note_pixel_distance(roll) == lit

    # what the player feeds the device from now on is the new mix (after a 5 ms fade)
    mixer = player.mixer
    mixer.seek(22050)
    fresh = mixer.read(2048)
    expected = sum(g * s.audio[22050:22050 + 2048] for g, s in zip([1.0, 1.0, 0.4], take.stems.stems))
    assert np.allclose(fresh[mixer.ramp:], np.clip(expected, -1, 1)[mixer.ramp:], atol=1e-6)


def test_mixer_samples_change_within_one_buffer(stems):
    """After set_gains, the samples pulled for the device change at once (a 5 ms fade), so what is
    heard changes once the audio already queued (one buffer, BUFFER_MS) has played."""
    mixer = StemMixer([s.audio for s in stems.stems], stems.sample_rate)
    buffer = stems.sample_rate * BUFFER_MS // 1000
    start = stems.sample_rate  # 1 s in: every track is playing
    mixer.seek(start)
    before = mixer.read(buffer)
    assert np.allclose(before, np.clip(stems.mix(), -1, 1)[start:start + buffer], atol=1e-6)
    loudest = int(np.argmax([np.sqrt(np.mean(s.audio[start:start + buffer] ** 2)) for s in stems.stems]))
    gains = [0.0 if i == loudest else 1.0 for i in range(len(stems.stems))]
    mixer.set_gains(gains)
    after = mixer.read(buffer)  # the very next pull: the buffer queued right after the click
    target = np.clip(stems.mix(gains), -1, 1)[start + buffer:start + 2 * buffer]
    ramp = mixer.ramp
    assert ramp <= stems.sample_rate * 0.006
    assert np.allclose(after[ramp:], target[ramp:], atol=1e-6), "muted within one buffer"
    gone = stems.stems[loudest].audio[start + buffer + ramp:start + 2 * buffer]
    assert np.sqrt(np.mean(gone ** 2)) > 1e-3  # the muted track was really playing there
    # the fade is monotone: no click
    old = np.clip(stems.mix(), -1, 1)[start + buffer:start + buffer + ramp]
    assert np.all(np.abs(after[:ramp] - target[:ramp]) <= np.abs(old - target[:ramp]) + 1e-6)


def test_mix_player_advances_by_its_clock_without_an_output(qtbot, stems):
    player = MixPlayer(use_output=False)
    assert player.available and player.silent and "No audio output" in player.silent_reason
    positions = []
    player.positionChanged.connect(positions.append)
    player.load_render(stems)
    assert player.duration == pytest.approx(stems.frames / stems.sample_rate)
    with qtbot.waitSignal(player.stateChanged, timeout=1000):
        player.play()
    assert player.state == PLAYING
    qtbot.waitUntil(lambda: player.position() > 0.3, timeout=5000)
    assert max(positions) > 0.2
    player.pause()
    held = player.position()
    qtbot.wait(200)
    assert player.state == PAUSED and player.position() == pytest.approx(held)
    player.seek(stems.frames / stems.sample_rate - 0.2)
    player.play()
    qtbot.waitUntil(lambda: player.state == STOPPED, timeout=5000)  # played to the end: rewound
    assert player.position() == 0.0


def test_export_stems_writes_one_wav_per_track(qtbot, page, tmp_path, monkeypatch):
    folder = tmp_path / "chosen"
    folder.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(folder))
    assert page.current_take().stems is None  # not rendered yet: the export renders in its worker
    with qtbot.waitSignal(page.exported, timeout=WAIT_MS) as blocker:
        page.tracks_panel.export_button.click()
    kind, where = blocker.args
    assert kind == "stems" and where == str(folder / "take-1-seed3-stems")
    names = sorted(p.name for p in (folder / "take-1-seed3-stems").iterdir())
    assert names == ["01 Acoustic Grand Piano.wav", "02 Fingered Bass.wav", "03 Drums.wav"]
    take = page.current_take()
    assert take.stems is not None  # the export's render is kept for playing
    audio, rate = read_wav(folder / "take-1-seed3-stems" / "02 Fingered Bass.wav")
    assert audio.shape == take.stems.stems[1].audio.shape and rate == take.stems.sample_rate
    assert np.abs(audio - take.stems.stems[1].audio).max() < 2 / 32767

    # a folder that cannot be made: a dialog that says so, nothing crashes
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[1:3]))
    blocker_file = tmp_path / "a-file"
    blocker_file.write_text("x")
    page.export_stems(str(blocker_file))
    qtbot.waitUntil(lambda: bool(shown), timeout=WAIT_MS)
    title, message = shown[0]
    assert title == "Export stems failed" and "a-file" in message


def test_forget_audio_drops_the_renders(qtbot, page):
    take = rendered(qtbot, page)
    assert page.audio.player.source is not None
    page.forget_audio()
    assert take.audio is None and take.stems is None and page.audio.player.source is None
    assert page.render_button.isEnabled()
