"""Settings > SoundFont… (issue 18): the SoundFonts found are listed with the bundled one first and
marked as the default; each is test-loaded by real FluidSynth (in a child process) before OK takes
it; a file FluidSynth refuses is named in a message and the previous choice stays. The choice is
the window's and the CLI's (``jukebox render``)."""

from __future__ import annotations

import shutil

import pytest

from jukebox_gui.app.main_window import MainWindow
from jukebox_gui.app.soundfont_dialog import SoundFontDialog, probe_soundfont
from jukebox_gui.core.audio.soundfonts import bundled_soundfont, load_soundfont_choice

WAIT_MS = 60_000


@pytest.fixture
def window(qtbot, isolated_home):
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    yield w
    w.jobs.stop_all(10.0)
    w.close()


@pytest.fixture
def bundled():
    path = bundled_soundfont()
    assert path is not None, "the bundled SoundFont soundfonts/TimGM6mb.sf2 is missing"
    return path




def _texts(dialog: SoundFontDialog) -> list[str]:
    return [dialog.list.item(i).text() for i in range(dialog.list.count())]


def test_the_bundled_soundfont_is_listed_first_as_the_default_and_can_be_chosen(qtbot, window, bundled):
    dialog = window.show_soundfont_dialog()
    qtbot.waitUntil(lambda: dialog.list.count() > 0 and dialog.ok_button.isEnabled(), timeout=WAIT_MS)
    first = _texts(dialog)[0]
    assert first.startswith("TimGM6mb") and "default" in first and "bundled" in first
    assert dialog.selected_path() == str(bundled)
    assert "TimGM6mb.sf2 loads in FluidSynth" in dialog.message.text()
    with qtbot.waitSignal(dialog.chosen, timeout=WAIT_MS) as blocker:
        dialog.ok_button.click()
    assert blocker.args == [""]  # "": the bundled default
    assert window.settings.soundfont() == ""
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: not window.jobs.active(), timeout=WAIT_MS)
    assert load_soundfont_choice() is None  # the CLI renders with the default too


def test_a_browsed_soundfont_is_tested_then_used_by_window_and_cli(qtbot, window, bundled, tmp_path, multitrack_take):
    mine = tmp_path / "Mine.sf2"
    shutil.copyfile(bundled, mine)
    dialog = window.show_soundfont_dialog()
    qtbot.waitUntil(lambda: dialog.ok_button.isEnabled(), timeout=WAIT_MS)
    browse = dialog.browse()  # Browse…: a file dialog, driven like a user
    assert browse.isVisible()
    browse.selectFile(str(mine))
    with qtbot.waitSignal(dialog.tested, timeout=WAIT_MS) as blocker:
        browse.accept()
    assert blocker.args[0].ok
    assert dialog.selected_path() == str(mine) and "chosen with Browse" in dialog.list.currentItem().text()
    with qtbot.waitSignal(dialog.chosen, timeout=WAIT_MS):
        dialog.ok_button.click()
    assert window.settings.soundfont() == str(mine)
    qtbot.waitUntil(lambda: not window.jobs.active(), timeout=WAIT_MS)
    assert load_soundfont_choice() == mine.resolve()
    assert "Mine.sf2" in window.statusBar().currentMessage()
    # renders use it: the Generate page passes the window's choice to FluidSynth
    page = window.generate_page
    assert page.soundfont() == str(mine)
    page.add_take(multitrack_take(page))
    with qtbot.waitSignal(page.rendered, timeout=WAIT_MS):
        page.render()
    assert page.current_take().audio is not None


@pytest.mark.parametrize("kind", ["text", "truncated"])
def test_a_refused_file_is_named_and_the_previous_choice_stays(qtbot, window, bundled, tmp_path, kind):
    mine = tmp_path / "Mine.sf2"
    shutil.copyfile(bundled, mine)
    window.settings.set_soundfont(str(mine))
    bad = tmp_path / "Broken.sf2"
    if kind == "text":
        bad.write_text("this is a text file, renamed\n" * 50)
    else:  # a real SoundFont's header, cut off: only FluidSynth notices
        bad.write_bytes(bundled.read_bytes()[:200_000])
    dialog = window.show_soundfont_dialog()
    qtbot.waitUntil(lambda: dialog.ok_button.isEnabled(), timeout=WAIT_MS)
    assert dialog.selected_path() == str(mine)  # the current choice is selected
    with qtbot.waitSignal(dialog.tested, timeout=WAIT_MS) as blocker:
        dialog.try_file(str(bad))
    probe = blocker.args[0]
    assert not probe.ok
    assert "Broken.sf2" in dialog.message.text() and dialog.message.text().startswith("✗")
    assert all("Broken" not in text for text in _texts(dialog))  # not listed
    assert dialog.selected_path() == str(mine) and dialog.ok_button.isEnabled()
    dialog.reject()
    assert window.settings.soundfont() == str(mine)


def test_probe_reports_fluidsynth_refusal_in_plain_words(tmp_path, bundled):
    fake = tmp_path / "fake.sf2"
    fake.write_bytes(b"RIFF\x10\x00\x00\x00sfbkLIST" + b"\x00" * 64)  # the header alone
    result = probe_soundfont(fake)
    assert not result.ok and "fake.sf2" in result.message and "FluidSynth" in result.message
    good = probe_soundfont(bundled)
    assert good.ok and good.presets > 100


@pytest.fixture
def multitrack_take(real_midi_files):
    """``make(page)``: a take of a real 4-track MIDI file, as an opened file is listed."""
    from jukebox_gui.app.pages.take_entry import TakeEntry
    from jukebox_gui.core.ml.generation import Take
    from jukebox_gui.core.music.midi_io import read_midi
    from jukebox_gui.core.opened_takes import opened_report, opened_settings

    path = next(p for p in real_midi_files if p.name == "test02.mid")

    def make(page):
        score = read_midi(path)
        return TakeEntry(1, Take(score=score, tokens=[], report=opened_report(path, score)),
                         opened_settings(path), "")

    return make
