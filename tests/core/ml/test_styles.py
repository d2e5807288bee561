"""Styles in one model (issue 19): specs, the style tokens, windows that carry their style, and a
tiny real two-style model (demo Irish tunes and Bach chorales) choosing and blending styles."""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from jukebox_gui.core.errors import CorpusError, GenerationError, TokenizerError

# the default tokenizer's fingerprint before style tokens existed: one-folder models keep it
DEFAULT_FINGERPRINT = "89a91be147643d9b7c89ddc53220906e0421498898c5c4b2fc92e954abc10725"
N_FILES = 20


# ---- specs ------------------------------------------------------------------------------------
def test_style_sources_parse_and_name_themselves(tmp_path):
    from jukebox_gui.core.data.styles import parse_source, parse_sources

    assert parse_source("demo:irish").name == "irish"
    assert parse_source("irish=~/tunes/irish") == parse_source("irish=~/tunes/irish")
    assert parse_source("mybach=./bach").source == "./bach" and parse_source("mybach=./bach").name == "mybach"
    folder = tmp_path / "My Tunes_2"
    folder.mkdir()
    assert parse_source(str(folder)).name == "My-Tunes-2"
    odd = tmp_path / "a=b"  # an existing folder whose name has '=' is a folder, not NAME=FOLDER
    odd.mkdir()
    assert parse_source(str(odd)).source == str(odd)
    with pytest.raises(CorpusError, match="name them"):
        parse_sources(["demo:bach", "bach=./other"])
    with pytest.raises(CorpusError, match="bad style name"):
        parse_source("my bach=./bach")


def test_style_blends_are_validated():
    from jukebox_gui.core.ml.generation import GenerationConfig
    from jukebox_gui.core.ml.style_decoder import parse_style

    assert parse_style("irish") == [("irish", 1.0)]
    assert dict(parse_style("irish=0.7, bach=0.3")) == pytest.approx({"irish": 0.7, "bach": 0.3})
    assert dict(parse_style("irish=3,bach=1")) == pytest.approx({"irish": 0.75, "bach": 0.25})
    assert parse_style("irish,bach") == [("irish", 0.5), ("bach", 0.5)]
    for bad, message in (("irish=x", "must be a number"), ("irish=-1,bach=2", "positive"),
                         ("irish=0", "positive"), ("irish,irish", "twice"), ("ir ish", "bad style name"),
                         ("", "a style is a name")):
        with pytest.raises(GenerationError, match=message):
            parse_style(bad)
    with pytest.raises(GenerationError, match="must be a number"):
        GenerationConfig(style="irish=0.7,bach=x").validate()


# ---- tokenizer -------------------------------------------------------------------------------
def test_style_tokens_in_the_tokenizer_and_old_fingerprints_kept():
    from jukebox_gui.core.data.tokenizer import Tokenizer, TokenizerConfig

    plain = Tokenizer()
    assert plain.fingerprint() == DEFAULT_FINGERPRINT == Tokenizer(TokenizerConfig(styles=())).fingerprint()
    assert plain.style_ids == {}
    styled = Tokenizer(TokenizerConfig(styles=("irish", "bach")))
    assert set(styled.style_ids) == {"irish", "bach"}
    assert [styled.token_name(i) for i in styled.style_ids.values()] == ["Style_irish", "Style_bach"]
    assert styled.fingerprint() != plain.fingerprint()
    again = Tokenizer.from_json_dict(json.loads(json.dumps(styled.to_json_dict())))
    assert again.style_ids == styled.style_ids and again.fingerprint() == styled.fingerprint()
    assert list(styled.to_json_dict()["config"]["styles"]) == ["irish", "bach"]
    assert styled.decode([styled.style_ids["bach"], *styled.encode(_one_note())[1:]]).note_count == 1
    with pytest.raises(TokenizerError):
        TokenizerConfig(styles=("my_bach",))
    with pytest.raises(TokenizerError):
        TokenizerConfig(styles=("a", "a"))


