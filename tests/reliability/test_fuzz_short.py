"""The fuzz harness (benchmarks/fuzz.py), short: ~200 mutated real MIDI files through the scan's
worker-process parse path. The long run (>= 10,000 cases) is ``python -m benchmarks fuzz``."""

from __future__ import annotations

import random

from benchmarks import fuzz


def test_short_fuzz_run_has_no_unhandled_exceptions_or_hangs():
    result = fuzz.main(["--cases", "200", "--seed", "7", "--workers", "2"])
    assert result["cases_run"] == 200
    assert result["unhandled_exceptions"] == 0, result["exception_examples"]
    assert result["hangs_over_2s"] == 0
    assert result["ok"] + result["skipped"] + result["crashes"] + result["timed_out_under_load"] == 200
    assert result["ok"] > 0 and result["skipped"] > 0  # the mutations really break some files
    assert set(result["mutations"]) >= {"flip", "truncate", "chunk_len", "huge_delta", "tpb"}


def test_fuzz_job_reports_an_escaping_exception_instead_of_raising(tmp_path, monkeypatch):
    """The harness can fail: an exception out of inspect_file is counted, not swallowed."""
    from jukebox_gui.core.data import file_facts

    def broken(path, limits):
        raise KeyError("boom")

    monkeypatch.setattr(file_facts, "inspect_file", broken)
    result = fuzz.fuzz_job(str(tmp_path / "x.mid"), None)
    assert result["status"] == "exception" and "KeyError" in result["reason"]


def test_mutations_change_the_bytes():
    seeds = [bytes(fuzz.seed_files(limit=3)[0])]
    rng = random.Random(1)
    changed = sum(fuzz.mutate(seeds[0], rng, seeds)[0] != seeds[0] for _ in range(50))
    assert changed >= 45
