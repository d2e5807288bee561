import math

import pytest

from jukebox_gui.core.music.metrics import (
    METRICS, compare_to_profile, corpus_profile, score_metrics, top_line,
)
from jukebox_gui.core.music.score import Note, Score, TimeSignature, Track


def melody(pitches, step=1.0, duration=None, start=0.0):
    return [Note(start + i * step, duration or step, p) for i, p in enumerate(pitches)]


def score_of(*notes_lists, sig=(4, 4), drum=False):
    return Score(tracks=[Track(notes=list(n), is_drum=drum) for n in notes_lists],
                 time_signatures=[TimeSignature(0.0, *sig)])


def test_c_major_scale_up_in_quarters():
    s = score_of(melody([60, 62, 64, 65, 67, 69, 71, 72]))
    m = score_metrics(s)
    assert set(m) == set(METRICS)
    # 7 distinct classes, C twice
    p = [2 / 8] + [1 / 8] * 6
    assert m["pitch_class_entropy"] == pytest.approx(-sum(x * math.log2(x) for x in p), abs=1e-6)
    assert m["scale_consistency"] == 1.0
    assert m["groove_consistency"] == 1.0  # two bars, each four quarter onsets
    assert m["distinct_ioi"] == 1
    assert m["distinct_durations"] == 1
    assert m["note_density"] == 4.0
    assert m["empty_beat_rate"] == 0.0
    assert m["polyphony"] == 1.0
    assert m["longest_identical_run"] == 1


def test_chromatic_cluster_and_repeats():
    s = score_of(melody(list(range(60, 72))))
    m = score_metrics(s)
    assert m["pitch_class_entropy"] == pytest.approx(math.log2(12))
    assert m["scale_consistency"] == pytest.approx(7 / 12)  # every scale holds 7 of the 12 classes
    same = score_of(melody([60] * 7, step=0.5) + melody([62], start=3.5))
    m2 = score_metrics(same)
    assert m2["longest_identical_run"] == 7
    assert m2["pitch_class_entropy"] == pytest.approx(-(7 / 8 * math.log2(7 / 8) + 1 / 8 * math.log2(1 / 8)))


def test_groove_polyphony_empty_beats():
    bar1 = [Note(0, 1, 60), Note(1, 1, 62), Note(2, 1, 64), Note(3, 1, 65)]
    bar2 = [Note(4, 2, 67), Note(6, 2, 69)]  # onsets at 0 and 2: two of four differ
    chord = [Note(8, 4, 48), Note(8, 4, 52), Note(8, 2, 55)]  # bar 3 onset at 0 only
    s = score_of(bar1 + bar2 + chord)
    m = score_metrics(s)
    size = 4 * 12
    # bar1->bar2: onsets {0,12,24,36} vs {0,24}: 2 differ; bar2->bar3 {0,24} vs {0}: 1 differs
    assert m["groove_consistency"] == pytest.approx(1 - (2 / size + 1 / size) / 2)
    # beats 0..8 (9 beats), onsets on beats 0,1,2,3,4,6,8 -> 2 empty
    assert m["empty_beat_rate"] == pytest.approx(2 / 9)
    # 8 beats of single notes, then 2 beats of 3 notes, 2 beats of 2 notes
    assert m["polyphony"] == pytest.approx((8 * 1 + 2 * 3 + 2 * 2) / 12)
    assert m["distinct_durations"] == 3  # 1, 2, 4
    assert m["distinct_ioi"] == 2  # 1, 2
    assert m["note_density"] == pytest.approx(9 / 3)


def test_three_four_bars_and_empty_score():
    s = score_of(melody([60, 64, 67] * 4), sig=(3, 4))
    m = score_metrics(s)
    assert m["note_density"] == 3.0
    assert m["groove_consistency"] == 1.0
    empty = score_metrics(Score())
    assert empty["note_density"] == 0.0 and empty["pitch_class_entropy"] == 0.0


def test_drums_ignored_for_pitch_metrics():
    s = Score(tracks=[Track(notes=melody([60, 62, 64, 65])),
                      Track(is_drum=True, notes=melody([36, 37, 38, 39, 40, 41]))])
    m = score_metrics(s)
    assert m["scale_consistency"] == 1.0
    assert m["pitch_class_entropy"] == pytest.approx(2.0)


