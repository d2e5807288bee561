"""Generation mechanics on a tiny real bundle (seconds of real Keras training)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from jukebox_gui.core.errors import Cancelled, GenerationError
from jukebox_gui.core.progress import CancelToken

from tiny_bundle import tiny_bundle

pytest.importorskip("tensorflow")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    from jukebox_gui.core.ml.bundle import load_bundle

    return load_bundle(tiny_bundle(tmp_path_factory))


def gen(bundle, **kwargs):
    from jukebox_gui.core.ml.generation import GenerationConfig, generate

    return generate(bundle, GenerationConfig(**kwargs))


class ScriptedModel:
    """A pathological 'model' for the guards: fixed logits, or replaying a training piece."""

    def __init__(self, tokenizer, favour=None, replay=None):
        self.vocab = tokenizer.vocab()
        self.size = tokenizer.vocab_size
        self.favour = favour or {}
        self.replay = replay
        self.pos = 0

    def reset(self, batch=1):
        self.pos = 0

    def _logits(self):
        logits = np.full((1, self.size), -5.0)
        if self.replay is not None:
            if self.pos < len(self.replay):
                logits[0, self.replay[self.pos]] = 12.0
        for name, value in self.favour.items():
            logits[0, self.vocab[name]] = value
        return logits

    def feed(self, prefix):
        self.pos = len(prefix)
        return self._logits()

    def step(self, ids):
        self.pos += 1
        return self._logits()


def test_numpy_decoder_matches_keras(bundle):
    from jukebox_gui.core.ml.decoders import make_decoder
    from jukebox_gui.core.ml.decoders.numpy_lstm import NumpyLstmDecoder

    ids = bundle.tokenizer.encode(__import__("jukebox_gui.core.music.score", fromlist=["Score"]).Score())[:1]
    ids = ids + [int(i) for i in np.random.default_rng(0).integers(3, bundle.tokenizer.vocab_size, 30)]
    ours, theirs = NumpyLstmDecoder(bundle.model), make_decoder(bundle, prefer="keras")
    full = np.asarray(bundle.model(np.array([ids], dtype=np.int32), training=False))[0]
    a, b = ours.feed(ids[:10]), theirs.feed(ids[:10])
    assert np.allclose(a, b, atol=1e-4) and np.allclose(a[0], full[9], atol=1e-4)
    for t, token in enumerate(ids[10:], start=10):
        a, b = ours.step([token]), theirs.step(np.array([token]))
        assert np.allclose(a, b, atol=1e-4) and np.allclose(a[0], full[t], atol=1e-4)


def test_same_seed_same_bytes_and_different_seeds_differ(bundle, tmp_path):
    from jukebox_gui.core.ml.generation import save_take

    first = gen(bundle, seed=11, bars=8)
    second = gen(bundle, seed=11, bars=8)
    other = gen(bundle, seed=12, bars=8)
    mid1, rep1 = save_take(first, tmp_path / "a.mid")
    mid2, _ = save_take(second, tmp_path / "b.mid", tmp_path / "b-report.json")
    mid3, _ = save_take(other, tmp_path / "c.mid")
    assert mid1.read_bytes() == mid2.read_bytes()
    assert mid1.read_bytes() != mid3.read_bytes()
    assert first.tokens != other.tokens
    report = json.loads(rep1.read_text())
    assert rep1 == tmp_path / "a.json"
    assert report["seed"] == 11 and report["settings"]["seed"] == 11
    assert report["bundle"]["arch"] == "lstm"
    assert set(report["metrics"]) >= {"pitch_class_entropy", "scale_consistency", "longest_copy_bars"}
    assert report["timing"]["tokens_per_second"] > 0
    assert report["originality"]["checked"] is True
    assert "pitch_class_entropy" in report["corpus_range"]
    assert set(report["verdicts"].values()) <= {"in range", "low", "high"}
    unseeded = gen(bundle, bars=2)
    assert isinstance(unseeded.report["seed"], int)  # a random seed is chosen and recorded


def test_every_take_is_legal_and_sized(bundle):
    from jukebox_gui.core.data.grammar import Grammar

    grammar = Grammar(bundle.tokenizer)
    take = gen(bundle, seed=3, bars=6, temperature=1.5, top_p=1.0)
    assert grammar.first_violation(take.tokens) is None
    assert sum(grammar.is_bar[t] for t in take.tokens) == 6
    assert take.score.note_count > 0
    assert gen(bundle, seed=4, notes=25).score.note_count == 25
    timed = gen(bundle, seed=5, seconds=8.0, tempo=100)
    assert [t.bpm for t in timed.score.tempos] == [100.0]
    assert 0 < timed.score.duration_seconds <= 8.0 + 60 / 100 * 12  # ends within a note of the limit
    assert max(n.start for n, _t in timed.score.all_notes()) * 60 / 100 < 8.0
    assert all(t.program == 0 for t in gen(bundle, seed=6, bars=4, program=0).score.tracks if not t.is_drum)
    assert all(gen(bundle, seed=seed, bars=1).score.note_count > 0 for seed in range(5))


def test_collapse_guard_stops_repeats_and_silence(bundle):
    from jukebox_gui.core.ml.generation import GenerationConfig, generate
    from jukebox_gui.core.music.metrics import score_metrics

    # a model that wants empty bars and the same quarter-note C over and over
    from jukebox_gui.core.data.grammar import Grammar

    grammar = Grammar(bundle.tokenizer)
    quarter = bundle.tokenizer.token_name(int(np.flatnonzero(grammar.is_duration & (grammar.duration_units == 1.0))[0]))
    velocity = bundle.tokenizer.token_name(int(np.flatnonzero(grammar.is_velocity)[4]))
    stuck = ScriptedModel(bundle.tokenizer, favour={
        "Bar_None": 9.0, "TimeSig_4/4": 8.0, "Position_0": 6.0, "Program_40": 8.0, "Pitch_60": 8.0,
        velocity: 8.0, quarter: 8.0})
    take = generate(bundle, GenerationConfig(seed=1, bars=16, top_p=0.9, repetition_penalty=1.0), decoder=stuck)
    notes = sorted(take.score.all_notes(), key=lambda p: p[0].start)
    assert notes, "the silence guard must force notes"
    assert score_metrics(take.score)["longest_identical_run"] <= 4
    assert take.report["guards"]["repeats_masked"] > 0 and take.report["guards"]["silences_masked"] > 0
    bar = 4.0
    assert notes[0][0].start <= 2 * bar + 1e-6
    sounding = 0.0
    for note, _track in notes:
        assert note.start - sounding <= 2 * bar + 1e-6
        sounding = max(sounding, note.end)


def test_originality_guard_regenerates_then_flags(bundle):
    from jukebox_gui.core.demo import demo_corpus_dir
    from jukebox_gui.core.ml.generation import GenerationConfig, generate
    from jukebox_gui.core.music.midi_io import read_midi

    source = sorted(demo_corpus_dir("irish").glob("*.mid"))[3]
    replay = bundle.tokenizer.encode(read_midi(source))
    copier = ScriptedModel(bundle.tokenizer, replay=replay)
    take = generate(bundle, GenerationConfig(seed=2, bars=6, max_attempts=2, top_p=0.9, repetition_penalty=1.0),
                    decoder=copier)
    originality = take.report["originality"]
    assert originality["bars"] > 2.0 and originality["ok"] is False
    assert originality["source"] == source.name
    assert originality["source_bar_end"] > originality["source_bar_start"]
    assert source.name in originality["message"]
    assert take.report["attempts_made"] == 2
    honest = gen(bundle, seed=2, bars=6, style_check=False)  # the originality guard alone
    assert honest.report["originality"]["ok"] is True and honest.report["attempts_made"] == 1


def _with_profile(bundle, low, high):
    import copy

    styled = copy.copy(bundle)
    styled.extras = {**bundle.extras, "corpus_metrics": {
        k: {"p10": low, "p50": (low + high) / 2, "p90": high, "min": low, "max": high}
        for k in ("pitch_class_entropy", "scale_consistency", "groove_consistency")}}
    return styled


def test_style_check_regenerates_takes_outside_the_corpus_range(bundle):
    impossible = gen(_with_profile(bundle, -2.0, -1.0), seed=4, bars=4, max_attempts=3)
    style = impossible.report["style"]
    assert impossible.report["attempts_made"] == 3
    assert style["checked"] and not style["ok"]
    assert style["out_of_range"] == ["pitch_class_entropy", "scale_consistency", "groove_consistency"]
    easy = gen(_with_profile(bundle, -100.0, 100.0), seed=4, bars=4, max_attempts=3)
    assert easy.report["attempts_made"] == 1 and easy.report["style"]["ok"]
    off = gen(_with_profile(bundle, -2.0, -1.0), seed=4, bars=4, max_attempts=3, style_check=False)
    assert off.report["attempts_made"] == 1 and not off.report["style"]["checked"]


def test_style_check_lets_a_take_just_outside_p10_p90_through(bundle):
    """Only a metric well outside the corpus's p10-p90 (by more than half its width) costs a retry:
    about half of a corpus's own pieces leave p10-p90 on one of five metrics."""
    import copy

    from jukebox_gui.core.ml.take_checks import STYLE_FENCE

    first = gen(bundle, seed=4, bars=4, style_check=False)
    value = first.report["metrics"]["pitch_class_entropy"]

    def band_above(gap: float):  # p10-p90 of width 1 starting ``gap`` above the take's value
        styled = copy.copy(bundle)
        styled.extras = {**bundle.extras, "corpus_metrics": {"pitch_class_entropy": {
            "p10": value + gap, "p50": value + gap + 0.5, "p90": value + gap + 1.0}}}
        return styled

    near = gen(band_above(0.8 * STYLE_FENCE), seed=4, bars=4, max_attempts=3)
    assert near.report["attempts_made"] == 1 and near.report["style"]["ok"]
    assert near.report["verdicts"]["pitch_class_entropy"] == "low"  # the table still says so
    far = gen(band_above(1.5 * STYLE_FENCE), seed=4, bars=4, max_attempts=3)
    assert far.report["attempts_made"] > 1 and "pitch_class_entropy" in far.report["style"]["out_of_range"]


