"""Score edits."""


def test_trim_overlaps_ends_a_note_where_its_pitch_starts_again():
    from jukebox_gui.core.music.score import Note, Score, Track

    score = Score(tracks=[Track(notes=[Note(0.0, 4.0, 60), Note(1.0, 1.0, 60), Note(1.0, 0.5, 64),
                                       Note(2.0, 1.0, 62), Note(2.0, 3.0, 62)])])
    score.trim_overlaps()
    assert [(n.start, n.duration, n.pitch) for n in score.tracks[0].notes] == [
        (0.0, 1.0, 60), (1.0, 1.0, 60), (1.0, 0.5, 64), (2.0, 3.0, 62)]
