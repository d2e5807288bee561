"""Read ONE user's MIDI file safely: parsed in a worker process, with a time limit.

symusic is native code: a malformed file has crashed the whole interpreter, and a parse can hang.
``read_midi_isolated`` runs the parse in a parser process of :mod:`..data.parser_pool` (the scan's
own pool: 'forkserver', never 'fork', a watched child); a child that dies or runs past
``timeout_s`` becomes a :class:`CorpusError` naming the file, and this process carries on. Used by
``jukebox render``/``jukebox export``, the primer of a generation and the window's "open a MIDI
file". Files the app wrote itself (takes) may still be read in-process with ``midi_io.read_midi``.

The child reads the file capped like the scan (a regular file, at most ``Limits.max_bytes``: a
named pipe is refused instead of blocking forever), parses it as ``read_midi`` does and, when
symusic refuses it, tries the scan's repairs (rebuilt chunks, then a mido rewrite), so a file the
scan accepts is one render and export accept. The Score comes back over the pipe.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

from ..errors import CorpusError
from .score import Score

DEFAULT_TIMEOUT_S = 7.0  # with the process start, a hung file is reported in under 10 s


def read_midi_isolated(path: str | os.PathLike, timeout_s: float = DEFAULT_TIMEOUT_S, *,
                       job: Callable[[str, Any], dict[str, Any]] | None = None,
                       method: str | None = None) -> Score:
    """The Score of the MIDI file at ``path``, parsed in a worker process.

    Raises CorpusError (message names the file) when the file cannot be read or parsed, when the
    parser process crashes on it, or when parsing takes longer than ``timeout_s``. ``job`` and
    ``method`` exist for tests that need the parser to crash or hang on purpose."""
    from ..data.file_facts import Limits
    from ..data.parser_pool import run_pool

    path = Path(path)
    name = path.name or str(path)
    results: dict[int, dict[str, Any]] = {}
    run_pool([str(path)], results.__setitem__, workers=1, limits=Limits(timeout_s=float(timeout_s)),
             batch_size=1, job=job or parse_job, method=method)
    result = results.get(0) or {"status": "skipped", "reason": "the parser gave no answer"}
    score = result.get("score")
    if result.get("status") == "ok" and isinstance(score, Score):
        return score
    reason = str(result.get("reason") or "unreadable MIDI")
    if result.get("crashed"):
        detail = reason[reason.find("("):] if "(" in reason and "None" not in reason else ""
        raise CorpusError(f"the MIDI parser crashed on {name} {detail}".rstrip()
                          + ": the file is damaged or not a MIDI file; nothing else was affected")
    if "timed out" in reason:
        raise CorpusError(f"the MIDI parser took longer than {float(timeout_s):g} s on {name} and was "
                          "stopped: the file is damaged or far too large")
    raise CorpusError(f"cannot read {name}: {reason}")


def parse_job(path: str, limits: Any) -> dict[str, Any]:
    """Runs in the parser process: {'status': 'ok', 'score': Score} or {'status': 'skipped', 'reason'}.
    Never raises for a bad file."""
    from ..data.file_facts import read_capped, os_reason

    try:
        data = read_capped(path, limits)
    except OSError as exc:
        return {"status": "skipped", "reason": os_reason(exc)}
    except CorpusError as exc:
        return {"status": "skipped", "reason": str(exc)}
    try:
        return {"status": "ok", "score": _parse(data, Path(path).stem, limits.max_notes)}
    except CorpusError as exc:
        return {"status": "skipped", "reason": str(exc)}
    except MemoryError:
        return {"status": "skipped", "reason": "ran out of memory while parsing"}


def _parse(data: bytes, title: str, max_notes: int) -> Score:
    from ..data import repair
    from .midi_io import read_midi_bytes

    if repair.sniff(data) == "riff":
        data = repair.unwrap_riff(data)
    try:
        return read_midi_bytes(data, title=title)
    except CorpusError as first:
        if bytes(data[:4]) != b"MThd":
            raise
        try:  # the scan's repairs, in its order
            rebuilt, _notes = repair.rebuild(data, max_notes)
            return read_midi_bytes(rebuilt, title=title)
        except (CorpusError, ValueError, IndexError, EOFError, OSError, KeyError, TypeError):
            pass
        try:
            return read_midi_bytes(repair.mido_roundtrip(data), title=title)
        except (CorpusError, ValueError, IndexError, EOFError, OSError, KeyError, TypeError,
                ZeroDivisionError):
            raise first from None
