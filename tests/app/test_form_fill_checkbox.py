"""The Generate page's "fill new sections between their neighbours" box reaches core (issue 17)."""

from __future__ import annotations

import pytest

from jukebox_gui.app.pages.generate_page import GeneratePage
from jukebox_gui.app.settings import Settings
from jukebox_gui.app.workers import JobManager
from jukebox_gui.core.ml.generation import GenerationConfig


@pytest.fixture
def page(qtbot, isolated_home):
    jobs = JobManager()
    page = GeneratePage(jobs, Settings())
    qtbot.addWidget(page)
    yield page
    jobs.stop_all(5.0)


def _config(page) -> GenerationConfig:
    return GenerationConfig(**{k: v for k, v in page.generation_settings().items() if v is not None}).validate()


def test_fill_sections_box_reaches_core(page):
    assert page.generation_settings()["form_fill"] is False and not _config(page).form_fill  # off by default
    page.form_edit.setText("ABA")
    page.form_fill_check.setChecked(True)
    config = _config(page)
    assert config.form_fill and config.form == "ABA"
    page.apply_generation_settings({"form_fill": False})
    assert not page.form_fill_check.isChecked()
    page.apply_generation_settings({"form": "AABA", "form_fill": True})
    assert page.form_fill_check.isChecked() and _config(page).form_fill
