"""A model's own temperature suggestion (sampling.json) is used unless the user chose one."""

from __future__ import annotations

import json
import shutil

import pytest

from tiny_bundle import tiny_bundle


@pytest.fixture(scope="module")
def suggesting(tmp_path_factory):
    """A tiny bundle that suggests temperature 0.3, and the same bundle without a suggestion."""
    plain = tiny_bundle(tmp_path_factory)
    folder = tmp_path_factory.mktemp("suggesting") / "model"
    shutil.copytree(plain, folder)
    (folder / "sampling.json").write_text(json.dumps({"temperature": 0.3, "why": "test"}))
    return folder, plain


def test_suggestion_read_and_checked():
    from types import SimpleNamespace

    from jukebox_gui.core.ml.model_defaults import DEFAULT_TEMPERATURE, suggested_temperature, with_model_defaults
    from jukebox_gui.core.ml.generation import GenerationConfig

    def bundle(sampling):
        return SimpleNamespace(extras={"sampling": sampling} if sampling is not None else {})

    assert suggested_temperature(bundle({"temperature": 0.8})) == 0.8
    for bad in ({"temperature": "hot"}, {"temperature": True}, {"temperature": 50}, {"temperature": 0}, [], None):
        assert suggested_temperature(bundle(bad)) is None, bad
    assert GenerationConfig().temperature is None and GenerationConfig().sampling.temperature == DEFAULT_TEMPERATURE
    assert with_model_defaults(GenerationConfig(), bundle({"temperature": 0.8})).temperature == 0.8
    assert with_model_defaults(GenerationConfig(), bundle(None)).temperature == DEFAULT_TEMPERATURE
    assert with_model_defaults(GenerationConfig(temperature=1.2), bundle({"temperature": 0.8})).temperature == 1.2


def test_takes_use_the_suggestion_unless_a_temperature_is_given(suggesting, tmp_path, capsys):
    from jukebox_gui import cli
    from jukebox_gui.core.ml.bundle import load_bundle
    from jukebox_gui.core.ml.generation import GenerationConfig, generate

    folder, plain = suggesting
    take = generate(load_bundle(folder), GenerationConfig(bars=2, seed=3))
    assert take.report["settings"]["temperature"] == 0.3
    assert generate(load_bundle(plain), GenerationConfig(bars=2, seed=3)).report["settings"]["temperature"] == 0.9
    mine = generate(load_bundle(folder), GenerationConfig(bars=2, seed=3, temperature=1.1))
    assert mine.report["settings"]["temperature"] == 1.1
    for args, want in (([], 0.3), (["--temperature", "0.7"], 0.7)):
        report = tmp_path / f"r{len(args)}.json"
        assert cli.main(["generate", str(folder), "--bars", "2", "--seed", "3", "--out", str(tmp_path / "t.mid"),
                         "--report", str(report), "--quiet", *args]) == 0, capsys.readouterr().err
        assert json.loads(report.read_text())["settings"]["temperature"] == want
