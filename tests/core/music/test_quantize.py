"""Grid snapping of our Score before notation."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jukebox_gui.core.errors import ExportError
from jukebox_gui.core.music.quantize import is_quantized, quantize_score, snap
from jukebox_gui.core.music.score import Note, Score, TempoChange, Track


def test_snap_rounds_to_the_nearest_step():
    assert snap(0.13, 4) == 0.25
    assert snap(0.12, 4) == 0.0
    assert snap(0.3, 3) == pytest.approx(1 / 3)
    assert snap(-0.2, 4) == 0.0


def test_onsets_and_ends_snap_with_a_minimum_of_one_step():
    score = Score(tracks=[Track(notes=[Note(0.1, 0.05, 60), Note(0.98, 0.6, 62), Note(2.0, 0.2, 64)])],
                  tempos=[TempoChange(0.0, 100.0), TempoChange(3.1, 80.0)])
    q = quantize_score(score, 4)
    assert [(n.start, n.duration) for n in q.tracks[0].notes] == [(0.0, 0.25), (1.0, 0.5), (2.0, 0.25)]
    assert [t.beat for t in q.tempos] == [0.0, 3.0]
    assert is_quantized(q, 4) and not is_quantized(score, 4)
    assert score.tracks[0].notes[0].start == 0.1  # the input is not modified


def test_duplicates_after_snapping_keep_the_longest():
    score = Score(tracks=[Track(notes=[Note(0.0, 0.5, 60), Note(0.05, 1.0, 60), Note(0.0, 1.0, 64)])])
    notes = quantize_score(score).tracks[0].notes
    assert [(n.start, n.duration, n.pitch) for n in notes] == [(0.0, 1.0, 60), (0.0, 1.0, 64)]


def test_triplet_grid():
    score = Score(tracks=[Track(notes=[Note(1 / 3 + 0.01, 1 / 3, 60)])])
    note = quantize_score(score, 12).tracks[0].notes[0]
    assert note.start == pytest.approx(4 / 12) and note.duration == pytest.approx(4 / 12)


def test_unsupported_grid_is_a_clear_error():
    with pytest.raises(ExportError, match="steps per beat"):
        quantize_score(Score(), 5)


notes_strategy = st.lists(
    st.builds(Note, start=st.floats(0, 64, allow_nan=False), duration=st.floats(0.001, 8, allow_nan=False),
              pitch=st.integers(0, 127), velocity=st.integers(1, 127)),
    min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(notes=notes_strategy, divisions=st.sampled_from([4, 12]))
def test_any_score_comes_out_on_the_grid(notes, divisions):
    q = quantize_score(Score(tracks=[Track(notes=notes)]), divisions)
    assert is_quantized(q, divisions)
    assert 1 <= q.note_count <= len(notes)
