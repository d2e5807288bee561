"""MusicXML export: structure, XSD validity (offline), .mxl, atomic writes."""

from __future__ import annotations

import zipfile
from fractions import Fraction
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jukebox_gui.core.errors import ExportError
from jukebox_gui.core.music.musicxml import export_musicxml, musicxml_bytes, notated_notes
from jukebox_gui.core.music.musicxml_check import read_musicxml_document, validate_musicxml
from jukebox_gui.core.music.score import KeySignature, Note, Score, TempoChange, TimeSignature, Track


def band() -> Score:
    piano = Track(program=0, name="Piano", notes=[
        Note(0.0, 1.0, 72), Note(0.0, 1.0, 76), Note(0.0, 1.0, 48), Note(1.0, 0.5, 64), Note(1.5, 0.33, 76),
        Note(3.0, 2.0, 67),  # crosses the bar line at beat 4: a tie
        Note(2.0, 1.0, 52), Note(2.5, 1.0, 55),  # overlapping in the bass staff: two voices
    ])
    flute = Track(program=73, name="Flute", notes=[Note(i * 0.5, 0.5, 79 + i % 3) for i in range(24)])
    drums = Track(is_drum=True, name="Kit", notes=[Note(i * 0.5, 0.25, (36, 42, 38, 42)[i % 4]) for i in range(16)])
    return Score(tracks=[piano, flute, drums], tempos=[TempoChange(0, 96.0), TempoChange(4.0, 120.0)],
                 time_signatures=[TimeSignature(0, 4, 4), TimeSignature(8.0, 3, 4)],
                 key_signatures=[KeySignature(0, 2, False)], title="Band")


def _root(path: Path) -> ElementTree.Element:
    return ElementTree.fromstring(read_musicxml_document(path))


def test_band_export_validates_and_has_the_structure(tmp_path):
    path = export_musicxml(band(), tmp_path / "band.musicxml")
    assert validate_musicxml(path) == []
    root = _root(path)
    parts = root.findall("part")
    assert len(parts) == 3  # piano (grand staff), flute, drums
    names = [sp.findtext("part-name") for sp in root.iter("score-part")]
    assert names == ["Piano", "Flute", "Kit"]
    assert parts[0].find(".//staves").text == "2"
    assert {c.findtext("sign") for c in parts[0].iter("clef")} == {"G", "F"}
    assert parts[2].find(".//clef/sign").text == "percussion"
    assert parts[2].find(".//unpitched") is not None
    unpitched = {mi.findtext("midi-unpitched") for mi in root.iter("midi-instrument") if mi.find("midi-unpitched") is not None}
    assert unpitched == {"37", "39", "43"}  # GM 36, 38, 42, one-based in MusicXML
    assert root.find(".//key/fifths").text == "2"
    assert [s.get("tempo") for s in root.iter("sound") if s.get("tempo")][:2] == ["96", "120"]
    assert {(t.findtext("beats"), t.findtext("beat-type")) for t in root.iter("time")} == {("4", "4"), ("3", "4")}
    assert root.find(".//tie[@type='start']") is not None and root.find(".//tie[@type='stop']") is not None
    assert root.find(".//chord") is not None


def test_mxl_is_a_valid_compressed_archive(tmp_path):
    path = export_musicxml(band(), tmp_path / "band.mxl")
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist()[0] == "mimetype"
        assert archive.read("mimetype") == b"application/vnd.recordare.musicxml"
        assert archive.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
    assert validate_musicxml(path) == []
    assert read_musicxml_document(path) == musicxml_bytes(band())


def test_validation_finds_real_problems(tmp_path):
    good = export_musicxml(band(), tmp_path / "ok.musicxml").read_text()
    broken = tmp_path / "broken.musicxml"
    broken.write_text(good.replace("<divisions>", "<divisionz>").replace("</divisions>", "</divisionz>"))
    assert validate_musicxml(broken)
    garbage = tmp_path / "garbage.musicxml"
    garbage.write_text("<score-partwise><oops")
    assert validate_musicxml(garbage)[0].startswith("not well-formed")


