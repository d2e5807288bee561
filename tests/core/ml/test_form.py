"""Song form (issue 17): parsing forms, takes by form on a tiny real bundle, their MusicXML."""

from __future__ import annotations

import pytest

from jukebox_gui.core.errors import GenerationError
from jukebox_gui.core.ml.form import parse_form

from tiny_bundle import tiny_bundle


def _names(plan):
    return [(s.name, s.bars, s.repeat_of) for s in plan]


def test_forms_parse():
    assert _names(parse_form("AABB")) == [("A", 8, None), ("A", 8, 0), ("B", 8, None), ("B", 8, 2)]
    assert _names(parse_form("ABAB", 4)) == [("A", 4, None), ("B", 4, None), ("A", 4, 0), ("B", 4, 1)]
    assert _names(parse_form("intro A A B A outro")) == [
        ("intro", 4, None), ("A", 8, None), ("A", 8, 1), ("B", 8, None), ("A", 8, 1), ("outro", 4, None)]
    assert _names(parse_form("verse, chorus, Verse, CHORUS", 6)) == [
        ("verse", 6, None), ("chorus", 6, None), ("verse", 6, 0), ("chorus", 6, 1)]
    assert _names(parse_form("A4A4B2B")) == [("A", 4, None), ("A", 4, 0), ("B", 2, None), ("B", 2, 2)]
    assert _names(parse_form("intro:2 verse8 a a", 4)) == [("intro", 2, None), ("verse", 8, None),
                                                          ("A", 4, None), ("A", 4, 2)]
    assert parse_form("intro A", 1)[0].bars == 1  # half of one bar is still a bar
    for bad in ("", "  ", "A4 A8", "1A", "A-0", "A 99", "verse!"):
        with pytest.raises(GenerationError):
            parse_form(bad)
    with pytest.raises(GenerationError):
        parse_form("AB", 0)


def test_config_checks_the_form():
    from jukebox_gui.core.ml.generation import GenerationConfig

    assert GenerationConfig(form="AABB").validate().form_plan()[1].is_repeat
    with pytest.raises(GenerationError):
        GenerationConfig(form="A4 A5").validate()
    with pytest.raises(GenerationError):
        GenerationConfig(form="AABB", seconds=10).validate()
    with pytest.raises(GenerationError):
        GenerationConfig(form="A64 " * 17).validate()  # 1,088 bars


# ---- takes by form ---------------------------------------------------------------------------------
pytest.importorskip("tensorflow")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    from jukebox_gui.core.ml.bundle import load_bundle

    return load_bundle(tiny_bundle(tmp_path_factory))


@pytest.fixture(scope="module")
def aabb(bundle):
    from jukebox_gui.core.ml.generation import GenerationConfig, generate

    return generate(bundle, GenerationConfig(form="AABB", section_bars=4, seed=11, style_check=False))


def _bar_tokens(bundle, take):
    from jukebox_gui.core.data.grammar import Grammar
    from jukebox_gui.core.ml.form import bar_spans

    return [take.tokens[a:b] for a, b in bar_spans(take.tokens, Grammar(bundle.tokenizer))]


def _bar_notes(score, bars):
    """Per bar: its notes as (onset in the bar, pitch, duration), sorted."""
    starts = score.bar_starts(score.end_beat + 1e-6)
    while len(starts) <= bars:
        starts.append(starts[-1] + score.time_signature_at(starts[-1]).bar_beats)
    out = [[] for _ in range(bars)]
    for track in score.tracks:
        for n in track.notes:
            i = max(k for k in range(bars) if starts[k] <= n.start + 1e-9)
            out[i].append((round(n.start - starts[i], 6), n.pitch, round(n.duration, 6)))
    return [sorted(b) for b in out]


