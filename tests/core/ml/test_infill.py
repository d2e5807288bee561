"""Regenerate a selection with a tiny real model trained with bar-infilling samples."""

from __future__ import annotations

import json

import pytest

from jukebox_gui.core.errors import GenerationError

from tiny_bundle import tiny_bundle, tiny_fill_bundle

pytest.importorskip("tensorflow")


@pytest.fixture(scope="module")
def fill_bundle(tmp_path_factory):
    from jukebox_gui.core.ml.bundle import load_bundle

    return load_bundle(tiny_fill_bundle(tmp_path_factory))


@pytest.fixture(scope="module")
def take(fill_bundle):
    from jukebox_gui.core.ml.generation import GenerationConfig, generate

    return generate(fill_bundle, GenerationConfig(bars=12, seed=3))


def _notes(score, inside: bool, start: float, end: float):
    return sorted((round(n.start, 6), n.pitch, round(n.duration, 6), n.velocity, t.program)
                  for t in score.tracks for n in t.notes if (start - 1e-9 <= n.start < end - 1e-9) == inside)


def test_training_records_the_gap_figures(fill_bundle):
    fill = fill_bundle.training["fill"]
    assert fill["pieces"] >= 1 and fill["gap_bars"] == 2  # 128-token windows: gaps of 2 bars
    assert fill["gap_nats_per_token_both"] > 0 and fill["gap_nats_per_token_left"] > 0
    assert "nats per gap token" in fill["verdict"]
    # the control with another piece's bars after the gap is scored on the same gaps
    assert 0 < fill["gap_nats_per_token_swapped"] != fill["gap_nats_per_token_both"]


def test_bars_outside_the_selection_stay_exactly_as_they_were(fill_bundle, take):
    from jukebox_gui.core.ml.generation import GenerationConfig
    from jukebox_gui.core.ml.infill import infill

    lines = take.score.bar_starts(take.score.end_beat + 1e-6)
    start, end = lines[4], lines[6]
    takes = infill(fill_bundle, take.score, 4, 6, GenerationConfig(seed=11), variants=3)
    assert len(takes) == 3
    before = _notes(take.score, False, start, end)
    insides = []
    for new in takes:
        assert _notes(new.score, False, start, end) == before       # not one note outside changed
        inside = _notes(new.score, True, start, end)
        assert all(s + d <= end + 1e-6 for s, _p, d, _v, _prog in inside)  # new notes end by the seam
        for track in new.score.tracks:  # no two notes of one pitch overlap, across the seams too
            by_pitch = {}
            for n in sorted(track.notes, key=lambda n: n.start):
                last = by_pitch.get(n.pitch)
                assert last is None or last.end <= n.start + 1e-6, (n, last)
                by_pitch[n.pitch] = n
        info = new.report["infill"]
        assert info["bars"] == [5, 6] and info["context_bars"]["before"] >= 1 and info["context_bars"]["after"] >= 1
        # the report's table is the whole take against the corpus's ranges; the new bars' own figures beside
        from jukebox_gui.core.music.metrics import score_metrics

        assert new.report["metrics"] == score_metrics(new.score)
        assert set(new.report["corpus_range"]) == set(new.report["verdicts"]) <= set(new.report["metrics"])
        assert new.report["corpus_range"] and "p10" in next(iter(new.report["corpus_range"].values()))
        if inside:
            assert info["metrics"] == score_metrics(new.score.slice_beats(start, end))
        insides.append(inside)
    assert len({tuple(i) for i in insides}) > 1  # variants differ
    again = infill(fill_bundle, take.score, 4, 6, GenerationConfig(seed=11), variants=1)[0]
    assert _notes(again.score, True, start, end) == insides[0]  # one seed, one result


def test_a_continuation_only_model_says_why_it_cannot_fill(tmp_path_factory, take):
    from jukebox_gui.core.ml.bundle import load_bundle
    from jukebox_gui.core.ml.generation import GenerationConfig
    from jukebox_gui.core.ml.infill import can_fill, infill

    plain = load_bundle(tiny_bundle(tmp_path_factory))
    ok, why = can_fill(plain)
    assert not ok and "continuation only" in why
    with pytest.raises(GenerationError, match="continuation only"):
        infill(plain, take.score, 1, 2, GenerationConfig(seed=1))


def test_bad_selections_get_clear_messages(fill_bundle, take):
    from jukebox_gui.core.ml.generation import GenerationConfig
    from jukebox_gui.core.ml.infill import infill, parse_bars

    assert parse_bars("5-8") == (4, 8) and parse_bars(" 3 ") == (2, 3)
    for text in ("8-5", "0-2", "x", "5-"):
        with pytest.raises(GenerationError, match="bars read like"):
            parse_bars(text)
    with pytest.raises(GenerationError, match="past its end"):
        infill(fill_bundle, take.score, 40, 42, GenerationConfig(seed=1))
    with pytest.raises(GenerationError, match="select at most"):
        infill(fill_bundle, take.score, 0, 12, GenerationConfig(seed=1))  # 12 bars cannot fit 128 tokens
    import dataclasses

    config = fill_bundle.config
    short = dataclasses.replace(fill_bundle, config=dataclasses.replace(
        config, model=dataclasses.replace(config.model, seq_len=12)))  # a window shorter than one bar
    with pytest.raises(GenerationError, match="too short to rewrite a bar of this piece") as caught:
        infill(short, take.score, 2, 3, GenerationConfig(seed=1))
    assert "at most" not in str(caught.value)


def test_jukebox_infill_writes_the_variants(fill_bundle, take, tmp_path, capsys):
    from jukebox_gui import cli
    from jukebox_gui.core.ml.generation import save_take
    from jukebox_gui.core.music.midi_io import read_midi

    src, _ = save_take(take, tmp_path / "take.mid")
    out = tmp_path / "new.mid"
    assert cli.main(["infill", str(src), "--bars", "5-6", "--model", str(fill_bundle.path), "--out", str(out),
                     "--seed", "2", "--variants", "2"]) == 0
    printed = capsys.readouterr().out
    assert "variant 2: bars 5-6 anew" in printed
    for path in (out, tmp_path / "new-2.mid"):
        report = json.loads(path.with_suffix(".json").read_text())
        assert report["infill"]["bars"] == [5, 6] and report["seed"] == 2
        lines = take.score.bar_starts(take.score.end_beat + 1e-6)
        assert _notes(read_midi(path), False, lines[4], lines[6]) == _notes(read_midi(src), False, lines[4], lines[6])
    assert cli.main(["infill", str(src), "--bars", "9-5", "--model", str(fill_bundle.path), "--out", str(out)]) == 2
    assert "bars read like" in capsys.readouterr().err


def test_every_take_opens_with_a_tempo_from_the_corpus(fill_bundle):
    """Fill samples open with bars from inside a piece, so after BOS such a model often skips the
    Tempo token; a take must still carry one of the corpus's tempos, not the default 120 BPM."""
    from jukebox_gui.core.ml.generation import GenerationConfig, generate

    tok = fill_bundle.tokenizer
    corpus_tempos = {float(t) for t in fill_bundle.extras["palette"]["tempos"]}
    for seed in range(6):
        take = generate(fill_bundle, GenerationConfig(bars=2, seed=seed, style_check=False))
        kinds = [tok.token_type(t) for t in take.tokens]
        assert "Tempo" in kinds and kinds.index("Tempo") < kinds.index("Pitch"), kinds[:8]
        assert take.report["tempo_bpm"][0] in corpus_tempos
