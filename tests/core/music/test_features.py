import dataclasses
import json
import shutil

import numpy as np
import pytest

from jukebox_gui.core.music.features import (
    FEATURES, QUALITY_FEATURES, bandwidth, compare_sets, overlap_area, piece_features, set_features,
)
from jukebox_gui.core.music.score import Note, Score, TempoChange, TimeSignature, Track


def melody(pitches, step=0.5, start=0.0):
    return [Note(start + i * step, step, int(p)) for i, p in enumerate(pitches)]


def tune(pitches, step=0.5, program=0, bpm=120.0):
    return Score(tracks=[Track(program=program, notes=melody(pitches, step))], tempos=[TempoChange(0.0, bpm)],
                 time_signatures=[TimeSignature(0.0, 4, 4)])


def stepwise(rng, n=64):
    steps = rng.choice([-2, -1, 1, 2], size=n - 1)
    return np.clip(62 + np.concatenate([[0], np.cumsum(steps)]), 50, 80)


def test_piece_features_of_a_known_tune():
    # C major scale up and down in eighths, two bars then the same two bars again
    half = [60, 62, 64, 65, 67, 69, 71, 72, 72, 71, 69, 67, 65, 64, 62, 60]
    f = piece_features(tune(half + half))
    assert set(f) == set(FEATURES)
    assert f["pitch_range"] == 12
    assert f["mean_abs_interval"] == pytest.approx(4 * 12 / 31)  # 31 intervals: 4 runs of 12 semitones
    assert f["inter_onset_interval"] == 0.5
    assert f["notes_per_bar"] == 8
    assert f["bar_repetition"] == 0.5  # bars 3 and 4 repeat bars 1 and 2
    assert f["instruments"] == 1
    assert f["notes_per_second"] == pytest.approx(4.0)  # eighths at 120 BPM
    assert f["polyphony"] == 1.0
    assert f["scale_consistency"] == 1.0


def test_instruments_and_notes_per_second():
    band = Score(tracks=[Track(program=0, notes=melody([60, 62])), Track(program=33, notes=melody([36, 38])),
                         Track(program=0, notes=melody([64])), Track(is_drum=True, notes=melody([36, 38])),
                         Track(program=40, notes=[])], tempos=[TempoChange(0.0, 60.0)])
    f = piece_features(band)
    assert f["instruments"] == 3  # piano (two tracks), bass, drums; the empty violin track does not count
    assert f["notes_per_second"] == pytest.approx(7 / 1.0)  # 7 notes in one second at 60 BPM
    assert piece_features(Score())["notes_per_second"] == 0.0


def test_random_melody_leaps_far_more_than_a_stepwise_one():
    rng = np.random.default_rng(3)
    steps = [piece_features(tune(stepwise(rng)))["mean_abs_interval"] for _ in range(20)]
    leaps = [piece_features(tune(rng.integers(55, 80, 64)))["mean_abs_interval"] for _ in range(20)]
    assert max(steps) <= 2.0
    assert min(leaps) > 2 * max(steps)
    assert overlap_area(steps, leaps, 0.05) < 0.01


def test_aabb_tunes_repeat_half_their_bars():
    rng = np.random.default_rng(5)
    a, b = stepwise(rng, 8), stepwise(rng, 8)
    aabb = piece_features(tune(np.concatenate([a, a + 2, b, b])))
    abcd = piece_features(tune(stepwise(rng, 32)))
    assert aabb["bar_repetition"] == 0.5
    assert abcd["bar_repetition"] < 0.5


def test_overlap_area_identical_shifted_and_constant():
    rng = np.random.default_rng(0)
    a = rng.normal(0.0, 1.0, 300)
    assert overlap_area(a, a) == pytest.approx(1.0, abs=1e-3)
    assert overlap_area(a, rng.normal(0.0, 1.0, 300)) > 0.85
    # N(0, 1) against N(1, 1): the true overlap is 2 * Phi(-0.5) = 0.617; kernels widen both a little
    assert 0.55 < overlap_area(a, rng.normal(1.0, 1.0, 300)) < 0.75
    assert overlap_area(a, a + 20) < 1e-6
    assert overlap_area(a, a + 1) < overlap_area(a, a + 0.5) < overlap_area(a, a + 0.1)
    assert overlap_area([4.0] * 30, [4.0] * 10) == 1.0
    assert overlap_area([1.0] * 30, [5.0] * 30, 0.5) == pytest.approx(6.33e-5, rel=0.01)  # 2 * Phi(-4)
    # a point mass with a few outliers shares the point mass, whatever the sample sizes
    assert overlap_area([4.0] * 40, [4.0] * 380 + [4.3, 4.5, 3.8, 4.25] * 5, 0.02) > 0.9
    assert np.isnan(overlap_area([], [1.0, 2.0]))