def test_export_is_deterministic():
    assert musicxml_bytes(band()) == musicxml_bytes(band())


def test_bad_suffix_and_empty_score_keep_the_previous_file(tmp_path):
    target = tmp_path / "take.musicxml"
    target.write_text("previous")
    with pytest.raises(ExportError, match="no notes"):
        export_musicxml(Score(), target)
    assert target.read_text() == "previous"
    with pytest.raises(ExportError, match=".musicxml, .xml or .mxl"):
        export_musicxml(band(), tmp_path / "take.pdf")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportError):
        export_musicxml(band(), blocker / "take.musicxml")


def test_notated_notes_is_what_the_file_holds(tmp_path):
    path = export_musicxml(band(), tmp_path / "band.musicxml")
    root = _root(path)
    count = sum(1 for n in root.iter("note") if n.find("rest") is None
                and not any(t.get("type") == "stop" for t in n.findall("tie")))
    assert count == len(notated_notes(band()))


def test_real_midi_files_validate(real_midi_files, tmp_path):
    from jukebox_gui.core.music.midi_io import read_midi

    for source in [p for p in real_midi_files if p.name in ("test02.mid", "test06.mid", "test10.mid", "test14.mid")]:
        path = export_musicxml(read_midi(source), tmp_path / f"{source.stem}.musicxml")
        assert validate_musicxml(path) == [], source.name


@settings(max_examples=15, deadline=None)
@given(notes=st.lists(st.builds(Note, start=st.floats(0, 16, allow_nan=False),
                                duration=st.floats(0.01, 6, allow_nan=False),
                                pitch=st.integers(21, 108), velocity=st.just(80)), min_size=1, max_size=25),
       program=st.sampled_from([0, 40, 73]), divisions=st.sampled_from([4, 12]))
def test_any_unquantised_score_exports_valid_musicxml(tmp_path_factory, notes, program, divisions):
    path = tmp_path_factory.mktemp("hyp") / "x.musicxml"
    export_musicxml(Score(tracks=[Track(program=program, notes=notes)]), path, divisions=divisions)
    assert validate_musicxml(path) == []


# ---- readable scores (issue 16) ---------------------------------------------------------------
from jukebox_gui.core.music import notation, spelling  # noqa: E402
from jukebox_gui.core.music.score_facts import page_facts  # noqa: E402

G_MAJOR = [55, 57, 59, 60, 62, 64, 66, 67, 69, 71, 72, 74, 76, 78, 79]


def melody_in_g(bars: int = 8, chromatic_every: int = 0) -> Score:
    """A take-like melody: G major, no key signature (the tokens carry none), 121.29 BPM."""
    import random

    rng = random.Random(4)
    notes, beat, i = [], 0.0, 7
    while beat < bars * 4:
        i = max(0, min(len(G_MAJOR) - 1, i + rng.choice([-2, -1, -1, 1, 1, 2])))
        pitch = G_MAJOR[i]
        if chromatic_every and len(notes) % chromatic_every == chromatic_every - 1 and pitch not in (59, 71, 66, 78):
            pitch += 1
        length = rng.choice([0.5, 0.5, 1.0, 0.25])
        notes.append(Note(beat, length, pitch))
        beat += length
    return Score(tracks=[Track(program=40, name="Violin", notes=notes)], tempos=[TempoChange(0, 121.29004)])


def _xml(score: Score, **kwargs) -> ElementTree.Element:
    return ElementTree.fromstring(musicxml_bytes(score, **kwargs))


def test_a_take_without_key_gets_the_analysed_key_and_no_needless_accidentals():
    score = melody_in_g()
    sharps, minor, name, _corr = spelling.analyse_key((n.pitch, n.duration) for n in score.tracks[0].notes)
    assert (sharps, name) == (1, "G major")
    document = musicxml_bytes(score)
    facts = page_facts(document)
    assert facts.keys == [1]
    assert facts.accidentals == 0  # every F is F#, given by the key signature
    root = ElementTree.fromstring(document)
    steps = {(p.findtext("step"), p.findtext("alter")) for p in root.iter("pitch")}
    assert ("F", "1") in steps and ("G", "-1") not in steps


