"""Song form, a new section filled between its neighbours (issue 17, ``form_fill``), on the tiny
real fill model of test_infill (and the continuation-only tiny model for the fallback)."""

from __future__ import annotations

import json

import pytest

from tiny_bundle import tiny_bundle, tiny_fill_bundle

pytest.importorskip("tensorflow")


@pytest.fixture(scope="module")
def fill_bundle(tmp_path_factory):
    from jukebox_gui.core.ml.bundle import load_bundle

    return load_bundle(tiny_fill_bundle(tmp_path_factory))


def _take(bundle, form, section_bars, seed, **extra):
    from jukebox_gui.core.ml.generation import GenerationConfig, generate

    return generate(bundle, GenerationConfig(form=form, section_bars=section_bars, seed=seed, style_check=False,
                                             **{"form_fill": True, **extra}))


@pytest.fixture(scope="module")
def aba(fill_bundle):
    return _take(fill_bundle, "ABA", 3, 3, second_endings=False)


def _bars(bundle, take):
    from jukebox_gui.core.data.grammar import Grammar
    from jukebox_gui.core.ml.form import bar_spans

    return [take.tokens[a:b] for a, b in bar_spans(take.tokens, Grammar(bundle.tokenizer))]


def _lines(score, count):
    lines = score.bar_starts(score.end_beat + 1e-6)
    while len(lines) <= count:
        lines.append(lines[-1] + score.time_signature_at(lines[-1]).bar_beats)
    return lines


def _assert_seams_hold(take, sections):
    """Notes of a filled section end by its last bar line; no two notes of one pitch overlap."""
    lines = _lines(take.score, sum(s["bars"] for s in sections))
    for s in sections:
        if s["made"] != "filled":
            continue
        start, end = lines[s["first_bar"]], lines[s["first_bar"] + s["bars"]]
        inside = [n for t in take.score.tracks for n in t.notes if start - 1e-9 <= n.start < end - 1e-9]
        assert all(n.end <= end + 1e-6 for n in inside), [(n.start, n.end, end) for n in inside if n.end > end]
    for track in take.score.tracks:
        last = {}
        for n in sorted(track.notes, key=lambda n: n.start):
            assert n.pitch not in last or last[n.pitch].end <= n.start + 1e-6, (n, last[n.pitch])
            last[n.pitch] = n


def test_a_filled_aba_has_its_bars_and_an_exact_repeat(fill_bundle, aba):
    form = aba.report["form"]
    assert [(s["name"], s["first_bar"], s["bars"], s["made"]) for s in form["sections"]] == [
        ("A", 0, 3, "continued"), ("B", 3, 3, "filled"), ("A", 6, 3, "copied")]
    b = form["sections"][1]
    assert b["filled_bars"] == 3 and b["context_bars"]["before"] >= 1 and b["context_bars"]["after"] >= 1
    assert form["fill_sections"] and form["fill_message"] == ""
    bars = _bars(fill_bundle, aba)
    assert len(bars) == 9 == aba.report["settings"]["bars"]
    assert bars[6:9] == bars[0:3]  # the copied A: token for token
    assert bars[3:6] != bars[0:3]
    assert any(fill_bundle.tokenizer.token_type(t) == "Pitch" for bar in bars[3:6] for t in bar)  # B has notes
    _assert_seams_hold(aba, form["sections"])
    again = _take(fill_bundle, "ABA", 3, 3, second_endings=False)
    assert again.tokens == aba.tokens  # one seed, one take


def test_the_fill_reads_the_known_bars_after_the_section(fill_bundle):
    """What the model reads for B is the fill prompt: A's bars, Gap, the repeat's bars, Fill."""
    from jukebox_gui.core.ml import form_fill

    seen = []
    real = form_fill.SectionFiller.fill

    def spy(self, tokens, bars, right):
        seen.append((list(tokens), bars, [list(b) for b in right]))
        return real(self, tokens, bars, right)

    form_fill.SectionFiller.fill = spy
    try:
        take = _take(fill_bundle, "AABA", 2, 9)  # second endings on: the last A's bar 2 may vary
    finally:
        form_fill.SectionFiller.fill = real
    bars = _bars(fill_bundle, take)
    sections = take.report["form"]["sections"]
    assert [s["made"] for s in sections] == ["continued", "copied", "filled", "copied"]
    assert len(seen) == 1
    tokens, count, right = seen[0]
    assert count == 2 and tokens == take.tokens[:len(tokens)]
    assert right == [bars[0]]  # the repeat's first bar (its second ending is not known yet)
    assert bars[6] == bars[0] and bars[2] == bars[0]  # the repeats' first bars: copies (bar 2 of each may vary)
    assert len(bars) == 8
    _assert_seams_hold(take, sections)


