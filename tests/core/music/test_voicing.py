"""Note lengths that keep a corpus's steady number of voices (core.music.voicing)."""

from jukebox_gui.core.music.metrics import polyphony, top_line
from jukebox_gui.core.music.score import Note, Score, TimeSignature, Track
from jukebox_gui.core.music.voicing import keep_voices


def score_of(notes, drum=False):
    return Score(tracks=[Track(notes=list(notes), is_drum=drum)], time_signatures=[TimeSignature(0.0, 4, 4)])


def chords(*rows):
    """Four-part bars: each row (start, [(pitch, duration), ...])."""
    return [Note(start, duration, pitch) for start, parts in rows for pitch, duration in parts]


def onsets_and_pitches(score):
    return sorted((n.start, n.pitch) for t in score.tracks for n in t.notes)


def test_a_voice_that_stops_short_holds_on_to_the_next_onset():
    # the soprano (72) stops after half a beat; under it the alto moves at beat 1
    s = score_of(chords((0.0, [(72, 0.5), (67, 1.0), (64, 2.0), (48, 2.0)]),
                        (1.0, [(65, 1.0)]),
                        (2.0, [(71, 2.0), (67, 2.0), (62, 2.0), (55, 2.0)])))
    before = onsets_and_pitches(s)
    assert polyphony(s) < 4.0
    assert top_line(s.tracks[0].notes) == [72, 65, 71]  # the line drops to the alto
    keep_voices(s, 4)
    assert onsets_and_pitches(s) == before  # onsets and pitches as the model wrote them
    soprano = next(n for n in s.tracks[0].notes if n.pitch == 72)
    assert soprano.end == 2.0
    assert polyphony(s) == 4.0
    assert top_line(s.tracks[0].notes) == [72, 71]


def test_a_fifth_voice_ends_the_held_note_nearest_to_it():
    s = score_of(chords((0.0, [(72, 2.0), (67, 2.0), (64, 1.0), (48, 2.0)]),
                        (1.0, [(62, 1.0), (50, 1.0)])))  # the bass moves while it is still held
    keep_voices(s, 4)
    by_pitch = {n.pitch: n for n in s.tracks[0].notes}
    assert by_pitch[48].end == 1.0  # the held note nearest the new 50
    assert by_pitch[72].end == 2.0 and by_pitch[67].end == 2.0
    assert polyphony(s) == 4.0


def test_a_tune_is_legato_but_keeps_its_rests_and_drums_stay_as_they_are():
    tune = [Note(0.0, 0.25, 62), Note(0.5, 1.0, 64), Note(1.0, 0.5, 66), Note(6.0, 1.0, 67)]
    drums = [Note(0.0, 0.1, 36), Note(0.5, 0.1, 38)]
    s = Score(tracks=[Track(notes=tune), Track(notes=drums, is_drum=True)],
              time_signatures=[TimeSignature(0.0, 4, 4)])
    keep_voices(s, 1)
    ends = [n.end for n in s.tracks[0].notes]
    assert ends == [0.5, 1.0, 1.5, 7.0]  # gap filled, overlap cut, a 4.5-beat rest kept, the last as it was
    assert [n.duration for n in s.tracks[1].notes] == [0.1, 0.1]


def test_a_held_note_stops_at_a_section_seam():
    """The first bar of a song form's section (a filled section's edge) is never crossed by a held
    note; other bar lines are."""
    notes = [Note(2.0, 1.5, 62), Note(5.0, 1.0, 64), Note(6.0, 2.0, 66), Note(8.5, 1.0, 67)]
    assert [n.end for n in keep_voices(score_of(notes), 1).tracks[0].notes] == [5.0, 6.0, 8.5, 9.5]
    s = keep_voices(score_of(notes), 1, seam_bars=[0, 1, 2])
    assert [n.end for n in s.tracks[0].notes] == [4.0, 6.0, 8.0, 9.5]


def test_the_voices_are_counted_over_the_tracks_together():
    """A duet of two one-voice parts keeps two sounding between them, as the palette counts them."""
    flute = [Note(0.0, 0.5, 72), Note(1.0, 1.0, 74)]
    bass = [Note(0.0, 2.0, 48)]
    s = Score(tracks=[Track(program=73, notes=flute), Track(program=32, notes=bass)],
              time_signatures=[TimeSignature(0.0, 4, 4)])
    keep_voices(s, 2)
    assert [n.end for n in s.tracks[0].notes] == [1.0, 2.0] and [n.end for n in s.tracks[1].notes] == [2.0]
