"""Scores a musician can read (issue 16): our MusicXML next to MuseScore's own MIDI import.

    python -m benchmarks score [--takes 20] [--demo 20] [--keep DIR]

For ``--takes`` takes of each built-in model (seeds 1..N, 16 bars, cached under the cache
folder) and ``--demo`` demo corpus files (half Irish, half Bach, evenly spread), MuseScore 3
lays out three things per file: our MusicXML, its own import of the MIDI file and, for demo files,
music21's export of the corpus source. Everything is counted on MuseScore's re-export (so both
sides are laid out by the same program), and our MusicXML goes back to MIDI to compare notes.

Figures (targets from the issue): ``round_trip`` share of notes MuseScore plays back (1.0);
``accidentals_per_note`` ours vs ``musescore_import`` (ours <=) and ``music21_source`` for demo
files (ours <= 1.1 x); ``key_equals_analysis`` share of takes whose key signature is music21's
key analysis (``analyze('key')``, Aarden-Essen profiles) (1.0), ``key_equals_modal_analysis`` the
same key with the export's modal signature correction, ``key_equals_krumhansl`` the same with the
Krumhansl-Schmuckler profiles (the export's choice before),  ``key_equals_source`` for demo files; ``same_key_as_import`` both rates on the takes where
MuseScore's import writes our key signature (spelling and layout alone); ``far_note_share`` notes more
than three ledger lines from their staff (< 0.02); ``whole_metronome_marks`` (1.0). The last line
printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

MODELS = ("irish", "bach")
BATCH = 8  # files per MuseScore job (one process each)

_GENERATE = r"""
import sys
from pathlib import Path
from jukebox_gui.core.ml.bundle import load_bundle
from jukebox_gui.core.ml.generation import GenerationConfig, generate, save_take
folder, model, seeds = Path(sys.argv[1]), sys.argv[2], [int(s) for s in sys.argv[3:]]
bundle = load_bundle(f"builtin:{model}")
for seed in seeds:
    take = generate(bundle, GenerationConfig(bars=16, seed=seed).validate())
    save_take(take, folder / f"{model}-{seed}.mid")