def test_accidentals_follow_the_measure_and_the_key():
    # G major, one bar: F natural twice (one sign), F# again (a sign to cancel), then C# (chromatic)
    notes = [Note(0, 0.5, 67), Note(0.5, 0.5, 65), Note(1, 0.5, 65), Note(1.5, 0.5, 66), Note(2, 0.5, 73),
             Note(2.5, 0.5, 73), Note(3, 1, 67), Note(4, 1, 65), Note(5, 3, 67)]
    score = Score(tracks=[Track(program=73, notes=notes)], key_signatures=[KeySignature(0, 1)])
    root = _xml(score)
    shown = [(n.findtext("pitch/step"), n.findtext("accidental")) for n in root.iter("note") if n.find("pitch") is not None]
    assert shown == [("G", None), ("F", "natural"), ("F", None), ("F", "sharp"), ("C", "sharp"), ("C", None),
                     ("G", None), ("F", "natural"), ("G", None)]


def test_spelling_in_the_key():
    assert spelling.spell(70, -1) == ("B", -1, 4)  # F major: B flat, not A sharp
    assert spelling.spell(63, 4) == ("D", 1, 4)  # E major: D sharp
    assert spelling.spell(61, 0) == ("C", 1, 4) and spelling.spell(63, 0) == ("E", -1, 4)  # C: C#, Eb
    assert spelling.spell(68, 0, minor=True) == ("G", 1, 4)  # a minor: the leading note G#
    assert spelling.spell(60, 7) == ("B", 1, 3)  # C# major: B#
    assert spelling.spell_line([68, 69], 0) == [("G", 1, 4), ("A", 0, 4)]  # rising to A: G#
    assert spelling.spell_line([68, 67], 0)[0] == ("A", -1, 4)  # falling to G: Ab


def test_chromatic_notes_are_spelled_by_their_harmony_and_line():
    b_flat = [spelling.Key(0, -2, False, "B- major")]
    # F#/Gb in B-flat major: F# in a D major chord (V of g minor), Gb among E-flat and B-flat
    d_major = [[(0, 4, 66), (4, 8, 67)], [(0, 4, 62), (4, 8, 62)], [(0, 4, 57), (4, 8, 55)]]
    assert spelling.spell_part(d_major, b_flat, 4)[(0, 66)] == ("F", 1, 4)
    e_flat_minor = [[(0, 4, 66), (4, 8, 65)], [(0, 4, 63), (4, 8, 62)], [(0, 4, 58), (4, 8, 58)]]
    assert spelling.spell_part(e_flat_minor, b_flat, 4)[(0, 66)] == ("G", -1, 4)
    # C major: G# in an E major chord resolving to A (not Ab); diatonic notes keep the scale's names
    c_major = [spelling.Key(0, 0, False, "C major")]
    e_major = [[(0, 4, 68), (4, 8, 69)], [(0, 4, 64), (4, 8, 64)], [(0, 4, 59), (4, 8, 57)]]
    names = spelling.spell_part(e_major, c_major, 4)
    assert names[(0, 68)] == ("G", 1, 4) and names[(0, 59)] == ("B", 0, 3) and names[(4, 57)] == ("A", 0, 3)
    # a lone line: a semitone step to the next note decides (Ab falling to G, G# rising to A)
    assert spelling.spell_part([[(0, 2, 68), (2, 4, 67)]], c_major, 4)[(0, 68)] == ("A", -1, 4)
    assert spelling.spell_part([[(0, 2, 68), (2, 4, 69)]], c_major, 4)[(0, 68)] == ("G", 1, 4)


