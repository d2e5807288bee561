"""Piano roll: drawing from a real Score, zoom, scroll, click-to-seek, playhead, culling speed."""

from __future__ import annotations

import random
import time

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPalette, QWheelEvent
from PySide6.QtWidgets import QApplication

from jukebox_gui.app.widgets.piano_roll import EMPTY_TEXT, KEY_W, RULER_H, PianoRoll, pitch_name
from jukebox_gui.core.music.score import Note, Score, TempoChange, TimeSignature, Track


def make_score(n_bars=8, seed=0, tempos=None, sigs=None) -> Score:
    rng = random.Random(seed)
    piano = Track(program=0, name="Piano")
    bass = Track(program=32, name="Bass")
    drums = Track(is_drum=True, name="Drums")
    for bar in range(n_bars):
        for step in range(8):
            piano.notes.append(Note(bar * 4 + step * 0.5, 0.5, rng.choice([60, 62, 64, 67, 69, 72]),
                                    rng.randint(30, 127)))
        bass.notes.append(Note(bar * 4, 4.0, 36, 100))
        drums.notes.extend(Note(bar * 4 + b, 0.1, 42, 90) for b in range(4))
    return Score(tracks=[piano, bass, drums], tempos=tempos or [TempoChange(0.0, 120.0)],
                 time_signatures=sigs or [TimeSignature(0.0, 4, 4)])


def big_score(n=20_000, seed=1) -> Score:
    rng = random.Random(seed)
    tracks = [Track(program=p, name=f"T{p}") for p in (0, 24, 40, 73)] + [Track(is_drum=True, name="Drums")]
    for i in range(n):
        t = tracks[i % len(tracks)]
        t.notes.append(Note(i * 0.1 + rng.random() * 0.05, rng.choice([0.25, 0.5, 1.0]),
                            rng.randint(36, 96), rng.randint(1, 127)))
    return Score(tracks=tracks)


@pytest.fixture
def roll(qtbot):
    w = PianoRoll()
    qtbot.addWidget(w)
    w.resize(800, 400)
    w.show()
    qtbot.waitExposed(w)
    return w


def render(widget) -> QImage:
    img = QImage(widget.size(), QImage.Format.Format_ARGB32)
    img.fill(0)
    widget.render(img)
    return img


def wheel(widget, pos: QPointF, dy: int = 0, dx: int = 0, mods=Qt.KeyboardModifier.NoModifier):
    ev = QWheelEvent(pos, widget.mapToGlobal(pos), QPoint(0, 0), QPoint(dx, dy), Qt.MouseButton.NoButton,
                     mods, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget.viewport(), ev)


def test_pitch_names():
    assert pitch_name(60) == "C4" and pitch_name(21) == "A0" and pitch_name(61) == "C#4"


def test_empty_state_and_clearing(roll):
    render(roll)
    assert roll.score() is None and roll.last_drawn == 0
    roll.set_score(make_score())
    render(roll)
    assert roll.last_drawn > 0
    roll.set_score(Score())  # no notes counts as empty
    assert roll.score() is None
    roll.set_score(None)
    render(roll)
    assert roll.last_drawn == 0


def _count_colour(img: QImage, colour: QColor) -> int:
    target = colour.rgb()
    return sum(1 for y in range(0, img.height(), 2) for x in range(0, img.width(), 2) if img.pixel(x, y) == target)


def test_empty_state_text_is_drawn(roll):
    pal = roll.palette()
    pal.setColor(QPalette.ColorRole.PlaceholderText, QColor("#ff0000"))
    roll.setPalette(pal)
    assert EMPTY_TEXT.startswith("Generate a take")
    assert _count_colour(render(roll), QColor("#ff0000")) > 20
    roll.set_score(make_score())
    assert _count_colour(render(roll), QColor("#ff0000")) == 0


def render_light(roll) -> QImage:
    roll.setPalette(QApplication.style().standardPalette())
    return render(roll)


