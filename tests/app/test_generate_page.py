"""Generate page: a take shows in the piano roll with its report; export through the buttons;
errors go to a dialog, never a crash."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from jukebox_gui.app.pages.generate_page import GeneratePage, TakeEntry
from jukebox_gui.app.pages.take_report import report_html
from jukebox_gui.app.settings import Settings
from jukebox_gui.app.workers import JobManager
from jukebox_gui.core.ml.generation import Take
from jukebox_gui.core.music.score import Note, Score, Track


def make_score(bars: int = 4) -> Score:
    notes = [Note(start=i * 0.5, duration=0.5, pitch=60 + (i * 5) % 12, velocity=70 + i % 40)
             for i in range(bars * 8)]
    return Score(tracks=[Track(program=40, name="Violin", notes=notes)])


REPORT = {"metrics": {"pitch_class_entropy": 3.1, "note_density": 9.0},
          "corpus_range": {"pitch_class_entropy": {"p10": 2.9, "p50": 3.0, "p90": 3.3},
                           "note_density": {"p10": 2.0, "p50": 3.0, "p90": 4.0}},
          "verdicts": {"pitch_class_entropy": "in range", "note_density": "high"},
          "originality": {"notes": 5, "bars": 0.75, "source": "tune1.mid", "checked": True, "ok": True,
                          "limit_bars": 2.0, "message": "5 notes (0.75 bars) copied from tune1.mid, bar 3"},
          "length": {"bars": 4, "notes": 32}}


@pytest.fixture
def page(qtbot, isolated_home):
    jobs = JobManager()
    page = GeneratePage(jobs, Settings())
    qtbot.addWidget(page)
    page.show()
    yield page
    jobs.stop_all(5.0)


def test_report_shows_ranges_and_originality():
    text = report_html(REPORT)
    assert "in range" in text and "high" in text and "2.9 – 3.3" in text
    assert "tune1.mid" in text and "limit 2 bars" in text
    assert "Not checked" in report_html({"originality": {"checked": False}})


def test_take_shows_in_piano_roll(page):
    assert not page.generate_button.isEnabled()  # no model yet
    page.set_models([("tiny (trained)", "/models/tiny")])
    assert page.generate_button.isEnabled()
    assert not page.export_buttons["midi"].isEnabled()
    score = make_score()
    page.add_take(TakeEntry(1, Take(score, [], REPORT), page.generation_settings(), "/models/tiny"))
    assert page.piano_roll.score() is score
    assert "tune1.mid" in page.report.toPlainText()
    assert page.export_buttons["midi"].isEnabled() and page.render_button.isEnabled()
    assert "Take 1" in page.take_list.item(0).text()


def test_dice_changes_seed_and_settings_reach_core_names(page):
    before = page.seed_spin.value()
    page.dice.click()
    page.dice.click()
    assert page.seed_spin.value() != before or page.seed_spin.value() != 0
    settings = page.generation_settings()
    assert {"bars", "temperature", "top_p", "top_k", "seed", "primer", "tempo", "program"} <= set(settings)
    from jukebox_gui.core.ml.generation import GenerationConfig

    GenerationConfig(**{k: v for k, v in settings.items() if v is not None}).validate()


def test_export_midi_through_the_button(qtbot, page, tmp_path, monkeypatch):
    score = make_score()
    page.add_take(TakeEntry(1, Take(score, []), {"seed": 1}, "m"))
    target = tmp_path / "out.mid"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    with qtbot.waitSignal(page.exported, timeout=30_000) as blocker:
        page.export_buttons["midi"].click()
    assert blocker.args == ["midi", str(target)]
    from jukebox_gui.core.music.midi_io import read_midi

    assert read_midi(target).note_count == score.note_count


def test_export_error_goes_to_a_dialog(qtbot, page, tmp_path, monkeypatch):
    page.add_take(TakeEntry(1, Take(make_score(), []), {"seed": 1}, "m"))
    blocker_file = tmp_path / "a-file"
    blocker_file.write_text("x")
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[1:3]))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(blocker_file / "out.mid"), ""))
    page.export_buttons["midi"].click()
    qtbot.waitUntil(lambda: bool(shown), timeout=30_000)
    title, message = shown[0]
    assert "midi" in title.lower() and message


def test_musicxml_export_names_model_and_seed_like_the_cli(qtbot, page, tmp_path, monkeypatch):
    """The window's MusicXML export titles a take from its report through score_titles.take_titles,
    the function ``jukebox export`` uses for a take's JSON report."""
    from xml.etree import ElementTree

    from jukebox_gui.core.music.score_titles import describe_midi

    report = {**REPORT, "seed": 7, "bundle": {"path": "/x/resources/models/irish", "name": "irish",
                                               "arch": "transformer", "preset": "laptop"}}
    score = make_score()
    score.title = "take-1"  # a take read back from its MIDI file carries the file's stem
    page.add_take(TakeEntry(1, Take(score, [], report), {"seed": 7}, "builtin:irish"))
    target = tmp_path / "take.musicxml"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    with qtbot.waitSignal(page.exported, timeout=60_000):
        page.export_buttons["musicxml"].click()
    root = ElementTree.fromstring(target.read_bytes())
    subtitle = root.findtext("movement-number")
    assert subtitle == "Model builtin:irish (transformer, laptop preset) · seed 7"
    assert root.findtext("movement-title") == "AI Jukebox take (seed 7)"
    assert root.findtext("identification/creator[@type='composer']") == "AI Jukebox"
    assert score.title == "take-1"  # the take itself is left as it was
    # the same titles the CLI finds beside a take's MIDI file
    import json

    (tmp_path / "t.mid").write_bytes(b"")
    (tmp_path / "t.json").write_text(json.dumps(report))
    titles = describe_midi(tmp_path / "t.mid")
    assert (titles.title, titles.subtitle) == ("AI Jukebox take (seed 7)", subtitle)


def test_musicxml_export_without_a_report_keeps_the_score_title(qtbot, page, tmp_path, monkeypatch):
    from xml.etree import ElementTree

    score = make_score()
    score.title = "My tune"
    page.add_take(TakeEntry(1, Take(score, []), {"seed": 1}, "m"))
    target = tmp_path / "plain.musicxml"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    with qtbot.waitSignal(page.exported, timeout=60_000):
        page.export_buttons["musicxml"].click()
    root = ElementTree.fromstring(target.read_bytes())
    assert root.findtext("movement-title") == "My tune" and root.findtext("movement-number") is None


def test_temperature_follows_the_chosen_models_suggestion(qtbot, page):
    """builtin:bach suggests 0.8, builtin:irish 1.0 (their sampling.json); a temperature the user
    set stays when the model changes."""
    def choose(model: str) -> None:
        page.select_model(model)
        qtbot.waitUntil(lambda: page.regen.checks.get(model) is not None, timeout=60_000)

    choose("builtin:bach")
    qtbot.waitUntil(lambda: abs(page.temp_spin.value() - 0.8) < 1e-9, timeout=10_000)
    assert "suggests 0.8" in page.temp_spin.toolTip()
    assert page.generation_settings()["temperature"] == 0.8
    choose("builtin:irish")
    qtbot.waitUntil(lambda: abs(page.temp_spin.value() - 1.0) < 1e-9, timeout=10_000)
    page.temp_spin.setValue(1.3)  # the user's own choice
    choose("builtin:bach")
    qtbot.wait(200)
    assert abs(page.temp_spin.value() - 1.3) < 1e-9