def test_one_pitch_keeps_one_name_within_a_bar():
    # C major: A-flat falling to G, then in the same bar the same pitch rising to A: one name
    c_major = [spelling.Key(0, 0, False, "C major")]
    line = [[(0, 2, 68), (2, 4, 67), (4, 6, 64), (6, 8, 68), (8, 16, 69), (16, 18, 68), (18, 20, 69)]]
    names = spelling.spell_part(line, c_major, 4, [0, 16])
    assert names[(0, 68)] == names[(6, 68)]
    assert names[(16, 68)] == ("G", 1, 4)  # the next bar decides afresh
    notes = [Note(s / 4, (e - s) / 4, p) for s, e, p in line[0]]
    facts = page_facts(musicxml_bytes(Score(tracks=[Track(program=73, notes=notes)],
                                            key_signatures=[KeySignature(0, 0)])))
    # bar 1: Ab G E Ab A = flat, natural (as Ab G E G# A it would take flat, sharp, natural); bar 2: G# A
    assert facts.accidentals == 2 + 1


def test_source_key_changes_are_kept():
    score = band()
    score.key_signatures = [KeySignature(0, 2), KeySignature(4.0, -3, True)]
    facts = page_facts(musicxml_bytes(score))
    assert facts.keys[:2] == [2, -3]


def test_a_long_piece_that_modulates_gets_a_key_change():
    c_major = [60, 62, 64, 65, 67, 69, 71, 72]
    e_flat = [63, 65, 67, 68, 70, 72, 74, 75]
    notes = [Note(i * 0.5, 0.5, c_major[(i * 3) % 8]) for i in range(16 * 8)]
    notes += [Note(64 + i * 0.5, 0.5, e_flat[(i * 3) % 8]) for i in range(16 * 8)]
    facts = page_facts(musicxml_bytes(Score(tracks=[Track(program=73, notes=notes)])))
    assert facts.keys == [0, -3]


def test_chorale_texture_on_two_staves_of_two_voices():
    satb = [(72, 67, 64, 48), (71, 67, 62, 55), (72, 64, 60, 57), (74, 65, 62, 53), (72, 64, 55, 48)] * 3
    notes = [Note(i * 1.0, 1.0, p) for i, chord in enumerate(satb) for p in chord]
    notes += [Note(2.5, 0.5, 62)]  # a passing note in the alto: its own voice, no tie
    score = Score(tracks=[Track(program=52, name="Choir Aahs", notes=notes)])
    layout = notation.plan_layout(score, 4)
    assert layout.parts[0].kind == "chorale"
    upper, lower = layout.parts[0].staves
    assert [len(upper.voices), len(lower.voices)] == [2, 2]
    assert (upper.clef, lower.clef) == ("treble", "bass")
    assert max(n[2] for n in upper.voices[1]) < min(n[2] for n in upper.voices[0])  # soprano above alto
    root = _xml(score)
    assert root.find(".//staves").text == "2"
    assert {v.text for v in root.iter("voice")} >= {"1", "2"}
    assert page_facts(musicxml_bytes(score)).far_notes == 0


def test_keyboard_hands_split_by_reach_not_at_middle_c():
    # the right hand dips to A3 over a left hand on C3-G3: A3 stays in the treble staff
    rh = [Note(i * 0.5, 0.5, p) for i, p in enumerate([64, 62, 60, 59, 57, 59, 60, 62] * 2)]
    lh = [Note(i * 2.0, 2.0, p) for i, p in enumerate([48, 43, 48, 43])]
    lh += [Note(i * 2.0, 2.0, p + 7) for i, p in enumerate([48, 43, 48, 43])]
    score = Score(tracks=[Track(program=0, notes=rh + lh)])
    upper, lower = notation.plan_layout(score, 4).parts[0].staves
    assert sorted(p for v in upper.voices for _s, _e, p in v) == sorted(n.pitch for n in rh)
    assert (upper.clef, lower.clef) == ("treble", "bass")