def test_follows_a_dark_palette(roll):
    roll.set_score(make_score())
    pal = roll.palette()
    pal.setColor(QPalette.ColorRole.Window, QColor("#202020"))
    pal.setColor(QPalette.ColorRole.Base, QColor("#181818"))
    pal.setColor(QPalette.ColorRole.Text, QColor("#e0e0e0"))
    roll.setPalette(pal)
    img = render(roll)
    _lo, hi = roll._visible_pitches(roll._note_area())
    pitch = next(p for p in range(hi - 1, 0, -1) if p % 12 in (0, 2, 4, 5, 7, 9, 11))  # a white-key row
    assert pitch > 72  # above every note of make_score()
    y = roll._y_of(pitch) + roll._key_h // 2
    assert RULER_H < y < img.height()
    assert QColor(img.pixel(KEY_W + 7, y)).lightness() < 60
    assert QColor(render_light(roll).pixel(KEY_W + 7, y)).lightness() > 200


def test_notes_are_painted_with_track_colour_and_velocity_shading(roll):
    score = Score(tracks=[Track(name="a", notes=[Note(0.0, 2.0, 60, 20), Note(2.0, 2.0, 60, 127)])])
    roll.set_score(score)
    img = render(roll)
    y = roll._y_of(60) + roll._key_h // 2
    soft = QColor(img.pixel(int(roll._x_of(1.0)), y))
    loud = QColor(img.pixel(int(roll._x_of(3.0)), y))
    base = roll.palette().color(QPalette.ColorRole.Base)
    assert soft != base and loud != base
    # louder notes are drawn more opaque, so further from the background
    dist = lambda c: abs(c.red() - base.red()) + abs(c.green() - base.green()) + abs(c.blue() - base.blue())  # noqa: E731
    assert dist(loud) > dist(soft) + 30


def test_fit_shows_whole_take_and_zoom_changes_scale(roll):
    roll.set_score(make_score(n_bars=8))  # 32 beats
    area_w = roll.width() - KEY_W
    assert roll.pixels_per_beat * 32 <= area_w
    fitted = roll.pixels_per_beat
    roll.zoom_in()
    assert roll.pixels_per_beat == pytest.approx(fitted * 1.25)
    roll.zoom_out()
    roll.zoom_out()
    assert roll.pixels_per_beat < fitted
    roll.fit()
    assert roll.pixels_per_beat == pytest.approx(fitted)


def test_ctrl_wheel_zooms_around_the_cursor(roll):
    roll.set_score(make_score(n_bars=8))
    pos = QPointF(KEY_W + 300, 200)
    before_beat = roll._beat_of(pos.x())
    ppb = roll.pixels_per_beat
    wheel(roll, pos, dy=240, mods=Qt.KeyboardModifier.ControlModifier)
    assert roll.pixels_per_beat == pytest.approx(ppb * 1.25 ** 2)
    assert roll._beat_of(pos.x()) == pytest.approx(before_beat, abs=1.0 / roll.pixels_per_beat + 1e-6)


def test_wheel_scrolls_vertically_and_shift_wheel_horizontally(roll):
    roll.set_score(make_score(n_bars=32))
    for _ in range(4):
        roll.zoom_in()
    v, h = roll.verticalScrollBar().value(), roll.horizontalScrollBar().value()
    wheel(roll, QPointF(400, 200), dy=-120)
    assert roll.verticalScrollBar().value() > v
    wheel(roll, QPointF(400, 200), dy=-120, mods=Qt.KeyboardModifier.ShiftModifier)
    assert roll.horizontalScrollBar().value() > h