def test_one_kernel_for_both_sets_at_least_the_resolution():
    x, y = np.array([0.0, 1.0, 2.0]), np.array([10.0, 11.0, 12.0])
    # pooled within-set spread (1.0), not the spread of the union (5.5)
    assert bandwidth(x, y) == pytest.approx(np.sqrt(4 / 4) * 6 ** -0.2)
    assert bandwidth(x, y, resolution=3.0) == 3.0
    assert bandwidth(np.zeros(5), np.ones(5)) > 0  # no spread, no resolution: Scott on the union


def test_compare_sets_of_scores():
    rng = np.random.default_rng(1)
    folk = [tune(stepwise(rng, 48)) for _ in range(30)]
    more_folk = [tune(stepwise(rng, 48)) for _ in range(30)]
    noise = [tune(rng.integers(40, 90, 48), step=0.25) for _ in range(30)]
    same = compare_sets(folk, more_folk)
    far = compare_sets(noise, folk)
    assert set(same) == set(FEATURES)
    assert all(0.0 <= v <= 1.0 for v in same.values())
    assert same["instruments"] == 1.0  # one instrument everywhere
    for name in ("mean_abs_interval", "pitch_range", "inter_onset_interval", "notes_per_second"):
        assert far[name] < 0.05 < same[name], name
    assert np.mean([far[k] for k in QUALITY_FEATURES]) < np.mean([same[k] for k in QUALITY_FEATURES]) - 0.3
    # precomputed samples give the same figures
    assert compare_sets(set_features(folk), [piece_features(s) for s in more_folk]) == same


@pytest.mark.slow
def test_quality_benchmark_on_a_tiny_real_model(tmp_path, demo_corpus):
    from benchmarks.quality import evaluate, split_files
    from jukebox_gui.core.ml.bundle import load_bundle
    from jukebox_gui.core.ml.config import preset
    from jukebox_gui.core.ml.training import train

    folder = tmp_path / "tunes"
    folder.mkdir()
    for f in sorted(demo_corpus("irish").glob("*.mid"))[:12]:
        shutil.copy(f, folder / f.name)
    config = dataclasses.replace(preset("tiny", "lstm"), epochs=1, val_fraction=0.25, seed=3)
    out = tmp_path / "model"
    train(str(folder), out, config)

    bundle = load_bundle(out)
    train_files, held_files = split_files(bundle, str(folder))
    recorded = json.loads((out / "training.json").read_text())["corpus"]
    assert (len(train_files), len(held_files)) == (recorded["train_pieces"], recorded["val_pieces"]) == (9, 3)
    assert not {p for p, _ in train_files} & {p for p, _ in held_files}

    r = evaluate(str(out), takes=3, bars=4, seed=11, nll=False, say=lambda _m: None)
    assert r["corpus"] == str(folder) and r["files"] == {"train": 9, "held_out": 3}
    assert r["takes"] == 3 and len(r["originality"]["takes_copied_bars_p5_p50_p95"]) == 3
    for table in ("oa", "oa_ceiling"):
        assert set(r[table]) == set(FEATURES)
        assert all(0.0 <= v <= 1.0 for v in r[table].values())
    assert r["quality_ratio"] == pytest.approx(r["oa_mean"] / r["oa_ceiling_mean"], abs=1e-3)
    assert r["oa_mean_abs_interval"] == r["oa"]["mean_abs_interval"]
    assert r["instruments_corpus"]["median"] == 1.0
    assert 0.0 <= r["originality"]["takes_inside_human_p5_p95"] <= 1.0
    assert r["notes_per_second"]["takes"]["median"] > 0
    json.dumps(r)  # the report is plain JSON
