"""Issue 8: the built-in models ship in the repository, generate with no training, pass the
musical checks, and can be fine-tuned on a user's folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from jukebox_gui import cli
from jukebox_gui.core.errors import BundleError
from jukebox_gui.core.ml.builtin_models import BUILTIN_MODELS, available_builtins, builtin_dir
from jukebox_gui.core.ml.bundle import load_bundle, resolve_bundle

MAX_BUNDLE_BYTES = 10 * 1024 * 1024
# The seed is fixed so the test is deterministic (same seed, same bytes); the pass rate across
# many seeds is measured separately and reported in the issue note.
SEED = 11


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize("name", sorted(BUILTIN_MODELS))
def test_builtin_bundle_ships_small_and_documented(name):
    folder = builtin_dir(name)
    assert name in available_builtins(), f"resources/models/{name} is missing: run `make demo-models`"
    assert resolve_bundle(f"builtin:{name}") == folder
    assert _size(folder) <= MAX_BUNDLE_BYTES
    assert not (folder / "checkpoints").exists()
    for extra in ("corpus_metrics.json", "originality.json", "tokenizer.json", "provenance.json"):
        assert (folder / extra).is_file(), extra
    provenance = json.loads((folder / "provenance.json").read_text())
    assert provenance["command"].startswith(f"jukebox train demo:{name} ")
    assert provenance["seed"] == BUILTIN_MODELS[name].seed and provenance["wall_time_s"] > 0
    assert {"tensorflow", "keras", "miditok"} <= set(provenance["versions"])
    originality = json.loads((folder / "originality.json").read_text())
    assert not any(f.startswith("/") for f in originality["files"]), "absolute trainer paths leaked"
    bundle = load_bundle(f"builtin:{name}")
    assert bundle.tokenizer.vocab_size == bundle.vocab_size
    from jukebox_gui.core.ml.model_defaults import suggested_temperature

    assert suggested_temperature(bundle) == BUILTIN_MODELS[name].temperature  # sampling.json as the recipe says


@pytest.mark.parametrize("name", sorted(BUILTIN_MODELS))
def test_builtin_model_listens_to_the_melody(name):
    """Its held-out pitch loss (measured by training on files it never saw) is below the corpus's
    pitch histogram and rises clearly when the earlier pitches are shuffled: it uses the tune so far.
    (The LSTMs shipped before were context-blind: 2.71 vs 2.74 nats on irish.)"""
    melody = load_bundle(f"builtin:{name}").training["melody"]
    assert melody["pitch_nll"] < melody["pitch_unigram_nll"] - 0.3, melody
    assert melody["pitch_nll_shuffled_context"] > melody["pitch_nll"] + 0.5, melody


def test_unknown_builtin_names_the_real_ones():
    with pytest.raises(BundleError, match="builtin:irish"):
        resolve_bundle("builtin:jazz")


def test_generate_builtin_irish_passes_the_musical_checks(tmp_path, capsys):
    take, report_path = tmp_path / "t.mid", tmp_path / "t.json"
    code = cli.main(["generate", "builtin:irish", "--bars", "16", "--seed", str(SEED), "--out", str(take),
                     "--report", str(report_path)])
    assert code == 0, capsys.readouterr().err
    report = json.loads(report_path.read_text())
    metrics, verdicts = report["metrics"], report["verdicts"]
    # The style check retries a take while a style metric is far outside the corpus's p10-p90
    # (take_checks.STYLE_FENCE); inside p10-p90 on all of pitch-class entropy, scale and groove
    # consistency at once is what about half of the corpus's own tunes would be (0.8 ** 3, were the
    # metrics independent): count 5 seeds, not one.
    from jukebox_gui.core.ml.generation import GenerationConfig, generate

    bundle = load_bundle("builtin:irish")
    styled = typical = 0
    for seed in range(SEED, SEED + 5):
        r = generate(bundle, GenerationConfig(bars=16, seed=seed)).report
        styled += r["style"]["ok"]
        typical += all(r["verdicts"][m] == "in range" for m in ("pitch_class_entropy", "scale_consistency",
                                                                "groove_consistency"))
    assert styled >= 4 and typical >= 2, (styled, typical)
    for metric in ("distinct_durations", "distinct_ioi"):  # rhythm as varied as the corpus's plainer tunes
        assert metrics[metric] >= max(2, report["corpus_range"][metric]["p10"]), (metric, metrics[metric])
    assert metrics["longest_identical_run"] <= 4
    assert report["originality"]["ok"] and report["originality"]["bars"] <= 2.0
    # same seed, same bytes
    again = tmp_path / "again.mid"
    assert cli.main(["generate", "builtin:irish", "--bars", "16", "--seed", str(SEED), "--out", str(again),
                     "--quiet"]) == 0
    assert again.read_bytes() == take.read_bytes()


@pytest.mark.slow
def test_fine_tune_starts_from_the_builtin_weights(tmp_path):
    """One epoch on a small folder of the user's own (here: 24 chorales) from builtin:irish starts
    from the bundle's weights, so its first validation loss is below a fresh model's."""
    import dataclasses

    from jukebox_gui.core.demo import demo_corpus_dir
    from jukebox_gui.core.ml.training import train

    folder = tmp_path / "mine"
    folder.mkdir()
    for path in sorted(demo_corpus_dir("bach").glob("*.mid"))[:24]:
        shutil.copy(path, folder / path.name)
    base = load_bundle("builtin:irish")
    config = dataclasses.replace(base.config, epochs=1, patience=0, time_budget_s=0.0, seed=5)
    tuned = train(str(folder), tmp_path / "tuned", config, from_bundle="builtin:irish")
    fresh = train(str(folder), tmp_path / "fresh", config)
    tuned_loss = tuned.history["val_loss"][0]
    fresh_loss = fresh.history["val_loss"][0]
    assert tuned_loss < fresh_loss, (tuned_loss, fresh_loss)
    training = json.loads((tmp_path / "tuned" / "training.json").read_text())
    assert training["fine_tuned_from"] == str(builtin_dir("irish"))


@pytest.mark.parametrize("name", sorted(BUILTIN_MODELS))
def test_builtin_models_fill_a_selection(name):
    """Both built-ins were trained with bar-infilling samples on the slim stream; irish reads the
    music after a gap (held-out gap loss clearly lower with it)."""
    from jukebox_gui.core.ml.infill import can_fill

    bundle = load_bundle(f"builtin:{name}")
    assert can_fill(bundle) == (True, "")
    assert not bundle.tokenizer.config.use_programs and not bundle.tokenizer.config.use_velocities
    fill = bundle.training["fill"]
    assert fill["pieces"] >= 20 and fill["gap_nats_per_token_both"] < 1.2
    if name == "irish":
        assert fill["uses_right_side"] and fill["both_vs_left"] < 0.9, fill
    palette = bundle.extras["palette"]
    assert palette["bar_repeats"]["by_bar"] and palette["programs"] == [bundle.tokenizer.config.program]


def test_builtin_irish_writes_in_the_corpus_keys():
    """Takes stay in the keys of the tunes it learned from (O'Neill's: D, G and A major, E minor
    ...). A model trained with transposed windows wrote B, F# and E major in 12 of 30 takes."""
    from jukebox_gui.core.ml.generation import GenerationConfig, generate
    from jukebox_gui.core.music.spelling import analyse_key

    bundle = load_bundle("builtin:irish")
    fiddle_keys = {"D major", "G major", "A major", "C major", "F major", "e minor", "a minor", "b minor",
                   "d minor", "g minor"}
    keys = []
    for seed in range(10):
        score = generate(bundle, GenerationConfig(bars=16, seed=seed)).score
        keys.append(analyse_key([(n.pitch, n.duration) for t in score.tracks for n in t.notes])[2])
    assert sum(k in fiddle_keys for k in keys) >= 8, keys