def test_every_section_has_its_bars_and_repeats_are_real(bundle, aabb):
    form = aabb.report["form"]
    assert [(s["name"], s["first_bar"], s["bars"], s["is_repeat"]) for s in form["sections"]] == [
        ("A", 0, 4, False), ("A", 4, 4, True), ("B", 8, 4, False), ("B", 12, 4, True)]
    assert [s["made"] for s in form["sections"]] == ["continued", "copied", "continued", "copied"]
    assert not form["fill_sections"] and form["fill_message"] == ""  # form_fill is off by default
    bars = _bar_tokens(bundle, aabb)
    assert len(bars) == 16 == form["bars"] == aabb.report["settings"]["bars"]
    notes = _bar_notes(aabb.score, 16)
    for first, repeat in ((0, 4), (8, 12)):
        for k in range(3):  # the repeat's bars before its last: the same tokens, the same notes
            assert bars[repeat + k] == bars[first + k]
            # (a note held on to the next onset (core.music.voicing) may end differently before a
            # second ending: the lengths of the bar before it are left out)
            same = (lambda b: b) if k < 2 else (lambda b: [n[:2] for n in b])  # noqa: E731
            assert same(notes[repeat + k]) == same(notes[first + k])
    for section in form["sections"]:
        if section["is_repeat"]:
            original = form["sections"][section["repeat_of"]]
            assert section["varied_bars"] in ([], [3])  # only the second ending may differ
            assert (bars[section["first_bar"] + 3] != bars[original["first_bar"] + 3]) == bool(section["varied_bars"])


def test_exact_repeats_and_a_form_with_words(bundle):
    from jukebox_gui.core.ml.generation import GenerationConfig, generate

    take = generate(bundle, GenerationConfig(form="intro verse chorus verse chorus", section_bars=2, seed=3,
                                             second_endings=False, style_check=False))
    sections = take.report["form"]["sections"]
    assert [(s["name"], s["bars"], s["first_bar"]) for s in sections] == [
        ("intro", 1, 0), ("verse", 2, 1), ("chorus", 2, 3), ("verse", 2, 5), ("chorus", 2, 7)]
    bars = _bar_tokens(bundle, take)
    assert len(bars) == 9
    assert bars[5:7] == bars[1:3] and bars[7:9] == bars[3:5]
    assert all(s["varied_bars"] == [] for s in sections)


def test_bar_repetition_of_a_form_take_is_measured(bundle, aabb):
    """The take as heard repeats at least the copied bars; the style check saw the written form."""
    heard = aabb.report["metrics"]["bar_repetition"]
    written = aabb.report["form"]["written"]
    counted = [b for b in _bar_notes(aabb.score, 16) if b]
    copied = sum(1 for k in (4, 5, 6, 12, 13, 14) if _bar_notes(aabb.score, 16)[k])
    assert heard >= copied / len(counted) - 1e-9 > 0
    assert written["bars"] == 16 - 6 - (2 - sum(bool(s["varied_bars"]) for s in aabb.report["form"]["sections"]))
    assert 0 <= written["metrics"]["bar_repetition"] < heard
    assert aabb.report["style"]["measured_on"] == "written form"


def test_repeats_inside_a_new_section_count_its_bars_as_written(tmp_path_factory):
    """The corpus's files are written with each section once, so a repeat the palette records for
    written bar 3 (1-based: bar 3 repeats bar 2) is proposed at the first bar of B in an AAB form
    of 2-bar sections, where the take as heard is at bar 5; with top-p 1 every proposed token is
    inside the nucleus, so the proposed bar is written whole."""
    from jukebox_gui.core.ml.bundle import load_bundle
    from jukebox_gui.core.ml.generation import GenerationConfig, generate

    bundle = load_bundle(tiny_bundle(tmp_path_factory))
    bundle.extras.setdefault("palette", {})["bar_repeats"] = {"rate": 0.0, "distances": {},
                                                              "by_bar": {"2": {"1": 1.0}}}
    config = GenerationConfig(form="AAB", section_bars=2, seed=5, second_endings=False, style_check=False,
                              top_p=1.0, temperature=1.0)
    take = generate(bundle, config)
    bars = _bar_tokens(bundle, take)
    assert [s["first_bar"] for s in take.report["form"]["sections"]] == [0, 2, 4]
    strip = lambda bar: [t for t in bar if bundle.tokenizer.token_type(t) != "Tempo"]  # noqa: E731
    assert any(bundle.tokenizer.token_type(t) == "Pitch" for t in bars[1])
    copied = strip(bars[1])
    assert strip(bars[4])[:len(copied)] == copied  # B opens as written bar 2 (A's last bar), whole
    plain = generate(bundle, GenerationConfig(form="AAB", section_bars=2, seed=5, second_endings=False,
                                              style_check=False, top_p=1.0, temperature=1.0, repeat_bars=False))
    assert strip(_bar_tokens(bundle, plain)[4])[:len(copied)] != copied  # not by chance


