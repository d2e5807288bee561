"""Bands, not solo lines: a model trained on a multi-track folder, its takes' instruments, and a
bass line regenerated under kept tracks (issue 18).

    python -m benchmarks multitrack [--model BUNDLE] [--train-seconds 900] [--takes 20] [--songs 12]

Builds a corpus offline from Debian's `mma` grooves and `planetblupi-music-midi` songs
(benchmarks/_mma_corpus.py), trains the laptop preset on it (or uses ``--model``), then:

- generates ``--takes`` takes of 16 bars with the default settings and counts their instruments:
  ``takes_3_pitched_and_drums`` is the share with at least three pitched instruments and drums,
  ``takes_3_with_drums`` the share with at least three instruments, drums among them;
- regenerates the bass of ``--songs`` held-out songs (grooves never trained on) under their kept
  drums and chords with ``core.ml.track_fill``, and measures how often a new bass note's pitch class
  sounds in the kept chords at its onset (``chord_tone_rate``), against the song's own bass
  (``chord_tone_rate_original``) and against bass notes at the same moments with pitches drawn from
  the corpus's bass pitch histogram (``chord_tone_rate_random``, the same run).
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _bass_tracks(score) -> list[int]:
    return [i for i, t in enumerate(score.tracks) if not t.is_drum and 32 <= t.program < 40 and t.notes]


def _sounding(score, skip: set[int], beat: float) -> set[int]:
    return {n.pitch % 12 for i, t in enumerate(score.tracks) if i not in skip and not t.is_drum
            for n in t.notes if n.start <= beat + 1e-6 < n.end}


def chord_tone_hits(score, bass: int, notes) -> tuple[int, int]:
    """(bass notes whose pitch class sounds in the other pitched tracks at their onset, notes judged)."""
    hits = judged = 0
    for note in notes:
        chord = _sounding(score, {bass}, note.start)
        if chord:
            judged += 1
            hits += (note.pitch % 12) in chord
    return hits, judged


def _coverage(score, bars: int = 16) -> float:
    """Mean share of the first ``bars`` bars each instrument plays in: parts that carry on, not one
    entry each."""
    lines = score.bar_starts(score.end_beat + 1e-6)[:bars + 1]
    if len(lines) < 2:
        return 0.0
    shares = []
    for t in score.tracks:
        if t.notes:
            played = {max(i for i, b in enumerate(lines) if b <= n.start + 1e-6) for n in t.notes if n.start < lines[-1]}
            shares.append(len(played) / (len(lines) - 1))
    return float(np.mean(shares)) if shares else 0.0


def _train(corpus: Path, out: Path, seconds: int) -> Path:
    from jukebox_gui.cli import main as cli

    code = cli(["train", str(corpus), "--out", str(out), "--preset", "laptop", "--time-budget", str(seconds)])
    if code != 0:
        raise SystemExit(f"training failed ({code})")
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks multitrack")
    parser.add_argument("--model", help="a bundle trained on the mma corpus (skips building and training)")
    parser.add_argument("--corpus", default=str(Path(tempfile.gettempdir()) / "jukebox-mma-corpus"))
    parser.add_argument("--train-seconds", type=int, default=900)
    parser.add_argument("--takes", type=int, default=20)
    parser.add_argument("--songs", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    from benchmarks._mma_corpus import available, build
    from jukebox_gui.core.ml.bundle import load_bundle
    from jukebox_gui.core.ml.generation import GenerationConfig, generate
    from jukebox_gui.core.ml.track_fill import track_fill
    from jukebox_gui.core.music.midi_io import read_midi

    ok, why = available()
    if not ok:
        result = {"skipped": why}
        print(json.dumps(result))
        return result
    sets = build(Path(args.corpus))
    model = Path(args.model) if args.model else _train(Path(args.corpus) / "train", Path(args.corpus) / "model",
                                                       args.train_seconds)
    bundle = load_bundle(model)

    counts, with_drums, rich, rich_drums, coverage = [], 0, 0, 0, []
    t0 = time.perf_counter()
    for i in range(args.takes):
        take = generate(bundle, GenerationConfig(seed=args.seed + i, bars=16))
        programs = take.report["instruments"]["programs"]
        pitched = len([p for p in programs if p >= 0])
        drums = -1 in programs
        counts.append(len(programs))
        coverage.append(_coverage(take.score))
        with_drums += drums
        rich += drums and pitched >= 3
        rich_drums += drums and len(programs) >= 3
    generate_s = time.perf_counter() - t0

    corpus_coverage = [_coverage(read_midi(f)) for f in sets["held_out"]]
    bands = [{-1 if t.is_drum else t.program for t in read_midi(f).tracks if t.notes} for f in sets["train"]]
    corpus_rich = np.mean([(-1 in b) and len(b) >= 4 for b in bands])
    corpus_rich_drums = np.mean([(-1 in b) and len(b) >= 3 for b in bands])
    corpus_bass = Counter(n.pitch for f in sets["train"] for s in [read_midi(f)] for i in _bass_tracks(s)
                          for n in s.tracks[i].notes)
    pitches = np.array(sorted(corpus_bass))
    weights = np.array([corpus_bass[p] for p in pitches], dtype=float)
    weights /= weights.sum()
    rng = np.random.default_rng(args.seed)
    ours, orig, rand = [0, 0], [0, 0], [0, 0]
    songs = 0
    registers = []
    counts_new: list[int] = []
    counts_old: list[int] = []
    fill_s = 0.0
    for path in sets["held_out"]:
        if songs >= args.songs:
            break
        score = read_midi(path)
        basses = _bass_tracks(score)
        if not basses or len([t for t in score.tracks if t.notes and not t.is_drum]) < 2:
            continue
        bass = basses[0]
        songs += 1
        t1 = time.perf_counter()
        new = track_fill(bundle, score, [bass], GenerationConfig(seed=args.seed + songs))[0].score
        fill_s += time.perf_counter() - t1
        notes = new.tracks[bass].notes
        registers += [n.pitch for n in notes]
        counts_new.append(len(notes))
        counts_old.append(len(score.tracks[bass].notes))
        for acc, (h, j) in ((ours, chord_tone_hits(new, bass, notes)),
                            (orig, chord_tone_hits(score, bass, score.tracks[bass].notes))):
            acc[0] += h
            acc[1] += j
        fake = [type(n)(n.start, n.duration, int(rng.choice(pitches, p=weights)), n.velocity) for n in notes]
        h, j = chord_tone_hits(new, bass, fake)
        rand[0] += h
        rand[1] += j

    def rate(acc):
        return round(acc[0] / acc[1], 3) if acc[1] else None

    result = {
        "model": str(model),
        "corpus_files": {k: len(v) for k, v in sets.items()},
        "takes": args.takes,
        "instruments_per_take": {"median": float(np.median(counts)), "min": int(min(counts)),
                                 "max": int(max(counts))} if counts else None,
        "takes_with_drums": round(with_drums / max(1, args.takes), 3),
        "takes_3_pitched_and_drums": round(rich / max(1, args.takes), 3),
        "takes_3_with_drums": round(rich_drums / max(1, args.takes), 3),
        "corpus_3_pitched_and_drums": round(float(corpus_rich), 3),
        "corpus_3_with_drums": round(float(corpus_rich_drums), 3),
        "part_bar_coverage": round(float(np.median(coverage)), 3) if coverage else None,
        "part_bar_coverage_corpus": round(float(np.median(corpus_coverage)), 3),
        "generate_seconds_per_take": round(generate_s / max(1, args.takes), 2),
        "bass_songs": songs,
        "chord_tone_rate": rate(ours),
        "chord_tone_rate_original": rate(orig),
        "chord_tone_rate_random": rate(rand),
        "bass_notes_ratio": round(sum(counts_new) / max(1, sum(counts_old)), 3),
        "new_bass_median_pitch": float(np.median(registers)) if registers else None,
        "corpus_bass_median_pitch": float(np.median(np.repeat(pitches, [corpus_bass[p] for p in pitches]))),
        "track_fill_seconds_per_song": round(fill_s / max(1, songs), 2),
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