def test_builtin_bach_keeps_its_four_voices_sounding():
    """A chorale sounds four notes nearly all the time (its palette's steady count); the model's
    note lengths alone left a voice silent under the others 6 % of the time and a fifth over them
    2 %. The lengths now follow the onsets (core.music.voicing): same onsets and pitches."""
    from jukebox_gui.core.data.palette import steady_voices
    from jukebox_gui.core.ml.generation import GenerationConfig, generate
    from jukebox_gui.core.music.metrics import time_by_sounding

    def four_sounding(score):  # share of the time with exactly four notes sounding
        time = time_by_sounding([(n.start, n.end) for t in score.tracks for n in t.notes])
        return time[4] / sum(time.values())

    bundle = load_bundle("builtin:bach")
    assert steady_voices(bundle.extras.get("palette")) == 4
    shares = {}
    for seed in (SEED, SEED + 1):
        kept = generate(bundle, GenerationConfig(bars=8, seed=seed)).score
        free = generate(bundle, GenerationConfig(bars=8, seed=seed, keep_voices=False)).score
        onsets = lambda s: sorted((n.start, n.pitch) for t in s.tracks for n in t.notes)  # noqa: E731
        assert onsets(kept) == onsets(free)
        shares[seed] = (four_sounding(kept), four_sounding(free))
    assert all(k >= 0.95 and k >= f for k, f in shares.values()) and any(k > f for k, f in shares.values()), shares


def test_builtin_bach_fills_a_selection_in_four_voices():
    """Regenerated bars keep the voices too, and nothing outside them changes."""
    from jukebox_gui.core.ml.generation import GenerationConfig, generate
    from jukebox_gui.core.ml.infill import infill
    from jukebox_gui.core.music.metrics import polyphony

    bundle = load_bundle("builtin:bach")
    take = generate(bundle, GenerationConfig(bars=8, seed=SEED)).score
    lines = take.bar_starts(take.end_beat + 1e-6)
    start, end = lines[2], lines[6]
    outside = lambda s: sorted((n.start, n.pitch, n.duration) for t in s.tracks for n in t.notes  # noqa: E731
                               if not start - 1e-9 <= n.start < end - 1e-9)
    spread = {}
    for keep in (True, False):
        new = [t.score for t in infill(bundle, take, 2, 6, GenerationConfig(seed=5, keep_voices=keep), variants=3)]
        assert all(outside(s) == outside(take) for s in new)
        spread[keep] = sum(abs(polyphony(s.slice_beats(start, end)) - 4.0) for s in new)
    assert spread[True] < spread[False], spread
