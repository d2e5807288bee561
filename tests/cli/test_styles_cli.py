"""`jukebox train A B` (one model of two styles) and `jukebox generate --style`, in process."""

from __future__ import annotations

import json
import shutil

import pytest

from jukebox_gui.cli import main

pytest.importorskip("tensorflow")


@pytest.mark.slow
def test_train_two_folders_then_generate_each_style(tmp_path, capsys):
    from jukebox_gui.core.demo import demo_corpus_dir

    folders = {}
    for name in ("irish", "bach"):
        folder = tmp_path / name
        folder.mkdir()
        for f in sorted(demo_corpus_dir(name).glob("*.mid"))[:12]:
            shutil.copy(f, folder / f.name)
        folders[name] = folder
    out = tmp_path / "M"
    assert main(["train", str(folders["irish"]), f"chorales={folders['bach']}", "--preset", "tiny",
                 "--epochs", "1", "--seed", "3", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "styles: 2" in text
    assert "  irish: 12 files" in text and "  chorales: 12 files" in text and "of training windows" in text
    take = tmp_path / "t.mid"
    assert main(["generate", str(out), "--out", str(take), "--style", "chorales", "--bars", "2", "--seed", "1"]) == 0
    assert "style: chorales 100%" in capsys.readouterr().out
    report = json.loads(take.with_suffix(".json").read_text())
    assert report["settings"]["style"] == "chorales" and report["instruments"]["programs"] == [52]
    assert main(["generate", str(out), "--out", str(take), "--style", "irish=0.7,chorales=0.3", "--bars", "2",
                 "--seed", "1", "--quiet"]) == 0
    assert main(["generate", str(out), "--out", str(take), "--style", "bach"]) == 2
    assert "no style bach; its styles: irish, chorales" in capsys.readouterr().err
    assert main(["train", "demo:irish", "irish=demo:bach", "--out", str(tmp_path / "X")]) == 2
    assert "name them" in capsys.readouterr().err