def _one_note():
    from jukebox_gui.core.music.score import Note, Score, Track

    return Score(tracks=[Track(notes=[Note(pitch=62, start=0.0, duration=1.0, velocity=80)])])


# ---- dataset ---------------------------------------------------------------------------------
def test_every_training_window_carries_its_style_and_small_styles_are_not_drowned():
    pytest.importorskip("tensorflow")
    from jukebox_gui.core.ml.config import preset
    from jukebox_gui.core.ml.dataset import make_dataset, pack, plan_epochs, style_shares, windows

    config = preset("tiny", "transformer")
    config = replace(config, model=replace(config.model, seq_len=16), max_windows_per_epoch=0, batch_size=8)
    rng = np.random.default_rng(0)
    big = [np.concatenate([[3], rng.integers(10, 100, 300)]) for _ in range(9)]   # style 0, token 3
    small = [np.concatenate([[4], rng.integers(10, 100, 300)]) for _ in range(1)]  # style 1, token 4
    fills = [np.concatenate([[4], rng.integers(10, 100, 12)]) for _ in range(5)]
    packed = pack(big + small, fills, style_ids=[3, 4])
    assert packed.styles.tolist() == [0] * 9 + [1] + [1] * 5
    plan = plan_epochs(packed, config, 0, 1)
    for ids, _targets, _weights in make_dataset(packed, plan.windows, config, pad_id=0):
        first = ids.numpy()[:, 0]
        assert set(first.tolist()) <= {3, 4}
    # each row's style is its own piece's: windows from the small piece open with 4
    found = windows(packed, replace(config, fill_share=0.0), np.random.default_rng(1))
    seq = np.searchsorted(packed.bounds[:, 0], found[:, 1], side="right") - 1
    ds = make_dataset(packed, found[: len(found) // 8 * 8], config, pad_id=0)
    firsts = np.concatenate([b[0].numpy()[:, 0] for b in ds])
    assert (firsts == np.where(seq[: len(firsts)] == 9, 4, 3)).all()
    natural, shares = style_shares(packed, windows(packed, replace(config, fill_share=0.0), None))
    assert natural[1] == pytest.approx(0.1, abs=0.02) and shares[1] == pytest.approx(0.25, abs=0.03)
    drawn = np.mean(seq == 9)
    assert drawn == pytest.approx(shares[1], abs=0.03)
    assert pack(big, style_ids=()).styles is None  # a one-corpus model: nothing changes


# ---- a tiny real two-style model ------------------------------------------------------------
def _folders(root: Path) -> dict[str, Path]:
    from jukebox_gui.core.demo import demo_corpus_dir

    out = {}
    for name in ("irish", "bach"):
        folder = root / f"{name}-tunes"
        if not folder.exists():
            folder.mkdir(parents=True)
            for f in sorted(demo_corpus_dir(name).glob("*.mid"))[:N_FILES]:
                shutil.copy(f, folder / f.name)
        out[name] = folder
    return out


@pytest.fixture(scope="module")
def styled_bundle(tmp_path_factory):
    pytest.importorskip("tensorflow")
    from jukebox_gui.core.ml.bundle import load_bundle
    from jukebox_gui.core.ml.config import preset
    from jukebox_gui.core.ml.training import train

    root = tmp_path_factory.getbasetemp() / "style-corpora"
    folders = _folders(root)
    out = tmp_path_factory.getbasetemp() / "tiny-two-style-bundle"
    config = preset("tiny", "transformer")
    config = replace(config, epochs=3, seed=7, learning_rate=0.005, fill_share=0.2,
                     model=replace(config.model, seq_len=64, units=32, embedding_dim=32, ff_dim=64))
    train([f"irish={folders['irish']}", f"bach={folders['bach']}"], out, config)
    return load_bundle(out)


@pytest.mark.slow
def test_two_style_model_trains_with_both_tokens_and_per_style_reports(styled_bundle):
    tok = styled_bundle.tokenizer
    assert list(tok.style_ids) == ["irish", "bach"] and tok.can_fill
    styles = styled_bundle.training["styles"]["styles"]
    assert set(styles) == {"irish", "bach"}
    assert all(styles[n]["files"] == N_FILES and styles[n]["val_pieces"] >= 1 for n in styles)
    assert sum(s["share"] for s in styles.values()) == pytest.approx(1.0)
    held = styled_bundle.training["corpus"]["held_out_files"]
    assert any(h.startswith("irish/") for h in held) and any(h.startswith("bach/") for h in held)
    melody = styled_bundle.training["melody"]
    assert set(melody["styles"]) == {"irish", "bach"} and melody["pitch_nll"] > 0
    extra = styled_bundle.extras["styles"]["styles"]
    assert extra["irish"]["palette"]["programs"] == [40] and extra["bach"]["palette"]["programs"] == [52]
    assert "6/8" in extra["irish"]["palette"]["time_signatures"]
    assert "mean_abs_interval" in extra["bach"]["corpus_metrics"]


def _take(bundle, **kwargs):
    from jukebox_gui.core.ml.generation import GenerationConfig, generate

    return generate(bundle, GenerationConfig(bars=4, max_attempts=2, **kwargs))


@pytest.mark.slow
def test_a_style_take_opens_with_its_token_and_keeps_to_its_palette(styled_bundle):
    extra = styled_bundle.extras["styles"]["styles"]
    for name, program in (("irish", 40), ("bach", 52)):
        take = _take(styled_bundle, style=name, seed=3)
        assert take.tokens[0] == styled_bundle.tokenizer.style_ids[name]
        assert take.report["instruments"]["programs"] == [program]
        assert set(take.report["time_signatures"]) <= set(extra[name]["palette"]["time_signatures"])
        assert take.report["styles"]["styles"] == {name: 1.0}
        assert take.report["styles"]["corpus_range"][name]["mean_abs_interval"] == pytest.approx(
            {k: v for k, v in extra[name]["corpus_metrics"]["mean_abs_interval"].items()})
        assert take.report["corpus_range"] == {k: v for k, v in extra[name]["corpus_metrics"].items()
                                               if k in take.report["metrics"]}
    again = _take(styled_bundle, style="bach", seed=3)
    assert again.tokens == _take(styled_bundle, style="bach", seed=3).tokens


@pytest.mark.slow
def test_a_blend_multiplies_the_rows_probabilities_raised_to_their_weights(styled_bundle):
    from jukebox_gui.core.ml.decoders import make_decoder
    from jukebox_gui.core.ml.style_decoder import StyleDecoder

    ids = styled_bundle.tokenizer.style_ids
    blend = StyleDecoder(make_decoder(styled_bundle), [ids["irish"], ids["bach"]], [0.7, 0.3])
    rows = [StyleDecoder(make_decoder(styled_bundle), [ids[n]], [1.0]) for n in ("irish", "bach")]
    prefix = [styled_bundle.tokenizer.bos_id]
    out = [blend.feed(prefix)] + [r.feed(prefix) for r in rows]
    for token in (int(np.argmax(out[0][0])), 7, 9):
        def probs(logits):
            e = np.exp(logits[0] - logits[0].max())
            return e / e.sum()
        expected = probs(out[1]) ** 0.7 * probs(out[2]) ** 0.3  # a product of experts
        assert np.allclose(probs(out[0]), expected / expected.sum(), atol=1e-5)
        out = [blend.step([token])] + [r.step([token]) for r in rows]
    take = _take(styled_bundle, style="irish=0.7,bach=0.3", seed=5)
    assert take.report["styles"]["styles"] == pytest.approx({"irish": 0.7, "bach": 0.3})
    assert take.report["styles"]["palette_of"] == "blend" and take.report["instruments"]["programs"] in ([40], [52])
    assert set(take.report["styles"]["corpus_range"]) == {"irish", "bach"}
    plain = _take(styled_bundle, seed=5)  # no style given: every style, equal weights
    assert plain.report["styles"]["styles"] == {"irish": 0.5, "bach": 0.5} and not plain.report["styles"]["given"]


@pytest.mark.slow
def test_in_a_blend_each_style_hears_its_own_instrument(styled_bundle):
    from jukebox_gui.core.ml.decoders import make_decoder
    from jukebox_gui.core.ml.style_decoder import resolve_styles

    tok = styled_bundle.tokenizer
    fiddle, choir = (tok.vocab()[f"Program_{p}"] for p in (40, 52))
    plan = resolve_styles(styled_bundle, "irish=0.5,bach=0.5")
    assert plan.programs == [[40], [52]]
    blend = plan.decoder(make_decoder(styled_bundle), tok)
    blend.use_programs({40})  # the take plays the fiddle: the bach row reads and writes its choir
    alone = {n: resolve_styles(styled_bundle, n).decoder(make_decoder(styled_bundle), tok) for n in ("irish", "bach")}
    for d in alone.values():
        d.use_programs({40})  # one style: nothing to translate
    heard = [tok.bos_id, tok.vocab()["Bar_None"], fiddle]

    def probs(logits):
        e = np.exp(logits[0].astype(np.float64) - logits[0].max())
        return e / e.sum()

    out = probs(blend.feed(heard))
    irish = probs(alone["irish"].feed(heard))
    bach = probs(alone["bach"].feed([choir if t == fiddle else t for t in heard]))
    bach[[fiddle, choir]] = bach[[choir, fiddle]]  # its choir is the take's fiddle
    def product(a, b):
        p = np.sqrt(a * b)
        return p / p.sum()

    assert np.allclose(out, product(irish, bach), atol=1e-5)
    blend.use_programs({40, 52})  # a band of two: no instrument to swap, rows hear the take as it is
    blend.reset(1)
    alone["bach"].reset(1)
    plain = probs(blend.feed(heard))
    bach_as_is = probs(alone["bach"].feed(heard))
    assert np.allclose(plain, product(irish, bach_as_is), atol=1e-5)
    assert not np.allclose(out, plain, atol=1e-3)
    # over takes, a blend's instrument follows its weights
    drawn = [_take(styled_bundle, style="irish=0.8,bach=0.2", seed=s).report["instruments"]["programs"]
             for s in range(1, 9)]
    assert drawn.count([40]) >= 5


@pytest.mark.slow
def test_style_errors_name_the_models_styles(styled_bundle, tmp_path_factory):
    sys.path.insert(0, str(Path(__file__).parent))
    from tiny_bundle import tiny_bundle

    from jukebox_gui.core.ml.bundle import load_bundle

    with pytest.raises(GenerationError, match="no style jazz; its styles: irish, bach"):
        _take(styled_bundle, style="jazz")
    with pytest.raises(GenerationError, match="no style jazz"):
        _take(styled_bundle, style="irish=0.5,jazz=0.5")
    one = load_bundle(tiny_bundle(tmp_path_factory))
    with pytest.raises(GenerationError, match="no styles .*its styles: none"):
        _take(one, style="irish")


def test_one_folder_training_is_unchanged(tmp_path):
    from jukebox_gui.cli.train_styles import corpus_source
    from jukebox_gui.core.data.styles import is_styled_source
    from jukebox_gui.core.ml.training import _default_tokenizer

    assert corpus_source(["demo:irish"]) == "demo:irish" and not is_styled_source("demo:irish")
    assert corpus_source([str(tmp_path)]) == str(tmp_path)
    assert _default_tokenizer().fingerprint() == DEFAULT_FINGERPRINT
    assert is_styled_source(corpus_source(["demo:irish", "demo:bach"]))