"""


def take_files(count: int, folder: Path) -> list[Path]:
    """``count`` takes of each built-in model, generated once (in one child process per model,
    so TensorFlow never shares this process with MuseScore) and reused afterwards."""
    import hashlib
    import json

    from jukebox_gui.core.ml.builtin_models import builtin_dir

    files = []
    for model in MODELS:
        # one folder per version of the model and of its suggested sampling (sampling.json): a
        # retrained or retuned built-in never reuses an old one's takes
        created = json.loads((builtin_dir(model) / "config.json").read_text()).get("created", "")
        sampling = builtin_dir(model) / "sampling.json"
        created += sampling.read_text() if sampling.is_file() else ""
        version = hashlib.sha256(created.encode()).hexdigest()[:12]
        folder_of_model = folder / f"{model}-{version}"
        folder_of_model.mkdir(parents=True, exist_ok=True)
        seeds = list(range(1, count + 1))
        missing = [s for s in seeds if not ((folder_of_model / f"{model}-{s}.mid").is_file()
                                            and (folder_of_model / f"{model}-{s}.json").is_file())]
        if missing:
            env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
            subprocess.run([sys.executable, "-c", _GENERATE, str(folder_of_model), model, *map(str, missing)],
                           check=True, env=env, stdout=subprocess.DEVNULL)
        files += [folder_of_model / f"{model}-{s}.mid" for s in seeds]
    return files


def demo_files(count: int) -> list[Path]:
    from jukebox_gui.core.demo import demo_corpus_dir

    chosen = []
    for i, name in enumerate(MODELS):
        want = count // 2 + (count % 2 if i == 0 else 0)
        files = sorted(Path(demo_corpus_dir(name)).glob("*.mid"))
        if want and files:
            chosen += [files[k * len(files) // want] for k in range(want)]
    return chosen


def music21_source(midi: Path) -> bytes | None:
    """music21's own MusicXML of the corpus tune a demo file was made from (None if unknown)."""
    from jukebox_gui.core import demo_sources

    try:
        manifest = json.loads((midi.parent / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    entry = next((e for e in manifest.get("files", []) if e.get("file") == midi.name), None)
    if not entry:
        return None
    from music21 import converter
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    source = entry["source"]
    root = Path(demo_sources._corpus_root())  # noqa: SLF001
    if source.startswith("oneills1850/"):
        path, number = source.split("#X")
        blocks = [b for b in demo_sources._abc_tunes(root / path)  # noqa: SLF001
                  if demo_sources._header(b, "X") == number]  # noqa: SLF001
        if not blocks:
            return None
        parsed = converter.parse(blocks[0], format="abc", forceSource=True)
        if hasattr(parsed, "scores") and parsed.scores:
            parsed = parsed.scores[0]
    else:
        parsed = converter.parse(str(root / source), forceSource=True)
        voices = [p for p in parsed.parts if str(p.partName or "").strip().lower()
                  in ("soprano", "alto", "tenor", "bass")]
        if len(voices) >= 3:
            for part in list(parsed.parts):
                if part not in voices:
                    parsed.remove(part)
    try:
        return GeneralObjectExporter(parsed).parse()
    except Exception:  # noqa: BLE001 - a source music21 cannot write is left out of that figure
        return None


def music21_key(score) -> tuple[int, int, int]:
    """Sharps of music21's key (``analyze('key')``) for the pitched notes, computed here on its
    own, the same with the modal signature correction the export applies (``fit_signature``), and
    the corrected signature of the Krumhansl-Schmuckler key."""
    from music21 import note, stream

    from jukebox_gui.core.music.spelling import fit_signature

    container = stream.Stream()
    pitches = []
    for n, track in score.all_notes():
        if not track.is_drum:
            m = note.Note(n.pitch)
            m.quarterLength = max(0.25, n.duration)
            container.coreAppend(m)
            pitches.append(n.pitch)
    container.coreElementsChanged()
    found = container.analyze("key")
    fitted = fit_signature(pitches, int(found.sharps), found.mode == "minor", str(found))
    ks = container.analyze("KrumhanslSchmuckler")
    return int(found.sharps), fitted[0], fit_signature(pitches, int(ks.sharps), ks.mode == "minor", str(ks))[0]


def _measure_batch(files: list[Path], work: Path, divisions: int) -> list[dict]:
    from jukebox_gui.core.music.midi_io import read_midi
    from jukebox_gui.core.music.musescore import musescore_convert_many
    from jukebox_gui.core.music.musicxml import export_musicxml, notated_notes
    from jukebox_gui.core.music.score_facts import page_facts
    from jukebox_gui.core.music.score_titles import describe_midi

    pairs, rows = [], []
    for midi in files:
        stem = f"{midi.parent.name}-{midi.stem}"
        score = read_midi(midi)
        titles = describe_midi(midi)
        score.title = titles.title
        ours = export_musicxml(score, work / f"{stem}.musicxml", divisions=divisions,
                               subtitle=titles.subtitle, composer=titles.composer)
        row = {"file": str(midi), "stem": stem, "take": (midi.with_suffix(".json")).is_file(),
               "expected": notated_notes(score, divisions=divisions), "score": score, "ours_xml": ours}
        pairs += [(ours, work / f"{stem}.back.mid"), (ours, work / f"{stem}.ours-ms.musicxml"),
                  (midi, work / f"{stem}.import-ms.musicxml")]
        source = None if row["take"] else music21_source(midi)
        if source is not None:
            (work / f"{stem}.source.musicxml").write_bytes(source)
            pairs.append((work / f"{stem}.source.musicxml", work / f"{stem}.source-ms.musicxml"))
        row["has_source"] = source is not None
        rows.append(row)
    musescore_convert_many(pairs, timeout=120 * len(files))
    results = []
    for row in rows:
        stem = row["stem"]
        want = Counter((round(b, 3), p, d) for b, p, d in row["expected"])
        back_path = work / f"{stem}.back.mid"
        got = Counter()
        if back_path.is_file():
            back = read_midi(back_path)
            got = Counter((round(n.start, 3), n.pitch, t.is_drum) for t in back.tracks for n in t.notes)
        result = {"file": row["file"], "take": row["take"], "expected": sum(want.values()),
                  "matched": sum((want & got).values()), "extra": sum((got - want).values())}
        for label in ("ours-ms", "import-ms", "source-ms"):
            path = work / f"{stem}.{label}.musicxml"
            if path.is_file():
                facts = page_facts(path.read_bytes())
                result[label] = {"notes": facts.notes, "accidentals": facts.accidentals, "far": facts.far_notes,
                                 "key": facts.first_key, "tempos": facts.tempos, "title": facts.title,
                                 "subtitle": facts.subtitle, "credits": facts.credits}
        ours_file = page_facts(Path(row["ours_xml"]).read_bytes())
        result["ours_file_tempos"] = ours_file.tempos
        score = row["score"]
        result["analysis_key"], result["fitted_key"], result["krumhansl_key"] = music21_key(score)
        result["source_key"] = score.key_signatures[0].sharps if score.key_signatures else None
        results.append(result)
    return results


def _rate(rows: list[dict], label: str) -> float | None:
    have = [r[label] for r in rows if label in r]
    notes = sum(h["notes"] for h in have)
    return round(sum(h["accidentals"] for h in have) / notes, 4) if notes else None


def _whole(values: list[str]) -> bool:
    from jukebox_gui.core.music.score_facts import whole_numbers

    return whole_numbers(values)


def summarise(rows: list[dict]) -> dict:
    out: dict = {}
    groups = {"takes_irish": [r for r in rows if r["take"] and "/irish-" in r["file"]],
              "takes_bach": [r for r in rows if r["take"] and "/bach-" in r["file"]],
              "demo": [r for r in rows if not r["take"]]}
    groups["takes"] = groups["takes_irish"] + groups["takes_bach"]
    groups["all"] = rows
    for name, group in groups.items():
        if not group:
            continue
        ours = [r for r in group if "ours-ms" in r]
        figures = {
            "files": len(group),
            "round_trip": round(sum(r["matched"] for r in group) / max(1, sum(r["expected"] for r in group)), 4),
            "files_round_tripped": sum(r["matched"] == r["expected"] and r["extra"] == 0 for r in group),
            "accidentals_per_note": _rate(group, "ours-ms"),
            "musescore_import_accidentals_per_note": _rate(group, "import-ms"),
            "files_with_more_accidentals_than_import": sum(
                1 for r in group if "ours-ms" in r and "import-ms" in r
                and r["ours-ms"]["accidentals"] * max(1, r["import-ms"]["notes"])
                > r["import-ms"]["accidentals"] * max(1, r["ours-ms"]["notes"])),
            "far_note_share": round(sum(r["ours-ms"]["far"] for r in ours) / max(1, sum(r["ours-ms"]["notes"] for r in ours)), 4),
            "musescore_import_far_note_share": round(
                sum(r["import-ms"]["far"] for r in group if "import-ms" in r)
                / max(1, sum(r["import-ms"]["notes"] for r in group if "import-ms" in r)), 4),
            "whole_metronome_marks": round(sum(_whole(r["ours-ms"]["tempos"]) and _whole(r["ours_file_tempos"])
                                               for r in ours) / max(1, len(ours)), 4),
            "titled": sum(bool(r["ours-ms"]["credits"]) for r in ours),
        }
        takes = [r for r in ours if r["take"]]
        if takes:
            figures["key_equals_analysis"] = round(sum(r["ours-ms"]["key"] == r["analysis_key"] for r in takes) / len(takes), 4)
            figures["key_equals_modal_analysis"] = round(sum(r["ours-ms"]["key"] == r["fitted_key"] for r in takes) / len(takes), 4)
            figures["key_equals_krumhansl"] = round(sum(r["ours-ms"]["key"] == r["krumhansl_key"] for r in takes) / len(takes), 4)
            figures["key_equals_musescore_import"] = round(sum(r["ours-ms"]["key"] == r.get("import-ms", {}).get("key")
                                                               for r in takes) / len(takes), 4)
            figures["subtitled"] = sum(any("seed" in c for c in r["ours-ms"]["credits"]) for r in takes)
            # spelling and layout alone: the takes where MuseScore's import chose our key signature
            same = [r for r in takes if r["ours-ms"]["key"] == r.get("import-ms", {}).get("key")]
            figures["same_key_as_import"] = {"files": len(same), "accidentals_per_note": _rate(same, "ours-ms"),
                                             "musescore_import_accidentals_per_note": _rate(same, "import-ms")}
        demo = [r for r in ours if not r["take"]]
        if demo:
            keyed = [r for r in demo if r["source_key"] is not None]
            if keyed:
                figures["key_equals_source"] = round(sum(r["ours-ms"]["key"] == r["source_key"] for r in keyed) / len(keyed), 4)
                figures["source_key_equals_analysis"] = round(sum(r["analysis_key"] == r["source_key"] for r in keyed) / len(keyed), 4)
            figures["music21_source_accidentals_per_note"] = _rate(demo, "source-ms")
            sourced = [r for r in demo if "source-ms" in r]
            ours_rate = _rate(sourced, "ours-ms")
            source_rate = _rate(sourced, "source-ms")
            if ours_rate is not None and source_rate:
                figures["accidentals_vs_music21_source"] = round(ours_rate / source_rate, 3)
        out[name] = figures
    return out


def main(argv: list[str]) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks score")
    parser.add_argument("--takes", type=int, default=20, help="takes of each built-in model")
    parser.add_argument("--demo", type=int, default=20, help="demo corpus files (half Irish, half Bach)")
    parser.add_argument("--grid", type=int, default=4)
    parser.add_argument("--keep", type=Path, help="keep the MusicXML and MuseScore outputs here")
    args = parser.parse_args(argv)
    from jukebox_gui.core.music.musescore import find_musescore
    from jukebox_gui.core.paths import cache_dir

    if find_musescore() is None:
        return {"skipped": "MuseScore not installed"}
    started = time.perf_counter()
    files = take_files(args.takes, cache_dir() / "bench-score" / "takes") if args.takes else []
    files += demo_files(args.demo)
    generated = time.perf_counter() - started
    work = Path(tempfile.mkdtemp(prefix="jukebox-bench-score-")) if args.keep is None else args.keep
    work.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    try:
        for i in range(0, len(files), BATCH):
            rows += _measure_batch(files[i:i + BATCH], work, args.grid)
            print(f"score: {len(rows)}/{len(files)} files", file=sys.stderr, flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    result = summarise(rows)
    result["worst_files"] = sorted(
        ({"file": Path(r["file"]).name, "ours": r["ours-ms"]["accidentals"], "import": r["import-ms"]["accidentals"],
          "notes": r["ours-ms"]["notes"]} for r in rows if "ours-ms" in r and "import-ms" in r),
        key=lambda x: x["import"] - x["ours"])[:5]
    result["seconds"] = {"takes": round(generated, 1), "total": round(time.perf_counter() - started, 1)}
    return result


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
