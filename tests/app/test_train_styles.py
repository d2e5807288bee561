"""Train page: more corpora beside the chosen one, each a style of one model (issue 19): the list
gives train() the same NAME=CORPUS specs as `jukebox train A B`, a bad or doubled name is said
before training, and a real tiny two-style training from the page writes a model of both styles."""

from __future__ import annotations

import pytest

from jukebox_gui.app.pages.train_page import TrainPage
from jukebox_gui.app.settings import Settings
from jukebox_gui.app.workers import JobManager
from jukebox_gui.core.errors import CorpusError


@pytest.fixture
def page(qtbot, isolated_home):
    jobs = JobManager()
    page = TrainPage(jobs, Settings())
    qtbot.addWidget(page)
    page.show()
    yield page
    jobs.stop_all(10.0)


def test_the_style_list_gives_train_its_specs_and_checks_names(page, tmp_path):
    page.set_corpus("demo:irish")
    assert page.styles.sources("demo:irish") == "demo:irish"  # one corpus: trained as before
    page.styles.add("demo:bach")
    folder = tmp_path / "My Tunes"
    folder.mkdir()
    page.styles.add(str(folder))
    assert page.styles.extras() == [("bach", "demo:bach"), ("My-Tunes", str(folder))]
    assert page.styles.sources("demo:irish") == ["irish=demo:irish", "bach=demo:bach", f"My-Tunes={folder}"]
    page.styles.table.item(1, 0).setText("my tunes")  # a space: core refuses it, so the page says so
    with pytest.raises(CorpusError, match="bad style name"):
        page.styles.sources("demo:irish")
    page.styles.table.item(1, 0).setText("irish")
    with pytest.raises(CorpusError, match="two corpora would be the style 'irish'"):
        page.styles.sources("demo:irish")
    page.styles.table.selectRow(1)
    page.styles.remove_selected()
    assert page.styles.extras() == [("bach", "demo:bach")]


@pytest.mark.slow
def test_a_two_style_model_trains_from_the_page(page, qtbot):
    pytest.importorskip("tensorflow")
    from jukebox_gui.core.ml.bundle import load_bundle

    page.set_corpus("demo:irish")
    page.styles.add("demo:bach")
    page.preset_combo.setCurrentIndex(page.preset_combo.findData("tiny"))
    page.epochs_spin.setValue(1)
    page.name_edit.setText("two-styles")
    with qtbot.waitSignal(page.trained, timeout=600_000) as blocker:
        page.start()
    bundle = load_bundle(blocker.args[0])
    assert list(bundle.tokenizer.style_ids) == ["irish", "bach"]
