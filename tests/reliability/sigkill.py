"""Killing a child process at a random moment, for the crash-safety tests."""

from __future__ import annotations

import signal
import subprocess


def kill_at_random(proc: subprocess.Popen, rng, low: float, high: float) -> tuple[str, str]:
    """Let ``proc`` run for a random ``low``..``high`` seconds (or until it ends), SIGKILL it, and
    return its (stdout, stderr)."""
    try:
        proc.wait(timeout=rng.uniform(low, high))
    except subprocess.TimeoutExpired:
        pass
    proc.send_signal(signal.SIGKILL)
    return proc.communicate(timeout=30)
