import json
import random

from jukebox_gui.core.music.originality import CopyFinder, build_index, longest_copy
from jukebox_gui.core.music.score import Note, Score, TimeSignature, Track


def tune(seed, bars=8, sig=(4, 4)):
    """A random eighth/quarter melody in C major, reproducible from ``seed``."""
    rng = random.Random(seed)
    scale = [60, 62, 64, 65, 67, 69, 71, 72, 74]
    notes, beat = [], 0.0
    bar_beats = sig[0] * 4 / sig[1]
    while beat < bars * bar_beats - 1e-9:
        length = rng.choice([0.5, 0.5, 1.0])
        notes.append(Note(beat, length, rng.choice(scale)))
        beat += length
    return Score(tracks=[Track(notes=notes)], time_signatures=[TimeSignature(0.0, *sig)])


def excerpt(score, first_bar, last_bar, shift_to=0.0, transpose=0):
    notes = [Note(n.start - first_bar * 4 + shift_to, n.duration, n.pitch + transpose)
             for n in score.tracks[0].notes if first_bar * 4 <= n.start < (last_bar + 1) * 4]
    return notes


def corpus():
    return [(f"tune{i:02d}.mid", tune(i)) for i in range(20)]


def test_index_is_compact_json():
    index = build_index(corpus(), n=4)
    text = json.dumps(index)
    assert json.loads(text) == index
    assert index["files"][3] == "tune03.mid"
    assert len(text) < 20 * 60 * 12  # a dozen characters per note at most


def test_verbatim_copy_found_with_source_and_bars():
    pieces = corpus()
    index = build_index(pieces, n=4)
    source = pieces[7][1]
    # a take: 2 bars of other material, then bars 3..5 (0-based 2..4) of tune07 verbatim
    intro = [Note(i * 1.0, 1.0, 48 + (i * 5) % 12) for i in range(8)]
    take = Score(tracks=[Track(notes=intro + excerpt(source, 2, 4, shift_to=8.0))])
    match = longest_copy(index, take)
    assert match.source == "tune07.mid"
    assert match.notes == len(excerpt(source, 2, 4))
    assert 2.0 <= match.source_bar_start < 2.5
    assert 4.0 <= match.source_bar_end < 5.0
    assert 2.5 < match.bars <= 3.0
    assert 2.0 <= match.take_bar_start < 2.5
    assert "tune07.mid" in match.describe() and "bars 3-5" in match.describe()
    # a whole piece
    whole = longest_copy(CopyFinder(index), source)
    assert whole.source == "tune07.mid" and 8.0 <= whole.bars <= 8.25


def test_transposed_or_unrelated_is_not_a_copy():
    pieces = corpus()
    index = build_index(pieces, n=4)
    transposed = Score(tracks=[Track(notes=excerpt(pieces[7][1], 0, 7, transpose=5))])
    assert longest_copy(index, transposed).bars < 1.0
    chromatic = Score(tracks=[Track(notes=[Note(i * 0.75, 0.75, 40 + (i * 7) % 30) for i in range(40)])])
    match = longest_copy(index, chromatic)
    assert match.notes == 0 and match.source is None
    assert match.describe() == "no copied stretch found"
    # rhythm matters: same pitches, every interval doubled
    stretched = Score(tracks=[Track(notes=[Note(n.start * 2, n.duration * 2, n.pitch)
                                           for n in pieces[7][1].tracks[0].notes])])
    assert longest_copy(index, stretched).bars < 1.0


def test_three_four_bars_and_drums_ignored():
    waltz = tune(99, bars=6, sig=(3, 4))
    drums = Track(is_drum=True, notes=[Note(i, 0.5, 36) for i in range(18)])
    waltz.tracks.append(drums)
    index = build_index([("waltz.mid", waltz)], n=4)
    assert len(index["streams"]) == 1
    match = longest_copy(index, waltz)
    assert match.source == "waltz.mid" and 6.0 <= match.bars <= 6.34 and match.source_bar_start == 0.0


def test_describe_names_the_file_not_its_folder():
    from jukebox_gui.core.music.originality import CopyMatch

    match = CopyMatch(notes=9, bars=2.5, source="/home/me/tunes/reel.mid", source_bar_start=4.0, source_bar_end=6.5)
    assert match.describe() == "9 notes (2.50 bars) copied from reel.mid, bars 5-7"