def test_style_retries_stop_for_what_the_model_cannot_reach(bundle):
    from jukebox_gui.core.ml.take_checks import STYLE_METRICS
    from jukebox_gui.core.ml.take_checks import out_of_reach as _out_of_reach

    assert {"mean_abs_interval", "bar_repetition"} <= set(STYLE_METRICS)
    hopeless = gen(_with_profile(bundle, -2.0, -1.0), seed=4, bars=4, max_attempts=8)
    assert hopeless.report["attempts_made"] == 3  # not 8: every attempt missed by far
    assert hopeless.report["style"]["out_of_reach"] == ["pitch_class_entropy", "scale_consistency",
                                                        "groove_consistency"]
    profile = {"mean_abs_interval": {"p10": 2.05, "p90": 2.99}, "bar_repetition": {"p10": 0.06, "p90": 0.41}}
    takes = lambda mai, rep: [{"mean_abs_interval": a, "bar_repetition": b} for a, b in zip(mai, rep)]  # noqa: E731
    # builtin:irish as measured: 5-semitone leaps and no repeated bar, take after take
    assert _out_of_reach(takes([5.3, 5.5, 5.1], [0.0, 0.0, 0.0]), profile) == ["mean_abs_interval",
                                                                               "bar_repetition"]
    assert _out_of_reach(takes([3.1, 3.4, 3.0], [0.0, 0.1, 0.0]), profile) == []  # near, or once in range
    assert _out_of_reach(takes([3.6, 3.7, 3.5], [0.0, 0.05, 0.02]), profile) == ["mean_abs_interval"]
    assert _out_of_reach(takes([5.0], [0.0]), profile) == []  # one attempt tells nothing


