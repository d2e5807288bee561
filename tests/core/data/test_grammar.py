import numpy as np
import pytest

from jukebox_gui.core.data.grammar import BAR, DURATION, START, Grammar, RemiState
from jukebox_gui.core.data.tokenizer import Tokenizer
from jukebox_gui.core.music.score import Note, Score, TempoChange, TimeSignature, Track


@pytest.fixture(scope="module")
def tok():
    return Tokenizer()


@pytest.fixture(scope="module")
def grammar(tok):
    return Grammar(tok)


def demo_score(sig=(4, 4)):
    notes = [Note(0.5 * i, 0.5, 60 + (i * 3) % 12) for i in range(16)] + [Note(8.0, 2.0, 48), Note(8.0, 1.0, 55)]
    drums = [Note(float(i), 0.25, 36) for i in range(8)]
    return Score(tracks=[Track(program=40, notes=notes), Track(is_drum=True, notes=drums)],
                 tempos=[TempoChange(0.0, 100.0)], time_signatures=[TimeSignature(0.0, *sig)])


def test_real_streams_are_legal(tok, grammar, real_midi_files):
    for score in (demo_score(), demo_score((6, 8)), demo_score((3, 4))):
        ids = tok.encode(score)
        assert grammar.first_violation(ids) is None, [tok.token_name(i) for i in ids]
    for path in real_midi_files[:8]:
        from jukebox_gui.core.music.midi_io import read_midi

        ids = tok.encode(read_midi(path))
        bad = grammar.first_violation(ids)
        assert bad is None, (path.name, [tok.token_name(i) for i in ids[max(0, bad - 5):bad + 1]])


def test_table_shape_and_eos_only_after_a_note(tok, grammar):
    assert grammar.allowed.shape == (11, tok.vocab_size)
    assert grammar.exact
    eos = tok.eos_id
    assert grammar.allowed[DURATION, eos]
    assert not grammar.allowed[:DURATION, eos].any()
    assert grammar.mask([]).sum() == grammar.is_bar.sum()  # a stream starts with a Bar
    assert list(np.flatnonzero(grammar.mask([tok.bos_id]))) == list(np.flatnonzero(grammar.is_bar))
    assert grammar.state_after([tok.bos_id]) == START
    assert grammar.state_after([tok.bos_id, tok.vocab()["Bar_None"]]) == BAR
    v = tok.vocab()
    drum_next = grammar.mask([v["Bar_None"], v["TimeSig_4/4"], v["Position_0"], v["Program_-1"]])
    assert drum_next[v["PitchDrum_36"]] and not drum_next[v["Pitch_36"]]


def test_clock_matches_the_decoder(tok, grammar):
    for sig in ((4, 4), (6, 8), (3, 4)):
        score = demo_score(sig)
        ids = tok.encode(score)
        state = RemiState(grammar).feed(ids)
        decoded = tok.decode(ids)
        ours = sorted((round(n.start, 3), round(n.duration, 3), n.pitch) for n in state.notes)
        theirs = sorted((round(n.start, 3), round(n.duration, 3), n.pitch) for _t in [0]
                        for n, _tr in decoded.all_notes())
        assert ours == theirs, sig
        assert state.meter == sig
        assert state.tempo == pytest.approx(100.0, rel=0.05)


@pytest.mark.parametrize("dynamic", [False, True])
def test_random_sampling_under_the_mask_always_decodes(tok, grammar, dynamic):
    rng = np.random.default_rng(0)
    for trial in range(12):
        ids = [tok.bos_id]
        state = RemiState(grammar)
        for _ in range(400):
            mask = state.mask() if dynamic else grammar.mask(ids)
            choice = int(rng.choice(np.flatnonzero(mask)))  # uniform logits over legal tokens
            ids.append(choice)
            state.push(choice)
            if choice == tok.eos_id:
                break
        assert grammar.first_violation(ids) is None
        score = tok.decode(ids)
        assert score.note_count >= 1, trial
        assert score.note_count == len(state.notes)
        if dynamic:  # positions move forward inside the bar: the clock agrees with the decoder
            ours = sorted((round(n.start, 3), n.pitch) for n in state.notes)
            theirs = sorted((round(n.start, 3), n.pitch) for n, _t in score.all_notes())
            assert ours == theirs
            assert len({(n.numerator, n.denominator) for n in score.time_signatures}) == 1