def test_profile_and_compare():
    scores = [score_of(melody([60 + i, 62, 64, 65], step=0.5 * (1 + i % 2))) for i in range(10)]
    profile = corpus_profile(scores)
    assert set(profile) == set(METRICS)
    for band in profile.values():
        assert band["min"] <= band["p10"] <= band["p50"] <= band["p90"] <= band["max"]
    verdict = compare_to_profile(score_metrics(scores[0]), profile)
    assert verdict["scale_consistency"] == "in range"
    weird = dict(score_metrics(scores[0]), pitch_class_entropy=0.0, note_density=1000.0)
    verdict = compare_to_profile(weird, profile)
    assert verdict["pitch_class_entropy"] == "low"
    assert verdict["note_density"] == "high"
    assert corpus_profile([]) == {}
    # metric dicts are accepted too
    assert corpus_profile([score_metrics(s) for s in scores]) == profile


def test_mean_abs_interval_of_top_line():
    assert score_metrics(score_of(melody([60, 62, 64, 65, 67])))["mean_abs_interval"] == pytest.approx(7 / 4)
    chromatic = score_of(melody(list(range(60, 68))))
    assert score_metrics(chromatic)["mean_abs_interval"] == 1.0
    # chords: only the highest pitch of each onset counts (72 -> 74 -> 72), the low notes do not
    chords = score_of([Note(0, 1, 48), Note(0, 1, 72), Note(1, 1, 50), Note(1, 1, 74),
                       Note(2, 1, 40), Note(2, 1, 72)])
    assert score_metrics(chords)["mean_abs_interval"] == 2.0
    # per track: no interval between the last note of one track and the first of the next
    two = Score(tracks=[Track(notes=melody([60, 61])), Track(notes=melody([90, 93]))])
    assert score_metrics(two)["mean_abs_interval"] == 2.0
    drums = Score(tracks=[Track(notes=melody([60])), Track(is_drum=True, notes=melody([36, 80, 36]))])
    assert score_metrics(drums)["mean_abs_interval"] == 0.0


def test_top_line_skips_inner_voices_under_a_held_note():
    # soprano holds 72 for two beats while the alto moves 64 -> 60 -> 65: melody 72 -> 74 only
    held = score_of([Note(0, 2, 72), Note(0, 1, 64), Note(1, 1, 60), Note(2, 1, 74), Note(2, 1, 65)])
    assert top_line(held.tracks[0].notes) == [72, 74]
    assert score_metrics(held)["mean_abs_interval"] == 2.0
    # a long lower note of a chord covers a later, lower onset even when the chord's top is short
    chord = [Note(0, 1, 72), Note(0, 4, 67), Note(1, 1, 64), Note(2, 1, 69)]
    assert top_line(chord) == [72, 69]
    # a legato overlap (the previous note ends 1/16 beat into the next one) still counts as melody
    legato = [Note(0, 1.0625, 67), Note(1, 1.0625, 65), Note(2, 1, 64)]
    assert top_line(legato) == [67, 65, 64]
    assert score_metrics(Score())["mean_abs_interval"] == 0.0


def test_bar_repetition_transposition_invariant():
    a = [60, 62, 64, 65]
    b = [67, 65, 64, 62]
    # bars A A(+5) B B: two of four bars repeat an earlier bar
    aabb = melody(a) + melody([p + 5 for p in a], start=4) + melody(b, start=8) + melody(b, start=12)
    assert score_metrics(score_of(aabb))["bar_repetition"] == 0.5
    # same pitches, different rhythm in bar 2: not a repeat
    rhythm = melody(a) + melody(a[:2], step=2.0, start=4)
    assert score_metrics(score_of(rhythm))["bar_repetition"] == 0.0
    # an empty bar in between is not counted; repeated bars may be far apart
    gap = melody(a) + melody(a, start=8)
    assert score_metrics(score_of(gap))["bar_repetition"] == 0.5
    # three-four bars: the same figure three times -> 2 of 3 repeat
    waltz = score_of(melody([60, 64, 67] * 3), sig=(3, 4))
    assert score_metrics(waltz)["bar_repetition"] == pytest.approx(2 / 3)
    # a drum-only bar counts for nothing
    drums = Score(tracks=[Track(notes=melody(a)), Track(is_drum=True, notes=melody([36] * 8))])
    assert score_metrics(drums)["bar_repetition"] == 0.0
    assert score_metrics(Score())["bar_repetition"] == 0.0


def test_time_by_sounding_counts_each_number_of_notes_and_the_rests_between():
    from jukebox_gui.core.music.metrics import time_by_sounding

    time = time_by_sounding(iter([(0.0, 2.0), (1.0, 2.0), (3.0, 4.0), (5.0, 5.0)]))
    assert dict(time) == {1: 2.0, 2: 1.0, 0: 1.0}  # 0-1 one, 1-2 two, 2-3 a rest, 3-4 one