def test_primer_opens_the_take(bundle):
    from jukebox_gui.core.demo import demo_corpus_dir
    from jukebox_gui.core.music.midi_io import read_midi

    source = sorted(demo_corpus_dir("irish").glob("*.mid"))[5]
    take = gen(bundle, seed=9, bars=4, primer=f"demo:irish/{source.name}", primer_bars=2)
    primer = read_midi(source)
    bars = primer.bar_starts()
    first_bar = max(i for i, b in enumerate(bars) if b <= primer.start_beat + 1e-9)
    cut = bars[first_bar + 2]
    want = sorted((round(n.start - bars[first_bar], 2), n.pitch) for n, _t in primer.all_notes()
                  if bars[first_bar] <= n.start < cut)
    got = sorted((round(n.start, 2), n.pitch) for n, _t in take.score.all_notes() if n.start < cut - bars[first_bar])
    assert got == want
    assert take.report["length"]["primer_bars"] == 2
    assert take.report["primer"]["source"].endswith(source.name)
    assert sum(1 for t in take.tokens if bundle.tokenizer.token_type(t) == "Bar") == 6
    with pytest.raises(GenerationError, match="not found"):
        gen(bundle, primer="/no/such/file.mid")


def test_bad_settings_and_cancel(bundle):
    from jukebox_gui.core.ml.generation import GenerationConfig, generate

    for bad in ({"temperature": -1}, {"top_p": 0}, {"bars": 0}, {"seed": -5}, {"program": 300},
                {"tempo": 5}, {"notes": 0}):
        with pytest.raises(GenerationError):
            gen(bundle, **bad)
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        generate(bundle, GenerationConfig(seed=1), cancel=token)



