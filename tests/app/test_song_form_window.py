"""Song form in the window (issue 17): the Generate page's form field reaches core, and a form
take's sections are labelled above its notes in the piano roll."""

from __future__ import annotations

import os

import pytest
from PySide6.QtGui import QColor, QImage

from jukebox_gui.app.pages.generate_page import GeneratePage, TakeEntry
from jukebox_gui.app.settings import Settings
from jukebox_gui.app.widgets.piano_roll_paint import SECTION_COLOURS
from jukebox_gui.app.workers import JobManager
from jukebox_gui.core.ml.generation import GenerationConfig, Take
from jukebox_gui.core.music.score import Note, Score, Track

SECTIONS = [{"name": "A", "first_bar": 0, "bars": 2, "is_repeat": False, "repeat_of": None, "varied_bars": []},
            {"name": "A", "first_bar": 2, "bars": 2, "is_repeat": True, "repeat_of": 0, "varied_bars": [1]},
            {"name": "B", "first_bar": 4, "bars": 2, "is_repeat": False, "repeat_of": None, "varied_bars": []}]


def make_score(bars: int = 6) -> Score:
    notes = [Note(start=i * 0.5, duration=0.5, pitch=60 + (i * 5) % 12, velocity=80) for i in range(bars * 8)]
    return Score(tracks=[Track(program=40, name="Violin", notes=notes)])


@pytest.fixture
def page(qtbot, isolated_home):
    jobs = JobManager()
    page = GeneratePage(jobs, Settings())
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    yield page
    jobs.stop_all(5.0)


def _has_colour(img: QImage, colour: str) -> bool:
    target = QColor(colour)
    for y in range(0, img.height(), 2):
        for x in range(0, img.width(), 2):
            c = QColor(img.pixel(x, y))
            if abs(c.red() - target.red()) + abs(c.green() - target.green()) + abs(c.blue() - target.blue()) < 40:
                return True
    return False


def test_form_field_reaches_core_and_disables_bars(page):
    assert page.generation_settings()["form"] is None  # empty: a plain continuation, as before
    page.form_edit.setText("intro A A B A outro")
    page.section_bars.setValue(4)
    settings = page.generation_settings()
    assert settings["form"] == "intro A A B A outro" and settings["section_bars"] == 4
    assert not page.bars_spin.isEnabled()
    config = GenerationConfig(**{k: v for k, v in settings.items() if v is not None}).validate()
    assert [s.bars for s in config.form_plan()] == [2, 4, 4, 4, 4, 2]
    page.apply_generation_settings({"form": None})
    assert page.form_edit.text() == "" and page.bars_spin.isEnabled()


def test_form_take_sections_are_labelled_above_the_notes(page, qtbot, tmp_path):
    page.set_models([("tiny", "/models/tiny")])
    report = {"form": {"form": "AAB", "section_bars": 2, "sections": SECTIONS}, "length": {"bars": 6}}
    page.add_take(TakeEntry(1, Take(make_score(), [], report), page.generation_settings(), "/models/tiny"))
    roll = page.piano_roll
    labels = roll.section_labels()
    assert [name for name, _a, _b in labels] == ["A", "A (2nd ending)", "B"]
    assert [(a, b) for _n, a, b in labels] == [(0.0, 8.0), (8.0, 16.0), (16.0, 24.0)]
    qtbot.wait(50)
    img = roll.grab().toImage()
    assert all(_has_colour(img, c) for c in SECTION_COLOURS[:3])
    if os.environ.get("JUKEBOX_SCREENSHOTS"):
        page.grab().save(os.path.join(os.environ["JUKEBOX_SCREENSHOTS"], "generate_form.png"))
    page.add_take(TakeEntry(2, Take(make_score(), [], {"length": {"bars": 6}}), page.generation_settings(),
                            "/models/tiny"))  # a plain take: no bands
    assert roll.section_labels() == []
    assert not _has_colour(roll.grab().toImage(), SECTION_COLOURS[0])


def test_report_names_the_sections():
    from jukebox_gui.app.pages.take_report import report_html

    text = report_html({"form": {"form": "AAB", "sections": SECTIONS}})
    assert "Form" in text and "bars 3–4" in text and "repeat, new last bar" in text and "Details" not in text
