"""Resource limits: a big corpus streams from the token shards on disk (bounded RSS), and a full
output folder gives a clear error and keeps the previous files (RLIMIT_FSIZE in a subprocess: tests
run as root, so chmod does not stop writes). tests/core/audio/test_wav.py and test_foundation.py
already cover WAV and the bare atomic writer; this covers MusicXML, model bundles, checkpoints and
the scan's caches."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FILES, NOTES = 3000, 2000


def _midi(index: int) -> bytes:
    body = bytearray(b"\x00\xff\x51\x03\x07\xa1\x20")
    for i in range(NOTES):
        pitch = 36 + (i * 7 + index) % 48
        velocity = (1 + index % 127, 1 + index // 127 % 127)[i] if i < 2 else 80  # unique content
        body += bytes([0, 0x90, pitch, velocity, 60, 0x80, pitch, 0])
    body += b"\x00\xff\x2f\x00"
    return b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480) + b"MTrk" + struct.pack(">I", len(body)) + bytes(body)


def _python(code: str, home: Path, *args: str, timeout: int = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], capture_output=True, text=True,
                          timeout=timeout, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO),
                                                          "JUKEBOX_HOME": str(home), "TF_CPP_MIN_LOG_LEVEL": "3"})


STREAM = """
import json, sys
import numpy as np
from jukebox_gui.core.data.scan import scan
from jukebox_gui.core.data.cache import TokenCache
from jukebox_gui.core.data.corpus import tokenize_corpus
from jukebox_gui.core.data.tokenizer import Tokenizer

def peak_mb():
    # VmHWM: this address space's peak RSS. Not ru_maxrss, which Linux carries across execve from
    # the parent (a pytest process that loaded TensorFlow starts its children at ~1.2 GB).
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024

tok = Tokenizer()
report = scan(sys.argv[1], workers=2)
if sys.argv[2] == "prepare":
    # the shards the first tokenization writes (about 4 tokens per note), written directly to keep
    # this test short; tokenize_corpus's own encode -> shard path is tested in tests/core/data
    shards = TokenCache(tok.fingerprint())
    rng = np.random.default_rng(0)
    for r in report.ok_files:
        shards.save(r.content_hash, rng.integers(3, tok.vocab_size, 4 * r.notes, dtype=np.int32))
    print(json.dumps({"ok": report.stats.ok}))
    sys.exit()
base = peak_mb()
lazy = tokenize_corpus(report, tok)  # mmap chosen automatically for a big corpus
total = sum(len(s) for s in lazy.sequences)
lazy_peak = peak_mb()
kinds = {type(s).__name__ for s in lazy.sequences}
eager = tokenize_corpus(report, tok, mmap=False)  # the control: the same corpus in memory
eager_peak = peak_mb()
print(json.dumps({"base": base, "lazy_peak": lazy_peak, "eager_peak": eager_peak, "tokens": total,
                  "files": len(lazy), "cached": lazy.stats["cached"], "kinds": sorted(kinds)}))
"""


@pytest.mark.slow
def test_big_corpus_streams_from_token_shards_with_bounded_rss(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for i in range(FILES):
        (folder / f"tune{i:05d}.mid").write_bytes(_midi(i))
    home = tmp_path / "home"
    prep = _python(STREAM, home, str(folder), "prepare")
    assert prep.returncode == 0, prep.stderr[-2000:]
    assert json.loads(prep.stdout.splitlines()[-1])["ok"] == FILES
    run = _python(STREAM, home, str(folder), "measure")
    assert run.returncode == 0, run.stderr[-2000:]
    m = json.loads(run.stdout.splitlines()[-1])
    corpus_mb = m["tokens"] * 4 / 2**20
    assert m["files"] == FILES and m["cached"] == FILES and m["kinds"] == ["memmap"]
    assert corpus_mb > 80, m
    assert m["lazy_peak"] - m["base"] < corpus_mb / 3, m  # streamed: nowhere near the corpus size
    assert m["eager_peak"] - m["lazy_peak"] > corpus_mb / 2, m  # the control shows what loading costs
    print(f"\ncorpus {corpus_mb:.0f} MB of tokens: RSS +{m['lazy_peak'] - m['base']:.0f} MB streamed, "
          f"+{m['eager_peak'] - m['lazy_peak']:.0f} MB loaded")


def _fill_up(folder: Path) -> None:
    with open(folder / "filler", "wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError:
            pass


@pytest.mark.slow
def test_full_disk_keeps_the_bundle_the_checkpoint_and_the_export(tmp_path):
    """A real full file system (a tmpfs filled up): clear JukeboxErrors, previous files intact."""
    from jukebox_gui.core.data.tokenizer import Tokenizer
    from jukebox_gui.core.errors import BundleError, ExportError, TrainingError
    from jukebox_gui.core.ml import bundle as bundles
    from jukebox_gui.core.ml import checkpoints
    from jukebox_gui.core.ml.config import preset
    from jukebox_gui.core.ml.models import build_model
    from jukebox_gui.core.music.musicxml import export_musicxml
    from jukebox_gui.core.music.score import Note, Score, Track

    mount = tmp_path / "tiny"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
                                           capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        tok, config = Tokenizer(), preset("tiny", "lstm")
        model = build_model(config.model, tok.vocab_size)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        out = mount / "model"
        bundles.save_bundle(out, model=model, config=config, tokenizer=tok, training={"run": 1})
        checkpoints.save(out, model, {"epoch": 1}, best=True)
        score = Score(tracks=[Track(notes=[Note(i, 1.0, 60 + i % 12) for i in range(16)])])
        export_musicxml(score, mount / "take.musicxml")
        before = {p: p.read_bytes() for p in mount.rglob("*") if p.is_file()}
        _fill_up(mount)

        with pytest.raises(BundleError, match="could not write the model bundle"):
            bundles.save_bundle(out, model=model, config=config, tokenizer=tok, training={"run": 2})
        with pytest.raises(TrainingError, match="could not write the checkpoint.*previous checkpoint is kept"):
            checkpoints.save(out, model, {"epoch": 2}, best=True)
        with pytest.raises(ExportError, match="disk is full"):
            export_musicxml(Score(tracks=[Track(notes=[Note(i, 0.5, 50) for i in range(4000)])]),
                            mount / "take.musicxml")

        (mount / "filler").unlink()
        after = {p: p.read_bytes() for p in mount.rglob("*") if p.is_file()}
        assert after == before  # every previous file intact, no temp files left behind
        assert bundles.load_bundle(out).training == {"run": 1}
        fresh = build_model(config.model, tok.vocab_size)
        fresh.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        checkpoints.restore(out, fresh, checkpoints.last_state(out))
        assert checkpoints.last_state(out)["epoch"] == 1
    finally:
        subprocess.run(["umount", str(mount)], check=False)
