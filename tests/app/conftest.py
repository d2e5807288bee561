"""Fixtures shared by the window's tests."""

from __future__ import annotations

import wave

import numpy as np
import pytest


def _write_sine_wav(path, seconds=2.0, rate=22050, freq=440.0):
    """A mono 16-bit sine WAV: something real for the player to load."""
    t = np.arange(int(seconds * rate)) / rate
    samples = (0.2 * np.sin(2 * np.pi * freq * t) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return path


@pytest.fixture
def sine_wav():
    """Write a sine WAV: ``sine_wav(path, seconds=2.0, rate=22050, freq=440.0) -> path``."""
    return _write_sine_wav


@pytest.fixture
def wav(tmp_path):
    return _write_sine_wav(tmp_path / "take.wav")