def test_click_emits_seek_in_seconds_through_the_tempo_map(roll, qtbot):
    # 120 bpm for 8 beats (4 s), then 60 bpm: beat 10 is 4 s + 2 s = 6 s
    score = make_score(n_bars=4, tempos=[TempoChange(0.0, 120.0), TempoChange(8.0, 60.0)])
    roll.set_score(score)
    x = round(roll._x_of(10.0))
    with qtbot.waitSignal(roll.seekRequested, timeout=1000) as blocker:
        qtbot.mouseClick(roll.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 150))
    assert blocker.args[0] == pytest.approx(6.0, abs=2.0 / roll.pixels_per_beat)
    assert roll.playhead_seconds() == pytest.approx(blocker.args[0])
    # a click on the keyboard ruler does not seek
    with qtbot.assertNotEmitted(roll.seekRequested):
        qtbot.mouseClick(roll.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(KEY_W // 2, 150))


def test_playhead_moves_and_scrolls_into_view(roll):
    roll.set_score(make_score(n_bars=32))  # 128 beats = 64 s at 120 bpm
    roll.set_playhead(3.0)
    assert roll.playhead_seconds() == pytest.approx(3.0)
    for _ in range(8):
        roll.zoom_in()
    roll.horizontalScrollBar().setValue(0)
    roll.set_playhead(50.0)  # far off to the right
    x = roll._x_of(100.0)
    assert KEY_W <= x <= roll.viewport().width(), "the view follows the playhead"
    roll.follow_playhead = False
    roll.horizontalScrollBar().setValue(0)
    roll.set_playhead(60.0)
    assert roll.horizontalScrollBar().value() == 0
    roll.set_playhead(None)
    assert roll.playhead_seconds() is None


def test_bar_lines_follow_time_signatures(roll):
    score = make_score(n_bars=4, sigs=[TimeSignature(0.0, 3, 4), TimeSignature(6.0, 6, 8)])
    roll.set_score(score)
    bars = roll._bars
    assert [b[0] for b in bars[:4]] == [0.0, 3.0, 6.0, 9.0]
    assert bars[0][2] == 1.0 and bars[2][2] == 0.5  # 3/4 beats are quarters, 6/8 beats eighths


def test_twenty_thousand_notes_cull(roll):
    score = big_score()
    assert score.note_count == 20_000
    roll.set_score(score)
    render(roll)
    fully_visible = roll.last_drawn
    for _ in range(20):  # ~16 beats on screen, ~10 notes per beat
        roll.zoom_in()
    roll.horizontalScrollBar().setValue(roll.horizontalScrollBar().maximum() // 2)
    render(roll)
    assert fully_visible > 5_000  # fitted: most notes in the visible pitch rows are drawn
    assert roll.last_visited < 1_000, "a zoomed-in view must not visit every note"
    assert 0 < roll.last_drawn <= roll.last_visited


@pytest.mark.timing
def test_twenty_thousand_notes_paint_fast(roll, capsys):
    score = big_score()
    t0 = time.perf_counter()
    roll.set_score(score)
    t_index = time.perf_counter() - t0
    render(roll)  # warm-up (fonts, caches)
    t0 = time.perf_counter()
    render(roll)
    t_full = time.perf_counter() - t0
    fully_visible = roll.last_drawn
    for _ in range(20):
        roll.zoom_in()
    roll.horizontalScrollBar().setValue(roll.horizontalScrollBar().maximum() // 2)
    t0 = time.perf_counter()
    render(roll)
    t_zoomed = time.perf_counter() - t0
    with capsys.disabled():
        print(f"\n[piano roll] 20k notes: index {t_index * 1000:.1f} ms, full view {t_full * 1000:.1f} ms "
              f"({fully_visible} drawn), zoomed {t_zoomed * 1000:.1f} ms "
              f"({roll.last_visited} visited, {roll.last_drawn} drawn)")
    assert t_full < 0.5
    assert t_zoomed < 0.1


def test_resize_refits_until_the_user_zooms(qtbot):
    roll = PianoRoll()
    qtbot.addWidget(roll)
    roll.set_score(make_score(n_bars=8))  # before the page is laid out
    roll.resize(1000, 400)
    roll.show()
    qtbot.waitExposed(roll)
    fitted = roll.pixels_per_beat
    assert fitted * 32 == pytest.approx(roll.viewport().width() - KEY_W, rel=0.05)
    roll.zoom_in()
    zoomed = roll.pixels_per_beat
    roll.resize(700, 400)
    assert roll.pixels_per_beat == zoomed