@pytest.mark.parametrize("arch", ["transformer", "seed-bilstm"])
def test_other_architectures_generate_through_the_training_decoder(arch, tmp_path, bundle):
    from jukebox_gui.core.data.grammar import Grammar
    from jukebox_gui.core.ml.bundle import load_bundle, save_bundle
    from jukebox_gui.core.ml.config import preset
    from jukebox_gui.core.ml.models import build_model

    config = preset("tiny", arch)
    model = build_model(config.model, bundle.tokenizer.vocab_size)  # untrained: mechanics only
    path = save_bundle(tmp_path / arch, model=model, config=config, tokenizer=bundle.tokenizer, training={})
    other = load_bundle(path)
    first, second = gen(other, seed=1, bars=2), gen(other, seed=1, bars=2)
    assert first.tokens == second.tokens
    assert Grammar(other.tokenizer).first_violation(first.tokens) is None
    assert first.score.note_count > 0
    expected = {"transformer": "NumpyTransformerDecoder", "seed-bilstm": "KerasWindowDecoder"}[arch]
    assert first.report["timing"]["decoder"] == expected
    assert first.report["originality"]["checked"] is False


def _with_palette(bundle, palette):
    import copy

    styled = copy.copy(bundle)
    styled.extras = {k: v for k, v in bundle.extras.items() if k != "palette"}
    if palette is not None:
        styled.extras["palette"] = {"format": "jukebox-palette", "version": 1, **palette}
    return styled


def _channel_programs(path):
    import mido

    programs = {}
    for track in mido.MidiFile(path).tracks:
        for msg in track:
            if msg.type == "program_change":
                programs.setdefault(msg.channel, set()).add(msg.program)
    return programs


def test_trained_bundle_has_a_palette_and_takes_keep_to_it(bundle):
    palette = bundle.extras["palette"]
    assert palette["programs"] == [40] and "6/8" in palette["time_signatures"]  # demo:irish: fiddle tunes
    take = gen(bundle, seed=3, bars=8)
    assert take.report["palette"]["checked"] and take.report["palette"]["instrument_set"] == [40]
    assert take.report["instruments"] == {"count": 1, "programs": [40], "names": ["Violin"]}
    assert set(take.report["time_signatures"]) <= set(palette["time_signatures"])
    assert take.report["length"]["notes_per_second"] > 0


