"""A big corpus end to end with bounded memory: synthesise N files (default 20,000) from the demo
corpora by transposition and tempo change, scan them, tokenise them into the token shards (the
per-file ``.npy`` cache, memory-mapped above 64 MB), train one short epoch and write the bundle.

    python -m benchmarks big_corpus [--files 20000] [--keep DIR] [--windows 512]

Caches go to a private ``JUKEBOX_HOME`` (a cold run). The last line is JSON: ``peak_rss_mb``
(this process; target < 2048), ``peak_rss_<stage>_mb`` (VmRSS sampled every 0.1 s: where a peak
comes from), ``peak_rss_children_mb`` (the scan's parser processes, each one on its own), and
wall seconds and RSS after each stage (``synth_s``, ``scan_s``, ``tokenize_s``,
``train_*_s``...).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

TRANSPOSE = (0, 2, -2, 4, -3, 5, -5, 1, -1, 3, -4, 6)
TEMPO = (1.0, 0.85, 1.15, 0.7, 1.3)


def _peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)  # Linux: kilobytes


def _rss_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


class _PeakSampler:
    """VmRSS every 0.1 s on a thread: the highest reading per stage (``peak_rss_<stage>_mb``), so
    a peak between two stage marks says where it came from."""

    def __init__(self) -> None:
        import threading

        self.stage = "start"
        self.peaks: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self.peaks[self.stage] = max(self.peaks.get(self.stage, 0.0), _rss_mb())

    def stop(self) -> dict[str, float]:
        self._stop.set()
        self._thread.join()
        return {f"peak_rss_{name}_mb": mb for name, mb in self.peaks.items()}


def _variant(score, shift: int, tempo: float):
    import dataclasses

    from jukebox_gui.core.music.score import TempoChange

    tracks = []
    for track in score.tracks:
        notes = track.notes if track.is_drum else [
            dataclasses.replace(n, pitch=min(127, max(0, n.pitch + shift))) for n in track.notes]
        tracks.append(dataclasses.replace(track, notes=notes))
    tempos = [TempoChange(t.beat, t.bpm * tempo) for t in score.tempos]
    return dataclasses.replace(score, tracks=tracks, tempos=tempos)


def synthesise(folder: Path, files: int) -> int:
    """``files`` MIDI files in ``folder`` (1,000 per subfolder): every demo piece in turn, each
    round with the next (transposition, tempo) pair. One source Score in memory at a time."""
    from jukebox_gui.core.demo import demo_corpus_dir
    from jukebox_gui.core.music.midi_io import read_midi, write_midi

    sources = sorted(p for name in ("irish", "bach") for p in demo_corpus_dir(name).rglob("*.mid"))
    pairs = [(s, t) for t in TEMPO for s in TRANSPOSE]
    written = 0
    for round_, (shift, tempo) in enumerate(pairs):
        for source in sources:
            if written >= files:
                return written
            score = read_midi(source)
            out = folder / f"{written // 1000:03d}" / f"{source.stem}_r{round_:02d}.mid"
            out.parent.mkdir(parents=True, exist_ok=True)
            write_midi(_variant(score, shift, tempo), out)
            written += 1
    return written


def main(argv: list[str]) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks big_corpus")
    parser.add_argument("--files", type=int, default=20000, help="files to synthesise (default 20,000)")
    parser.add_argument("--keep", metavar="DIR", help="write the corpus (and caches) here and keep them")
    parser.add_argument("--windows", type=int, default=512, help="training windows in the one epoch")
    args = parser.parse_args(argv)

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="jukebox-big-"))
    work.mkdir(parents=True, exist_ok=True)
    demo_home = os.environ.get("JUKEBOX_HOME")
    result: dict = {"files_requested": args.files}
    marks: dict[str, float] = {}
    sampler = _PeakSampler()
    try:
        began = time.perf_counter()
        corpus_dir = work / "corpus"
        if not (corpus_dir.is_dir() and sum(1 for _ in corpus_dir.rglob("*.mid")) >= args.files):
            result["files_written"] = synthesise(corpus_dir, args.files)
        result.update(synth_s=round(time.perf_counter() - began, 1), rss_after_synth_mb=_rss_mb())
        sampler.stage = "scan"
        # cold caches from here on (the demo corpora above came from the usual home)
        os.environ["JUKEBOX_HOME"] = str(work / "home")

        from jukebox_gui.core.data.corpus import tokenize_corpus
        from jukebox_gui.core.data.scan import scan
        from jukebox_gui.core.data.slim_tokens import slim_config
        from jukebox_gui.core.data.tokenizer import Tokenizer

        print(f"synthesised: {result['synth_s']} s", file=sys.stderr, flush=True)
        start = time.perf_counter()
        report = scan(corpus_dir)
        result.update(scan_s=round(time.perf_counter() - start, 1), files_ok=len(report.ok_files),
                      files_skipped=len(report.skipped_files), rss_after_scan_mb=_rss_mb())
        print(f"scanned: {result['scan_s']} s", file=sys.stderr, flush=True)
        start = time.perf_counter()
        sampler.stage = "tokenize"
        tokenizer = Tokenizer()
        corpus = tokenize_corpus(report, tokenizer)
        slimmer = slim_config(corpus.sequences, tokenizer)
        if slimmer is not None:  # as train() does: the slim stream for a one-instrument corpus
            tokenizer = Tokenizer(slimmer)
            corpus = tokenize_corpus(report, tokenizer)
        mapped = sum(1 for s in corpus.sequences if not s.flags.owndata)
        result.update(tokenize_s=round(time.perf_counter() - start, 1), tokens=corpus.total_tokens,
                      memory_mapped_files=mapped, rss_after_tokenize_mb=_rss_mb())

        import dataclasses

        from jukebox_gui.core.ml.config import preset
        from jukebox_gui.core.ml.events import Stage
        from jukebox_gui.core.ml.training import train

        def sink(event):
            if isinstance(event, Stage) and event.stage not in marks:
                marks[event.stage] = time.perf_counter()
                sampler.stage = f"train_{event.stage}"
                result[f"rss_at_{event.stage}_mb"] = _rss_mb()
                print(f"{event.stage}: {_rss_mb()} MB", file=sys.stderr, flush=True)

        config = dataclasses.replace(preset("laptop", "lstm"), epochs=1, max_windows_per_epoch=args.windows,
                                     patience=0, time_budget_s=0.0)
        start = time.perf_counter()
        run = train(corpus, work / "bundle", config, tokenizer=tokenizer, progress=sink)
        end = time.perf_counter()
        stages = sorted(marks.items(), key=lambda kv: kv[1]) + [("end", end)]
        result["train_s"] = round(end - start, 1)
        for (name, at), (_next, until) in zip(stages, stages[1:]):
            result[f"train_{name}_s"] = round(until - at, 1)
        result.update(train_steps=run.optimizer_iterations, val_loss=round(run.best_val_loss, 4),
                      rss_after_train_mb=_rss_mb())
    finally:
        if demo_home is None:
            os.environ.pop("JUKEBOX_HOME", None)
        else:
            os.environ["JUKEBOX_HOME"] = demo_home
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    result.update(sampler.stop())
    result.update(wall_s=round(time.perf_counter() - began, 1), peak_rss_mb=_peak_mb(),
                  peak_rss_children_mb=_peak_mb(resource.RUSAGE_CHILDREN), target_peak_rss_mb=2048)
    result["peak_rss_ok"] = result["peak_rss_mb"] < 2048
    return result