def test_clef_by_range_and_far_notes():
    bass_line = Score(tracks=[Track(program=32, notes=[Note(i, 1, 36 + i % 12) for i in range(16)])])
    low_e = Score(tracks=[Track(program=32, notes=[Note(i, 1, 28 + i % 12) for i in range(16)])])
    tenor = Score(tracks=[Track(program=66, notes=[Note(i, 1, 50 + i % 14) for i in range(16)])])
    assert notation.plan_layout(bass_line, 4).parts[0].staves[0].clef == "bass"
    assert notation.plan_layout(low_e, 4).parts[0].staves[0].clef == "bass8vb"  # E1 is 4 ledger lines down
    assert notation.plan_layout(tenor, 4).parts[0].staves[0].clef == "bass"
    assert page_facts(musicxml_bytes(low_e)).far_notes == 0
    assert page_facts(musicxml_bytes(bass_line)).far_notes == 0
    assert page_facts(musicxml_bytes(tenor)).far_notes == 0
    wide = Score(tracks=[Track(program=48, notes=[Note(i, 1, 36 + (i * 7) % 50) for i in range(32)])])
    assert notation.plan_layout(wide, 4).parts[0].kind == "grand"  # strings over four octaves


def test_written_values_show_the_beat():
    q = Fraction
    values = lambda pos, length, **kw: notation.written_values(q(pos), q(length), q(1), q(4), **kw)  # noqa: E731
    assert values(0, 1.5, rest=False) == [q(3, 2)]  # a dotted quarter, not a tie
    assert values(0, 1.25, rest=False) == [1, q(1, 4)]
    assert values(0.5, 1, rest=False) == [1]  # eighth-quarter-eighth syncopation
    assert values(0.25, 1.5, rest=False) == [q(3, 4), q(3, 4)]  # tied at the beat
    assert values(1, 3, rest=True) == [1, 2]  # quarter rest, then a half rest on beat 3
    assert values(0, 4, rest=True) == [4]
    assert notation.written_values(q(0), q(3, 2), q(3, 2), q(3), rest=False) == [q(3, 2)]  # 6/8


def test_rhythm_without_tied_chains():
    notes = [Note(0, 1.5, 67), Note(1.5, 0.5, 69), Note(2, 0.75, 71), Note(2.75, 0.25, 72), Note(3, 1, 74)]
    root = _xml(Score(tracks=[Track(program=73, notes=notes)]))
    assert root.find(".//tie") is None
    assert sum(1 for n in root.iter("note") if n.find("dot") is not None) == 2
    assert {b.text for b in root.iter("beam")} <= {"begin", "end", "continue", "forward hook", "backward hook"}


def test_pickup_bar_is_kept():
    notes = [Note(3.0, 0.5, 67), Note(3.5, 0.5, 69)] + [Note(4 + i, 1, 71) for i in range(8)]
    score = Score(tracks=[Track(program=73, notes=notes)])
    root = _xml(score)
    first = root.find("part/measure")
    assert first.get("implicit") == "yes" and first.get("number") == "0"
    assert notated_notes(score)[0][0] == 0.0  # MuseScore plays the pickup from the start


def test_metronome_marks_are_whole_numbers_and_compound_time_counts_dotted_quarters():
    assert notation.metronome(121.29, 4, 4) == (120, 1)
    assert notation.metronome(110.0, 2, 4) == (110, 1)
    assert notation.metronome(165.0, 6, 8) == (110, Fraction(3, 2))
    assert notation.metronome(97.3, 3, 4) == (96, 1) and notation.metronome(64.6, 3, 4) == (65, 1)
    facts = page_facts(musicxml_bytes(melody_in_g()))
    assert facts.tempos == ["120"] and facts.sound_tempos == ["120"]


def test_title_subtitle_and_part_names():
    score = melody_in_g()
    score.title = "AI Jukebox take (seed 3)"
    score.tracks[0].name = "Track 1"
    root = _xml(score, subtitle="Model builtin:irish (lstm) · seed 3")
    assert root.findtext("movement-title") == "AI Jukebox take (seed 3)"
    assert root.findtext("movement-number") == "Model builtin:irish (lstm) · seed 3"
    assert root.findtext("identification/creator") == "AI Jukebox"
    assert root.findtext("part-list/score-part/part-name") == "Violin"  # from General MIDI
