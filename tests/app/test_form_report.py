"""The take report says how each section of a song-form take was made (issue 17): continued from
the music before it, filled between its neighbours, or a copy of an earlier section, and why a
model could not fill (``fill_message``). A hand-made report and a real AABA/ABA take of the
builtin Irish model, generated from the Generate page."""

from __future__ import annotations

import os

import pytest

from jukebox_gui.app.pages.generate_page import GeneratePage
from jukebox_gui.app.pages.take_report import report_html
from jukebox_gui.app.settings import Settings
from jukebox_gui.app.style import WARNING_COLOR
from jukebox_gui.app.workers import JobManager

FORM = {"form": "intro A A B A", "section_bars": 8, "fill_sections": True, "fill_message": "", "sections": [
    {"name": "intro", "first_bar": 0, "bars": 4, "is_repeat": False, "repeat_of": None, "varied_bars": [],
     "made": "continued"},
    {"name": "A", "first_bar": 4, "bars": 8, "is_repeat": False, "repeat_of": None, "varied_bars": [],
     "made": "continued"},
    {"name": "A", "first_bar": 12, "bars": 8, "is_repeat": True, "repeat_of": 1, "varied_bars": [7],
     "made": "copied"},
    {"name": "B", "first_bar": 20, "bars": 8, "is_repeat": False, "repeat_of": None, "varied_bars": [],
     "made": "filled", "filled_bars": 8, "context_bars": {"before": 6, "after": 3}},
    {"name": "A", "first_bar": 28, "bars": 8, "is_repeat": True, "repeat_of": 1, "varied_bars": [],
     "made": "copied"}]}


def _rows(text: str) -> list[str]:
    return [row.split("</tr>")[0] for row in text.split("<tr>")[1:]]


def test_each_section_says_how_it_was_made():
    rows = _rows(report_html({"form": FORM}))
    assert len(rows) == 5
    assert "intro" in rows[0] and "bars 1–4" in rows[0] and "new: the opening" in rows[0]
    assert "bars 5–12" in rows[1] and "new: continued from the bars before" in rows[1]
    assert "copy of section 2, new last bar" in rows[2]
    assert "<b>B</b>" in rows[3] and "bars 21–28" in rows[3] and "new: filled between its neighbours" in rows[3]
    assert "copy of section 2</td>" in rows[4]  # an exact copy
    assert "⚠" not in report_html({"form": FORM})  # everything that could be filled was


def test_a_partly_filled_section_and_a_model_that_cannot_fill():
    partly = {**FORM, "sections": [dict(s) for s in FORM["sections"]]}
    partly["sections"][3].update(filled_bars=3)
    assert "new: continued, then its last 3 bars filled between its neighbours" in report_html({"form": partly})

    message = ("this model cannot fill: it was trained without bar-infilling samples; "
               "the new sections were continued instead")
    cannot = {**FORM, "fill_message": message, "sections": [dict(s) for s in FORM["sections"]]}
    cannot["sections"][3] = {**cannot["sections"][3], "made": "continued",
                             "fill_note": "this model cannot fill: it was trained without bar-infilling samples"}
    text = report_html({"form": cannot})
    assert f"<p style='color:{WARNING_COLOR}'>⚠ {message}</p>" in text  # the reason, once, as a warning
    b = _rows(text)[3]
    assert "new: continued from the bars before" in b and "(not filled)" in b and "trained without" not in b

    window = {**FORM, "sections": [dict(s) for s in FORM["sections"]],
              "fill_message": "section B was continued: its bars and the music around them do not fit"}
    window["sections"][3] = {**window["sections"][3], "made": "continued",
                             "fill_note": "its bars and the music around them do not fit this model's window"}
    text = report_html({"form": window})
    assert "(not filled: its bars and the music around them do not fit this model&#x27;s window)" in text
    assert "⚠ section B was continued" in text


def test_a_report_of_an_older_version_still_reads():
    old = {"form": "AAB", "sections": [
        {"name": "A", "first_bar": 0, "bars": 2, "is_repeat": False, "repeat_of": None, "varied_bars": []},
        {"name": "A", "first_bar": 2, "bars": 2, "is_repeat": True, "repeat_of": 0, "varied_bars": [1]}]}
    rows = _rows(report_html({"form": old}))
    assert rows[0].endswith("<td>new</td>") and "repeat, new last bar" in rows[1]


@pytest.fixture
def page(qtbot, isolated_home):
    jobs = JobManager()
    page = GeneratePage(jobs, Settings())
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    yield page
    jobs.stop_all(10.0)


def test_a_real_filled_form_take_shows_how_its_sections_were_made(page, qtbot):
    pytest.importorskip("tensorflow")
    page.select_model("builtin:irish")
    page.form_edit.setText("ABA")
    page.section_bars.setValue(2)
    page.form_fill_check.setChecked(True)
    page.seed_spin.setValue(3)
    with qtbot.waitSignal(page.generated, timeout=120_000) as blocker:
        page.generate()
    take = blocker.args[0]
    made = [s["made"] for s in take.report["form"]["sections"]]
    assert made[0] == "continued" and made[2] == "copied" and made[1] in ("filled", "continued")
    shown = page.report.toPlainText()
    assert "new: the opening" in shown and "copy of section 1" in shown
    if made[1] == "filled":
        assert "filled between its neighbours" in shown
    else:  # the model could not fill it: the report says why
        assert take.report["form"]["fill_message"] and "⚠" in shown
    if os.environ.get("JUKEBOX_SCREENSHOTS"):
        page.grab().save(os.path.join(os.environ["JUKEBOX_SCREENSHOTS"], "polish-form-report.png"))
