"""SIGKILL a writer at random moments, again and again, and check what it leaves on disk.

    python tests/reliability/kill_writer.py KIND OUT KILLS SEED     (prints one JSON line)

KIND is ``checkpoint`` (core.ml.checkpoints.save on a tiny real Keras model), ``midi``
(write_midi), ``wav`` (write_wav), ``musicxml`` (export_musicxml) or ``settings`` (the window's
QSettings INI file and the audio settings JSON); ``naive_midi`` is the control, a plain
non-atomic write, which this driver must catch. Each round starts a writer process that first
VERIFIES what the previous, killed one left (the last good checkpoint must restore, with the exact
values it was saved with; an export must be byte-identical to one of the two complete versions;
settings must read back consistent), then writes in a loop, logging ``start i`` / ``done i``;
the driver kills it with SIGKILL after a random delay. Writers are forked from a forkserver that
imported the heavy libraries once (TensorFlow, music21, Qt), so a round costs well under a second
and the server itself never runs a TensorFlow op.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import random
import signal
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PRELOAD = {
    "checkpoint": ["tensorflow", "keras", "jukebox_gui.core.ml.models", "jukebox_gui.core.ml.checkpoints"],
    "midi": ["jukebox_gui.core.music.midi_io"],
    "naive_midi": ["jukebox_gui.core.music.midi_io"],
    "wav": ["numpy", "jukebox_gui.core.audio.wav"],
    "musicxml": ["music21", "jukebox_gui.core.music.musicxml"],
    "settings": ["PySide6.QtCore", "jukebox_gui.app.settings", "jukebox_gui.core.audio.soundfonts"],
}
TARGET = {"naive_midi": "take.mid", "midi": "take.mid", "wav": "take.wav", "musicxml": "take.musicxml"}
SOUNDFONT = "/usr/share/sounds/sf2/TimGM6mb.sf2"


# ---- what each kind writes and how it is checked ---------------------------------------------------
def _score(variant: int, size: int = 400):
    from jukebox_gui.core.music.score import Note, Score, TempoChange, TimeSignature, Track

    base = 60 if variant == 0 else 48
    notes = [Note(i * 0.5, 0.5, base + (i * 7) % 24, 70 + i % 40) for i in range(size)]
    bass = [Note(i * 2.0, 2.0, base - 24 + i % 12, 80) for i in range(size // 4)]
    return Score(tracks=[Track(program=0, notes=notes), Track(program=32, notes=bass)],
                 tempos=[TempoChange(0.0, 100.0 + 20 * variant)], time_signatures=[TimeSignature(0.0, 4, 4)])


def _audio(variant: int):
    import numpy as np

    t = np.arange(88200, dtype=np.float32) / 44100
    tone = 0.3 * np.sin(2 * np.pi * (220.0 * (1 + variant)) * t)
    return np.stack([tone, tone[::-1]], axis=1)


def _write_export(kind: str, path: Path, variant: int) -> None:
    if kind == "naive_midi":  # the control: a plain, non-atomic write that a kill can cut short
        from jukebox_gui.core.music.midi_io import midi_bytes

        data = midi_bytes(_score(variant))
        with open(path, "wb") as handle:
            for at in range(0, len(data), 256):
                handle.write(data[at:at + 256])
                handle.flush()
                os.fsync(handle.fileno())
    elif kind == "midi":
        from jukebox_gui.core.music.midi_io import write_midi

        write_midi(_score(variant), path)
    elif kind == "wav":
        from jukebox_gui.core.audio.wav import write_wav

        write_wav(path, _audio(variant))
    else:
        from jukebox_gui.core.music.musicxml import export_musicxml

        export_musicxml(_score(variant, 48), path)


def _fill(model, value: float) -> None:
    """Every weight and optimizer variable set to ``value``: a restore must give them all back."""
    import numpy as np

    model.optimizer.build(model.trainable_variables)
    for v in list(model.weights) + list(model.optimizer.variables):
        v.assign(np.full(tuple(v.shape), value, dtype=v.dtype))


def _tiny_model():
    from jukebox_gui.core.ml.config import preset
    from jukebox_gui.core.ml.models import build_model

    model = build_model(preset("tiny", "lstm").model, 24)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def verify(kind: str, out: Path) -> dict:
    """What the killed writer left: the value it holds (epoch / variant / round), or a problem."""
    if kind == "checkpoint":
        import numpy as np

        from jukebox_gui.core.ml import checkpoints

        state = checkpoints.last_state(out)
        if state is None:
            return {"value": 0}
        model = _tiny_model()
        checkpoints.restore(out, model, state)
        epoch = int(state["epoch"])
        bad = [v.path for v in list(model.weights) + list(model.optimizer.variables)
               if not np.all(np.asarray(v.numpy()) == epoch)]
        if bad:
            return {"value": epoch, "problem": f"restored values differ from epoch {epoch}: {bad[:3]}"}
        best = checkpoints.best_dir(out)
        if best is not None:
            checkpoints.load_weights(best, _tiny_model())
        return {"value": epoch}
    if kind in TARGET:
        data = (out / TARGET[kind]).read_bytes()
        for variant in (0, 1):
            if data == (out / f"expected-{variant}{Path(TARGET[kind]).suffix}").read_bytes():
                return {"value": variant}
        return {"value": -1, "problem": f"{TARGET[kind]} is neither complete version ({len(data)} bytes)"}
    from PySide6.QtCore import QSettings

    from jukebox_gui.app.settings import Settings
    from jukebox_gui.core.audio import soundfonts

    q = QSettings(str(out / "home" / "settings.ini"), QSettings.Format.IniFormat)
    if q.status() != QSettings.Status.NoError:
        return {"value": -1, "problem": f"settings.ini unreadable: {q.status()}"}
    settings = Settings(q)
    value = int(settings.value("round", 0))
    recent = settings.recent_folders()
    if value and (len(recent) != 8 or any(f"/{value}/" not in r for r in recent)):
        return {"value": value, "problem": f"settings.ini inconsistent: round {value}, recent {recent[:2]}"}
    raw = json.loads(soundfonts.settings_path().read_text(encoding="utf-8")) if soundfonts.settings_path().exists() else {}
    if value and raw.get("soundfont") not in (str(Path(SOUNDFONT).resolve()), str((out / "copy.sf2").resolve())):
        return {"value": value, "problem": f"audio settings JSON holds {raw!r}"}
    return {"value": value}


def child(kind: str, out: str, report: str, start: int, final: bool) -> None:
    """Verify what is there, report it, then write forever (the driver kills us)."""
    folder = Path(out)
    os.environ["JUKEBOX_HOME"] = str(folder / "home")
    try:
        result = verify(kind, folder)
    except Exception as exc:  # noqa: BLE001 - the verdict goes back to the driver
        result = {"value": -1, "problem": f"{type(exc).__name__}: {exc}"}
    tmp = Path(report + ".part")
    tmp.write_text(json.dumps(result))
    os.replace(tmp, report)
    if final:
        return
    log = open(folder / "log.txt", "a", buffering=1)
    model = _tiny_model() if kind == "checkpoint" else None
    i = max(start, int(result.get("value", 0))) + 1 if kind in ("checkpoint", "settings") else start + 1
    while True:
        log.write(f"start {i}\n")
        if kind == "checkpoint":
            from jukebox_gui.core.ml import checkpoints

            _fill(model, float(i))
            checkpoints.save(folder, model, {"epoch": i, "best_val_loss": 1.0 / i}, best=i % 3 == 0)
        elif kind in TARGET:
            _write_export(kind, folder / TARGET[kind], i % 2)
        else:
            from jukebox_gui.app.settings import Settings
            from jukebox_gui.core.audio.soundfonts import save_soundfont_choice
            from PySide6.QtCore import QSettings

            settings = Settings(QSettings(str(folder / "home" / "settings.ini"), QSettings.Format.IniFormat))
            settings.set_value("round", i)
            settings.set_recent_folders([f"/music/{i}/{k}" for k in range(8)])
            settings.sync()
            save_soundfont_choice(SOUNDFONT if i % 2 else folder / "copy.sf2")
        log.write(f"done {i}\n")
        i += 1


def prepare(kind: str, out: str) -> None:
    """The two complete versions of an export, and the first one in place (not killed)."""
    folder = Path(out)
    if kind in TARGET:
        for variant in (0, 1):
            _write_export(kind, folder / f"expected-{variant}{Path(TARGET[kind]).suffix}", variant)
        _write_export(kind, folder / TARGET[kind], 0)
    elif kind == "settings":
        import shutil

        shutil.copy(SOUNDFONT, folder / "copy.sf2")


def _last_log(folder: Path) -> tuple[int, int, list[int]]:
    """(last started, last done, writes started since the last done: any may have landed)."""
    started = done = 0
    pending: list[int] = []
    path = folder / "log.txt"
    if path.exists():
        for line in path.read_text().splitlines():
            word, _, num = line.partition(" ")
            if num.isdigit():
                if word == "start":
                    started = int(num)
                    pending.append(started)
                elif word == "done":
                    done = int(num)
                    pending = []
    return started, done, pending


def drive(kind: str, out: Path, kills: int, seed: int, max_delay: float = 0.6) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["kill_writer", *PRELOAD[kind]])
    rng = random.Random(seed)
    began = time.monotonic()
    p = ctx.Process(target=prepare, args=(kind, str(out)))
    p.start()
    p.join(120)
    if p.exitcode != 0:
        return {"kind": kind, "kills": 0, "failures": [f"preparing failed (exit {p.exitcode})"]}
    failures, values, mid_write = [], [], 0
    expect: tuple[int, ...] | None = None
    for k in range(kills + 1):
        final = k == kills
        report = out / f"report-{k}.json"
        started, done, _pending = _last_log(out)
        proc = ctx.Process(target=child, args=(kind, str(out), str(report), started, final), daemon=True)
        proc.start()
        deadline = time.monotonic() + 120
        while not report.exists():
            if not proc.is_alive() or time.monotonic() > deadline:
                break
            time.sleep(0.01)
        if not report.exists():
            proc.kill()
            failures.append(f"round {k}: the writer never reported (exit {proc.exitcode})")
            break
        result = json.loads(report.read_text())
        values.append(result["value"])
        if "problem" in result:
            failures.append(f"round {k}: {result['problem']}")
        elif expect is not None and result["value"] not in expect:
            failures.append(f"round {k}: found {result['value']}, expected one of {expect}")
        if final:
            proc.join(60)
            break
        while _last_log(out)[0] == started and proc.is_alive() and time.monotonic() < deadline:
            time.sleep(0.005)  # the random moment counts from the first write
        time.sleep(rng.uniform(0.0, max_delay))
        os.kill(proc.pid, signal.SIGKILL)
        proc.join(30)
        started, done, pending = _last_log(out)
        mid_write += bool(pending)
        candidates = {done or values[-1], *pending}
        expect = tuple(sorted(candidates if kind in ("checkpoint", "settings")
                              else {c % 2 if c else values[-1] for c in candidates}))
    folder = out / "checkpoints" if kind == "checkpoint" else out
    leftovers = [p.name for p in folder.iterdir() if p.name.startswith(".")] if folder.exists() else []
    return {"kind": kind, "kills": len(values) - 1, "kills_mid_write": mid_write, "values": values,
            "writes_completed": _last_log(out)[1], "failures": failures, "leftover_temp_files": len(leftovers),
            "seconds": round(time.monotonic() - began, 1)}


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(REPO))
    import kill_writer

    print(json.dumps(kill_writer.drive(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))))
