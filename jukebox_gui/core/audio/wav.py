"""WAV files (16-bit PCM, stdlib ``wave``), written atomically.

FLAC/OGG are not offered: the only well-kept writer (soundfile/libsndfile) is not a dependency,
and adding it for an optional format is not worth it; DAWs and players all read WAV.
"""

from __future__ import annotations

import io
import os
import wave

import numpy as np

from ..errors import ExportError
from ..fileio import atomic_writer

SAMPLE_RATE = 44100  # Hz: the rate audio is rendered, played and exported at unless a caller says otherwise


def _pcm16(audio: np.ndarray) -> tuple[bytes, int]:
    data = np.asarray(audio)
    if data.ndim == 1:
        data = data[:, None]
    if data.ndim != 2 or data.shape[1] not in (1, 2) or data.shape[0] == 0:
        raise ExportError(f"cannot write audio of shape {tuple(np.shape(audio))}: expected (frames, 1|2)")
    if not np.all(np.isfinite(data)):
        raise ExportError("cannot write audio containing NaN or infinite samples")
    pcm = np.round(np.clip(data.astype(np.float64), -1.0, 1.0) * 32767.0).astype("<i2")
    return pcm.tobytes(), data.shape[1]


def _write(handle, frames: bytes, channels: int, sample_rate: int) -> None:
    with wave.open(handle, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(int(sample_rate))
        out.writeframes(frames)


def wav_bytes(audio: np.ndarray, sample_rate: int = SAMPLE_RATE) -> bytes:
    """The WAV file for ``audio`` (float in [-1, 1], shape (frames,) or (frames, 1|2)) in memory."""
    buffer = io.BytesIO()
    _write(buffer, *_pcm16(audio), sample_rate)
    return buffer.getvalue()


def write_wav(path: str | os.PathLike, audio: np.ndarray, sample_rate: int = SAMPLE_RATE) -> None:
    """Write ``audio`` as 16-bit PCM WAV; atomic: a failed write keeps the previous file."""
    frames, channels = _pcm16(audio)  # validate before touching the disk
    with atomic_writer(path, "wb") as handle:
        _write(handle, frames, channels, sample_rate)


def read_wav(path: str | os.PathLike) -> tuple[np.ndarray, int]:
    """Read a 16-bit PCM WAV into float32 ``(frames, channels)`` and its sample rate."""
    try:
        with wave.open(os.fspath(path), "rb") as handle:
            if handle.getsampwidth() != 2:
                raise ExportError(f"{path}: only 16-bit PCM WAV is supported")
            channels = handle.getnchannels()
            rate = handle.getframerate()
            raw = handle.readframes(handle.getnframes())
    except (OSError, EOFError, wave.Error) as exc:
        raise ExportError(f"cannot read WAV {path}: {exc}") from exc
    data = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32767.0
    return data.reshape(-1, channels), rate