def test_form_take_is_reproducible_and_keeps_the_guards(bundle, aabb):
    from jukebox_gui.core.ml.generation import GenerationConfig, generate

    again = generate(bundle, GenerationConfig(form="AABB", section_bars=4, seed=11, style_check=False))
    assert again.tokens == aabb.tokens
    report = aabb.report
    assert report["originality"]["checked"] and "longest_copy_bars" in report["metrics"]
    assert report["length"]["bars"] <= 16


def test_prefix_ids_are_continued(bundle, aabb):
    from jukebox_gui.core.ml.generation import GenerationConfig, generate

    head = _bar_tokens(bundle, aabb)[:2]
    prefix = [bundle.tokenizer.bos_id] + head[0] + head[1]
    take = generate(bundle, GenerationConfig(bars=3, seed=2, style_check=False), prefix_ids=prefix)
    assert take.tokens[:len(prefix)] == prefix
    assert len(_bar_tokens(bundle, take)) == 5
    assert take.report["primer"] == {"source": "tokens", "bars": 2}


def test_form_musicxml_has_repeats_endings_and_rehearsal_marks(bundle, aabb, tmp_path):
    from xml.etree import ElementTree

    from jukebox_gui.core.music.musicxml import export_musicxml
    from jukebox_gui.core.music.musicxml_check import validate_musicxml

    form = aabb.report["form"]
    path = export_musicxml(aabb.score, tmp_path / "take.musicxml", form=form)
    assert validate_musicxml(path) == []
    part = ElementTree.parse(path).getroot().find("part")
    measures = part.findall("measure")
    endings = sum(bool(s["varied_bars"]) for s in form["sections"])
    assert len(measures) == 16 - 6 - (2 - endings)  # each repeat written once, its second ending apart
    assert [r.text for r in part.iter("rehearsal")] == ["A", "B"]
    assert [r.get("direction") for r in part.iter("repeat")] == ["forward", "backward"] * 2
    assert len([e for e in part.iter("ending") if e.get("type") == "start"]) == 2 * endings
    plain = ElementTree.parse(export_musicxml(aabb.score, tmp_path / "plain.musicxml")).getroot().find("part")
    assert len(plain.findall("measure")) >= 15 and not list(plain.iter("repeat"))


def test_written_bars_choose_repeats_only_where_they_follow():
    from jukebox_gui.core.music.form_marks import written_bars

    def sec(name, first, bars, repeat_of=None, varied=()):
        return {"name": name, "first_bar": first, "bars": bars, "is_repeat": repeat_of is not None,
                "repeat_of": repeat_of, "varied_bars": list(varied)}

    form = {"sections": [sec("A", 0, 2), sec("B", 2, 2), sec("A", 4, 2, 0), sec("B", 6, 2, 1, [0])]}
    marks = written_bars(form, 8)  # ABAB: nothing follows its original, all written out
    assert [m.take_bar for m in marks] == list(range(8))
    assert [m.rehearsal for m in marks] == ["A", "", "B", "", "A", "", "B", ""]
    assert not any(m.repeat_start or m.ending for m in marks)
    form = {"sections": [sec("A", 0, 3), sec("A", 3, 3, 0, [2]), sec("A", 6, 3, 0)]}
    marks = written_bars(form, 9)  # A, A with a second ending, then a third A written out
    assert [m.take_bar for m in marks] == [0, 1, 2, 5, 6, 7, 8]
    assert [(m.repeat_start, m.repeat_end, m.ending) for m in marks[:4]] == [
        (True, False, 0), (False, False, 0), (False, True, 1), (False, False, 2)]
    assert marks[4].rehearsal == "A"
