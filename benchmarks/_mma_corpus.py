"""A realistic multi-track corpus built offline from Debian packages: songs rendered by `mma`
(Musical MIDI Accompaniment) from its groove library (drums, bass, chords, often a lead), and the
10 General MIDI game songs of `planetblupi-music-midi`. Nothing is downloaded; the files are not
committed. ``build(out, train=160, held_out=24)`` writes ``out/train/*.mid`` and
``out/held_out/*.mid`` (different grooves, so a held-out song's band was never trained on).
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from pathlib import Path

MMA_LIB = Path("/usr/share/mma/lib/stdlib")
BLUPI = Path("/usr/share/planetblupi/music")
PROGRESSIONS = (("C", "Am", "F", "G"), ("C", "F", "G", "C"), ("Am", "F", "C", "G"), ("C", "C7", "F", "Fm"),
                ("Dm7", "G7", "Cmaj7", "Cmaj7"), ("C", "G", "Am", "F"), ("Am", "Dm", "E7", "Am"),
                ("F", "G", "Em", "Am"))
SKIP = re.compile(r"(Intro|End|Fill|Sus|Plus|Break)", re.I)


def available() -> tuple[bool, str]:
    if shutil.which("mma") is None or not MMA_LIB.is_dir():
        return False, "mma is not installed (apt install mma)"
    return True, ""


def grooves(seed: int = 7) -> list[str]:
    """Main grooves in 4/4 of mma's standard library: two per style file, shuffled with ``seed``, then
    the styles' third and fourth variants."""
    found: list[str] = []
    more: list[str] = []  # the styles' further variants, after all the first ones
    for f in sorted(MMA_LIB.glob("*.mma")):
        text = f.read_text(errors="ignore")
        if "time 4" not in text.lower():
            continue
        names = [n for n in re.findall(r"^\s*DefGroove\s+(\S+)", text, re.M) if not SKIP.search(n)]
        found += names[:2]
        more += names[2:4]
    rng = random.Random(seed)
    rng.shuffle(found)
    random.Random(seed + 1).shuffle(more)
    return found + more


def _render(groove: str, out: Path, rng: random.Random, bars: int = 16) -> bool:
    chords = rng.choice(PROGRESSIONS)
    song = [f"Tempo {rng.choice([90, 100, 110, 120, 130])}", f"Groove {groove}",
            f"Transpose {rng.randint(-4, 4)}"] + [f"{i + 1} {chords[i % 4]}" for i in range(bars)]
    src = out.with_suffix(".mma")
    src.write_text("\n".join(song) + "\n")
    try:
        result = subprocess.run(["mma", str(src), "-f", str(out)], capture_output=True, text=True, timeout=60)
    finally:
        src.unlink(missing_ok=True)
    return result.returncode == 0 and out.exists()


def build(out: Path, train: int = 160, held_out: int = 24, seed: int = 7) -> dict[str, list[Path]]:
    ok, why = available()
    if not ok:
        raise RuntimeError(why)
    rng = random.Random(seed)
    sets: dict[str, list[Path]] = {"train": [], "held_out": []}
    names = grooves(seed)
    wanted = {"train": train, "held_out": held_out}
    for part in ("train", "held_out"):
        folder = out / part
        folder.mkdir(parents=True, exist_ok=True)
        sets[part] = sorted(folder.glob("*.mid"))
    if all(len(sets[p]) >= wanted[p] for p in wanted):
        return sets
    for part in ("train", "held_out"):
        for p in sets[part]:
            p.unlink()
        sets[part] = []
    for groove in names:
        part = "train" if len(sets["train"]) < train else "held_out"
        if len(sets[part]) >= wanted[part]:
            break
        target = out / part / f"mma_{groove}.mid"
        if _render(groove, target, rng):
            sets[part].append(target)
    if BLUPI.is_dir():
        for f in sorted(BLUPI.glob("*.mid")):
            shutil.copy(f, out / "train" / f"blupi_{f.name}")
            sets["train"].append(out / "train" / f"blupi_{f.name}")
    return sets
