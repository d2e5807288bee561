"""Mute latency: click Mute on the loudest track while a take plays in the real window, and time
how long until that track's sound is gone from what the sound server plays (target 150 ms).

Starts a private pulseaudio with a null sink (``XDG_RUNTIME_DIR`` in a temp folder), records the
sink's monitor with ``parec --raw`` in a thread that stamps every chunk with the monotonic clock
as it arrives, and runs the window in a child process (so Qt finds the sound server at start):
MainWindow offscreen, a real multi-track take (planetblupi music003's first ``--seconds``, else a
generated 4-track score) rendered to stems by the page's own Render button, played, and at
``--clicks`` moments the loudest track's Mute button is clicked (mute, unmute, mute...).

For each click the recording is aligned with the take by cross-correlating the 0.4 s before the
click with the take's mix; the change is found where the recording stops matching the mix before
the click and matches the mix after it (5 ms windows). ``mute_latency_ms``: the worst click's
time from the click to the arrival, at the monitor, of the first changed window (an upper bound:
it includes parec's own buffering). Also: each click, the player's buffer and underruns.
JUKEBOX_MUTE_DEBUG=PREFIX keeps the recording, the stems and the clicks for a closer look.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

TARGET_MS = 150.0
RATE = 44100
WIN_MS = 5


# ---- the window (child process) -------------------------------------------------------------
def sustained_spot(stems: np.ndarray, rate: int, span_s: float = 5.0) -> tuple[float, int]:
    """(start second, track): where some track sounds loudest without a break for ``span_s``
    (the 10th percentile of its 5 ms RMS, so a gap between drum hits does not count as loud),
    and that track: muting it must be audible in every window, not only at its next note."""
    win = rate * WIN_MS // 1000
    best = (-1.0, 0.0, 0)
    for second in range(0, max(1, int(stems.shape[1] / rate - span_s))):
        seg = stems[:, second * rate:int((second + span_s) * rate)]
        n = seg.shape[1] // win * win
        rms = np.sqrt((seg[:, :n].reshape(len(stems), -1, win, 2).astype(np.float64) ** 2).mean(axis=(2, 3)))
        floor = np.percentile(rms, 10, axis=1)
        if float(floor.max()) > best[0]:
            best = (float(floor.max()), float(second), int(np.argmax(floor)))
    return best[1], best[2]


def _take_score(seconds: float):
    from benchmarks.stems import _song

    return _song(None, seconds)


def child(out: Path, seconds: float, clicks: int) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QMessageBox

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tools.screenshots import settle, wait_until

    app = QApplication(sys.argv[:1])
    errors: list[str] = []
    QMessageBox.warning = lambda *a, **k: errors.append(f"{a[1]}: {a[2]}")
    from jukebox_gui.app.main_window import MainWindow
    from jukebox_gui.app.mix_player import BUFFER_MS
    from jukebox_gui.app.pages.generate_page import TakeEntry
    from jukebox_gui.core.ml.generation import Take

    window = MainWindow()
    window.resize(1360, 860)
    window.show()
    window.show_page(3)
    gen = window.generate_page
    name, score = _take_score(seconds)
    gen.add_take(TakeEntry(1, Take(score, []), {"seed": 0}, "benchmark"))
    rendered: list = []
    gen.rendered.connect(rendered.append)
    gen.render_button.click()
    wait_until(app, lambda: rendered or errors, 300, "the stems")
    if errors:
        raise SystemExit(errors[0])
    take, player = rendered[0], gen.audio.player
    if player.silent:
        raise SystemExit(f"no audio output in the child: {player.silent_reason}")
    stems = take.stems
    start, track = sustained_spot(np.stack([s.audio for s in stems.stems]), stems.sample_rate)
    gen.transport.seek(start)
    gen.transport.play_button.click()
    wait_until(app, lambda: player.position() > start + 1.0, 30, "playback to start (the sink to run)")
    events = []
    for k in range(clicks):
        settle(app, 700)
        pos = player.position()
        a = int(pos * stems.sample_rate)
        loud = [float(np.sqrt(np.mean(s.audio[a:a + stems.sample_rate] ** 2))) for s in stems.stems]
        before = player.gains
        row = gen.tracks_panel.rows[track]
        clicked = time.monotonic()
        QTest.mouseClick(row.mute_button, Qt.MouseButton.LeftButton)
        events.append({"click": clicked, "position": pos, "before": before, "after": player.gains,
                       "track": track, "muted": row.mute_button.isChecked(), "loudness": loud[track]})
    settle(app, 700)
    underruns = player.underruns
    gen.transport.stop_button.click()
    np.save(out.with_suffix(".npy"), np.stack([s.audio for s in stems.stems]))
    out.write_text(json.dumps({"song": name, "tracks": [s.name for s in stems.stems], "events": events,
                               "buffer_ms": BUFFER_MS, "underruns": underruns, "rate": stems.sample_rate}))
    window.close()
    return 0


# ---- the sound server and the recorder (parent) -----------------------------------------------
class Recorder:
    """``parec --raw`` of the null sink's monitor; every chunk stamped as it arrives."""

    def __init__(self, env: dict) -> None:
        self.proc = subprocess.Popen(["parec", "-d", "nullsink.monitor", "--raw", "--format=s16le",
                                      f"--rate={RATE}", "--channels=2", "--latency-msec=5"],
                                     stdout=subprocess.PIPE, env=env, bufsize=0)
        self.chunks: list[bytes] = []
        self.stamps: list[tuple[float, int]] = []  # (arrival, frames received so far)
        self._frames = 0
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while True:
            data = self.proc.stdout.read(1024)
            if not data:
                return
            now = time.monotonic()
            self.chunks.append(data)
            self._frames += len(data) // 4
            self.stamps.append((now, self._frames))

    def stop(self) -> np.ndarray:
        self.proc.terminate()
        self.proc.wait(5)
        self.thread.join(5)
        raw = b"".join(self.chunks)
        raw = raw[: len(raw) // 4 * 4]
        return np.frombuffer(raw, dtype="<i2").reshape(-1, 2).astype(np.float32) / 32767.0

    def time_of(self, frame: int) -> float:
        """When recorded frame ``frame`` had arrived."""
        ends = np.array([f for _t, f in self.stamps])
        i = min(int(np.searchsorted(ends, frame, side="right")), len(ends) - 1)
        return self.stamps[i][0]

    def frame_at(self, t: float) -> int:
        times = np.array([s[0] for s in self.stamps])
        i = int(np.searchsorted(times, t))
        return self.stamps[min(i, len(self.stamps) - 1)][1]


def start_pulseaudio(runtime: Path) -> dict:
    env = dict(os.environ, XDG_RUNTIME_DIR=str(runtime), HOME=str(runtime), PULSE_RUNTIME_PATH=str(runtime / "pulse"))
    subprocess.run(["pulseaudio", "--daemonize=yes", "--exit-idle-time=-1", "-n",
                    "--load=module-null-sink sink_name=nullsink", "--load=module-native-protocol-unix"],
                   env=env, check=True, stderr=subprocess.DEVNULL, timeout=30)
    for _ in range(50):
        if subprocess.run(["pactl", "info"], env=env, capture_output=True).returncode == 0:
            return env
        time.sleep(0.1)
    raise SystemExit("pulseaudio did not start")


def _mono(audio: np.ndarray) -> np.ndarray:
    return audio.astype(np.float64).sum(axis=1)


def _align(rec: np.ndarray, mix: np.ndarray, rec_end: int, k_guess: int, span: int) -> int:
    """The offset k with rec[n] ~ mix[n + k], searched within ``k_guess`` +- ``span`` by
    cross-correlating the 0.4 s of recording before ``rec_end`` with the mix."""
    n = int(0.4 * RATE)
    first = max(0, rec_end - n)
    seg = rec[first:rec_end]
    lo = max(0, first + k_guess - span)
    ref = mix[lo:first + k_guess + span + len(seg)]
    size = 1 << int(np.ceil(np.log2(len(ref) + len(seg))))
    corr = np.fft.irfft(np.fft.rfft(ref, size) * np.conj(np.fft.rfft(seg, size)), size)[:len(ref) - len(seg) + 1]
    return lo + int(np.argmax(corr)) - first


def analyse(rec: np.ndarray, recorder: Recorder, stems: np.ndarray, info: dict) -> list[dict]:
    rate = info["rate"]
    if rate != RATE:
        raise SystemExit(f"the take is at {rate} Hz; this benchmark records at {RATE}")
    r = _mono(rec)
    win = RATE * WIN_MS // 1000
    results = []
    k_prev = None
    for ev in info["events"]:
        mix_b = _mono(np.clip(np.tensordot(ev["before"], stems, axes=1), -1, 1))
        mix_a = _mono(np.clip(np.tensordot(ev["after"], stems, axes=1), -1, 1))
        click_frame = recorder.frame_at(ev["click"])
        # the first click: near what the player's position says was heard (to ~one buffer); later
        # ones near the first offset (it only moves on an underrun; a wide search can lock on to a
        # repeat of the music one beat away)
        if k_prev is None:
            k = _align(r, mix_b, click_frame, int(ev["position"] * RATE) - click_frame, int(0.25 * RATE))
        else:
            k = _align(r, mix_b, click_frame, k_prev, int(0.01 * RATE))
        k_prev = k
        changed = None
        for start in range(click_frame - win * 10, min(len(r) - win, click_frame + RATE), win):
            seg = r[start:start + win]
            ref_b = mix_b[start + k:start + k + win]
            ref_a = mix_a[start + k:start + k + win]
            if len(ref_a) < win:
                break
            eb, ea = np.sqrt(np.mean((seg - ref_b) ** 2)), np.sqrt(np.mean((seg - ref_a) ** 2))
            if ea < eb * 0.5 and np.sqrt(np.mean((ref_a - ref_b) ** 2)) > 1e-3:
                changed = start
                break
        if changed is None:
            results.append({"latency_ms": None, "muted": ev["muted"]})
            continue
        latency = (recorder.time_of(changed) - ev["click"]) * 1000.0
        results.append({"latency_ms": round(latency, 1), "muted": ev["muted"]})
    return results


def main(argv: list[str]) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks mute_latency")
    parser.add_argument("--seconds", type=float, default=40.0, help="the first S seconds of the song (40)")
    parser.add_argument("--clicks", type=int, default=4, help="mute / unmute clicks (4)")
    args = parser.parse_args(argv)
    for tool in ("pulseaudio", "parec", "pactl"):
        if shutil.which(tool) is None:
            return {"skipped": f"{tool} is not installed (Debian: pulseaudio, pulseaudio-utils)"}
    work = Path(tempfile.mkdtemp(prefix="jukebox-mute-"))
    runtime = work / "xdg"
    runtime.mkdir(mode=0o700)
    env = start_pulseaudio(runtime)
    env["JUKEBOX_HOME"] = str(work / "home")
    try:
        recorder = Recorder(env)
        out = work / "child.json"
        subprocess.run([sys.executable, "-m", "benchmarks.mute_latency", "--child", str(out),
                        "--seconds", str(args.seconds), "--clicks", str(args.clicks)],
                       env=env, check=True, timeout=600, cwd=Path(__file__).resolve().parents[1])
        time.sleep(0.3)
        rec = recorder.stop()
    finally:
        subprocess.run(["pulseaudio", "--kill"], env=env, capture_output=True)
    info = json.loads(out.read_text())
    stems = np.load(out.with_suffix(".npy"))
    if os.environ.get("JUKEBOX_MUTE_DEBUG"):
        np.save(os.environ["JUKEBOX_MUTE_DEBUG"] + ".rec.npy", rec)
        np.save(os.environ["JUKEBOX_MUTE_DEBUG"] + ".stems.npy", stems)
        Path(os.environ["JUKEBOX_MUTE_DEBUG"] + ".json").write_text(json.dumps(
            {**info, "stamps": recorder.stamps}))
    results = analyse(rec, recorder, stems, info)
    found = [r["latency_ms"] for r in results if r["latency_ms"] is not None]
    mutes = [r["latency_ms"] for r in results if r["muted"] and r["latency_ms"] is not None]
    shutil.rmtree(work, ignore_errors=True)
    worst = max(mutes) if mutes else None
    return {
        "song": info["song"],
        "tracks": len(info["tracks"]),
        "muted_track": info["tracks"][info["events"][0]["track"]],
        "clicks": results,
        "mute_latency_ms": worst,
        "mute_latency_median_ms": float(np.median(mutes)) if mutes else None,
        "change_latency_max_ms": max(found) if found else None,
        "target_ms": TARGET_MS,
        "within_target": worst is not None and worst <= TARGET_MS and len(found) == len(results),
        "buffer_ms": info["buffer_ms"],
        "underruns": info["underruns"],
        "recorded_seconds": round(len(rec) / RATE, 2),
    }


if __name__ == "__main__":
    if "--child" in sys.argv:
        parser = argparse.ArgumentParser()
        parser.add_argument("--child", type=Path)
        parser.add_argument("--seconds", type=float, default=40.0)
        parser.add_argument("--clicks", type=int, default=4)
        a = parser.parse_args()
        sys.exit(child(a.child, a.seconds, a.clicks))
    print(json.dumps(main(sys.argv[1:])))
