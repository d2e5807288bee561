"""The `jukebox` entry point: help, version, one-line errors with exit code 2, logging."""

from __future__ import annotations

import argparse

from jukebox_gui import cli
from jukebox_gui.core.errors import CorpusError


def test_no_command_prints_help(capsys):
    assert cli.main([]) == 0
    assert "usage: jukebox" in capsys.readouterr().out


def test_domain_errors_become_one_line_and_exit_2(capsys, monkeypatch, isolated_home):
    def boom(_args):
        raise CorpusError("no usable MIDI files in /nowhere")

    real = cli.build_parser

    def parser_with_boom():
        parser = real()
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        sub.add_parser("boom").set_defaults(func=boom)
        return parser

    monkeypatch.setattr(cli, "build_parser", parser_with_boom)
    assert cli.main(["boom"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["jukebox boom: error: no usable MIDI files in /nowhere"]
    log = isolated_home / "logs" / "jukebox.log"
    assert "boom failed: no usable MIDI files" in log.read_text()