def test_dynamic_rules(tok, grammar):
    v = tok.vocab()
    state = RemiState(grammar, programs=frozenset({40})).feed(
        [tok.bos_id, v["Bar_None"], v["TimeSig_3/4"], v["Position_8"], v["Tempo_107.74"]])
    mask = state.mask()
    assert not mask[v["Position_8"]] and not mask[v["Position_4"]] and mask[v["Position_12"]]
    assert not mask[v[f"Position_{3 * tok.positions_per_beat}"]]  # a 3/4 bar has 3 beats of positions
    assert mask[v["Program_40"]] and not mask[v["Program_0"]] and not mask[v["Program_-1"]]
    state.feed([v["Bar_None"]])
    mask = state.mask()
    assert mask[v["TimeSig_3/4"]] and not mask[v["TimeSig_4/4"]]
    state.feed([v["TimeSig_3/4"], v["Position_0"]])
    assert not state.mask()[v["Tempo_107.74"]]  # one tempo per take
    assert state.bar == 1 and state.bar_start == 3.0
    assert state.seconds == pytest.approx(3 * 60 / 107.74, rel=1e-3)


def _sample_uniform(tok, state, rng, tokens=600):
    """Uniform logits over the legal tokens: the most varied stream the mask allows."""
    ids = [tok.bos_id]
    state.feed(ids)
    for _ in range(tokens):
        mask = state.mask()
        mask[tok.eos_id] = False
        choice = int(rng.choice(np.flatnonzero(mask)))
        ids.append(choice)
        state.push(choice)
    return ids


def test_palette_restrictions_and_density_caps(tok, grammar):
    from collections import Counter

    v = tok.vocab()
    state = RemiState(grammar, timesigs=frozenset({v["TimeSig_3/4"], v["TimeSig_6/8"]}),
                      tempos=frozenset({v["Tempo_107.74"]}), programs=frozenset({-1, 40, 73}),
                      max_onset_notes=2, max_bar_notes=5)
    ids = _sample_uniform(tok, state, np.random.default_rng(1))
    assert grammar.first_violation(ids) is None
    score = tok.decode(ids)
    assert score.note_count > 20
    assert {(s.numerator, s.denominator) for s in score.time_signatures} <= {(3, 4), (6, 8)}
    assert {tok.token_name(i) for i in ids if grammar.is_tempo[i]} == {"Tempo_107.74"}
    assert {tok.token_name(i) for i in ids if grammar.is_timesig[i]} <= {"TimeSig_3/4", "TimeSig_6/8"}
    assert {-1 if t.is_drum else t.program for t in score.tracks} <= {-1, 40, 73}
    assert max(Counter(round(n.start, 4) for n in state.notes).values()) <= 2
    assert max(Counter(n.bar for n in state.notes).values()) <= 5


def test_at_most_15_melodic_programs_fit_the_midi_channels(tok, grammar):
    def programs(max_programs):
        state = RemiState(grammar, max_programs=max_programs)
        score = tok.decode(_sample_uniform(tok, state, np.random.default_rng(2), 900))
        return {t.program for t in score.tracks if not t.is_drum}

    assert len(programs(None)) > 15  # uniform sampling would spread over many instruments
    assert len(programs(15)) == 15
    assert RemiState(grammar).max_programs == 15  # the default


def test_one_note_group_order_for_the_table_and_the_tokenizer(tok, grammar):
    from jukebox_gui.core.data.grammar import NOTE_GROUP, note_group, note_kind

    assert note_group() == NOTE_GROUP == ("Program", "Pitch", "Velocity", "Duration")
    assert note_group(programs=False) == ("Pitch", "Velocity", "Duration")
    assert note_kind("PitchDrum") == "Pitch"
    # a real note, token by token, walks the table along the group
    ids = tok.encode(demo_score())
    kinds = [note_kind(tok.token_type(i)) for i in ids]
    start = kinds.index("Program")
    assert tuple(kinds[start:start + len(NOTE_GROUP)]) == NOTE_GROUP
    # the decode filter keeps exactly the complete groups
    body, at = ids[1:-1], start - 1  # body[at] is that Program
    broken = body[:at] + body[at + 1:at + 3] + body[at:]  # a headless fragment (Pitch Velocity) before it
    assert tok._grammar_filter(broken) == tok._grammar_filter(body)


def test_clock_and_probe(tok, grammar):
    from jukebox_gui.core.music.score import beats_for_seconds, seconds_for_beats

    assert seconds_for_beats(3.0, 90.0) == 2.0 and beats_for_seconds(2.0, 90.0) == 3.0
    state = RemiState(grammar).feed(tok.encode(demo_score())[:-1])
    probe = state.probe()
    assert probe.notes == [] and probe.pending_program == 0 and probe.seconds == state.seconds