def test_a_long_section_is_continued_then_filled_and_words_forms(fill_bundle):
    take = _take(fill_bundle, "ABA", 8, 5)  # 8-bar B: more than a 128-token window holds
    sections = take.report["form"]["sections"]
    b = sections[1]
    assert (b["made"], b["bars"], b["first_bar"]) == ("filled", 8, 8) and 1 <= b["filled_bars"] < 8
    assert len(_bars(fill_bundle, take)) == 24
    _assert_seams_hold(take, sections)
    take = _take(fill_bundle, "verse chorus verse chorus", 2, 1)
    assert [s["made"] for s in take.report["form"]["sections"]] == ["continued", "filled", "copied", "copied"]


def test_nothing_to_fill_and_off_by_default(fill_bundle):
    from jukebox_gui.core.ml.generation import GenerationConfig, generate

    take = _take(fill_bundle, "AABB", 2, 2)  # the second B repeats B itself: nothing known after it
    form = take.report["form"]
    assert [s["made"] for s in form["sections"]] == ["continued", "copied", "continued", "copied"]
    assert "no new section" in form["fill_message"]
    plain = generate(fill_bundle, GenerationConfig(form="ABA", section_bars=3, seed=4, second_endings=False,
                                                   style_check=False))
    form = plain.report["form"]
    assert [s["made"] for s in form["sections"]] == ["continued", "continued", "copied"]
    assert not form["fill_sections"] and form["fill_message"] == ""


def test_seam_safe_cuts_pads_and_shortens(fill_bundle):
    from jukebox_gui.core.data.grammar import Grammar
    from jukebox_gui.core.ml.form_fill import seam_safe

    tok = fill_bundle.tokenizer
    grammar = Grammar(tok)
    vocab = tok.vocab()
    names = sorted(vocab)
    sig = vocab["TimeSig_4/4"] if "TimeSig_4/4" in vocab else vocab[next(n for n in names if n.startswith("TimeSig_"))]
    header = [vocab["Bar_None"], sig]
    from jukebox_gui.core.data.grammar import RemiState

    last = RemiState(grammar).feed(header).bar_positions - 1
    longest = max((vocab[n] for n in names if n.startswith("Duration_")), key=lambda t: grammar.duration_units[t])
    pitch = vocab[next(n for n in names if n.startswith("Pitch_"))]
    # a bar's last position: a note lasting the longest duration, then a note group cut short
    new = [*header, vocab[f"Position_{last}"], pitch, longest, vocab[f"Position_{last}"], pitch]
    out = seam_safe(new, 2, header, grammar)
    assert len(out) == 7 and sum(1 for t in out if grammar.is_bar[t]) == 2 and out[-2:] == header  # padded
    assert out[4] != longest and grammar.is_duration[out[4]]
    state = RemiState(grammar).feed(out)
    assert len(state.notes) == 1 and state.notes[0].start + state.notes[0].duration <= 2 * state.bar_beats + 1e-9
    assert state.notes[0].duration > 1  # the longest that fits (more than a bar's last step)
    untouched = [*header, vocab[f"Position_{last}"], pitch, out[4], *header]
    assert seam_safe(untouched, 2, header, grammar) == untouched


def test_a_model_that_cannot_fill_continues_and_says_so(tmp_path_factory, tmp_path, capsys):
    from jukebox_gui import cli
    from jukebox_gui.core.ml.bundle import load_bundle

    plain = load_bundle(tiny_bundle(tmp_path_factory))
    take = _take(plain, "ABA", 2, 3)
    form = take.report["form"]
    assert [s["made"] for s in form["sections"]] == ["continued", "continued", "copied"]
    assert "continuation only" in form["sections"][1]["fill_note"]
    assert "cannot fill" in form["fill_message"] and "continued instead" in form["fill_message"]
    assert len(_bars(plain, take)) == 6
    out = tmp_path / "aba.mid"
    assert cli.main(["generate", str(plain.path), "--form", "ABA", "--section-bars", "2", "--fill-sections",
                     "--seed", "3", "--quiet", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "--fill-sections: this model cannot fill" in err and "continued instead" in err


def test_jukebox_generate_fill_sections(fill_bundle, tmp_path, capsys):
    from jukebox_gui import cli

    out = tmp_path / "aba.mid"
    assert cli.main(["generate", str(fill_bundle.path), "--form", "ABA", "--section-bars", "2", "--fill-sections",
                     "--exact-repeats", "--seed", "6", "--no-style-check", "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert "B~(3-4)" in printed.out and "A*(5-6)" in printed.out and "filled between" in printed.out
    assert "--fill-sections" not in printed.err
    report = json.loads(out.with_suffix(".json").read_text())
    assert report["settings"]["form_fill"] is True
    assert [s["made"] for s in report["form"]["sections"]] == ["continued", "filled", "copied"]
    assert cli.main(["generate", str(fill_bundle.path), "--fill-sections", "--out", str(out)]) == 2
    assert "--fill-sections fills sections of a --form" in capsys.readouterr().err