def test_take_keeps_to_the_palette_whatever_the_model_wants(bundle, tmp_path):
    from collections import Counter

    from jukebox_gui.core.ml.generation import GenerationConfig, generate, save_take

    palette = {"instrument_sets": [[-1, 40, 33]], "time_signatures": ["3/4"], "tempos": ["107.74"],
               "max_notes_per_onset": 2, "max_notes_per_bar": 6}
    # wants a 4/4 take at 250 BPM for flute; otherwise uniform over whatever is legal (chords, any program)
    rebel = ScriptedModel(bundle.tokenizer, favour={"Program_73": 9.0, "TimeSig_4/4": 9.0, "Tempo_250.0": 9.0})
    take = generate(_with_palette(bundle, palette), GenerationConfig(seed=5, bars=8, style_check=False),
                    decoder=rebel)
    score = take.score
    assert score.note_count > 8
    assert {(s.numerator, s.denominator) for s in score.time_signatures} == {(3, 4)}
    names = {bundle.tokenizer.token_name(t) for t in take.tokens}
    assert {n for n in names if n.startswith(("Tempo", "TimeSig"))} == {"Tempo_107.74", "TimeSig_3/4"}
    assert {-1 if t.is_drum else t.program for t in score.tracks} <= {-1, 40, 33}
    onsets = Counter(round(n.start, 4) for n, _t in score.all_notes())
    bars = Counter(int(n.start // 3.0 + 1e-9) for n, _t in score.all_notes())
    assert max(onsets.values()) <= 2 and max(bars.values()) <= 6
    report = take.report
    assert report["time_signatures"] == ["3/4"] and report["palette"]["instrument_set"] == [-1, 40, 33]
    assert report["instruments"]["count"] == len(report["instruments"]["names"]) >= 2
    # the same model without the palette (an older bundle) spreads over many instruments and metres,
    # but never over more programs than MIDI channels play, and never two programs on one channel
    loose = generate(_with_palette(bundle, None), GenerationConfig(seed=5, bars=16, style_check=False),
                     decoder=ScriptedModel(bundle.tokenizer))
    assert loose.report["palette"] == {"checked": False}
    melodic = {t.program for t in loose.score.tracks if not t.is_drum}
    assert 8 < len(melodic) <= 15
    mid, _ = save_take(loose, tmp_path / "loose.mid")
    assert all(len(programs) == 1 for programs in _channel_programs(mid).values())


def test_primer_instruments_join_the_take_and_program_override_wins(bundle):
    from jukebox_gui.core.demo import demo_corpus_dir
    from jukebox_gui.core.ml.generation import GenerationConfig, generate

    primer = "demo:irish/" + sorted(demo_corpus_dir("irish").glob("*.mid"))[0].name  # a fiddle tune
    palette = {"instrument_sets": [[33, -1]], "time_signatures": ["4/4", "6/8", "2/4", "3/4", "2/2", "9/8"]}
    styled = _with_palette(bundle, palette)
    any_model = ScriptedModel(bundle.tokenizer)
    primed = generate(styled, GenerationConfig(seed=2, bars=4, primer=primer, style_check=False),
                      decoder=any_model)
    assert primed.report["palette"]["instrument_set"] == [40, 33, -1]  # the primer's fiddle first
    assert {-1 if t.is_drum else t.program for t in primed.score.tracks} <= {40, 33, -1}
    forced = generate(styled, GenerationConfig(seed=2, bars=4, program=0, style_check=False), decoder=any_model)
    assert {t.program for t in forced.score.tracks} == {0}
    assert forced.report["palette"]["instrument_set"] is None


def test_saved_midi_gives_every_program_its_own_channel(tmp_path):
    from jukebox_gui.core.ml.generation import Take, save_take
    from jukebox_gui.core.music.midi_io import read_midi
    from jukebox_gui.core.music.score import Note, Score, Track

    tracks = [Track(program=p, notes=[Note(float(i), 1.0, 60) for i in range(p + 1)]) for p in range(3)]
    tracks.append(Track(is_drum=True, notes=[Note(0.0, 0.5, 36)]))  # drums in the middle use up a track index
    tracks += [Track(program=p, notes=[Note(float(i), 1.0, 60) for i in range(p + 1)]) for p in range(3, 20)]
    score = Score(tracks=tracks)
    mid, _ = save_take(Take(score=score, tokens=[], report={}), tmp_path / "band.mid")
    channels = _channel_programs(mid)
    assert all(len(programs) == 1 for programs in channels.values()), channels
    assert channels[9] == {0} and len(channels) == 16
    back = read_midi(mid)
    assert back.note_count == score.note_count  # the rarest programs are played by kept ones, not dropped
    assert {t.program for t in back.tracks if not t.is_drum} == set(range(5, 20))
