"""Hypothesis: random byte mutations of real MIDI files never raise out of scan (short run;
the long run is ``python -m benchmarks fuzz``)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jukebox_gui.core.data.scan import scan
from jukebox_gui.core.data.file_facts import Limits

_mutation = st.tuples(st.sampled_from(["flip", "insert", "delete", "truncate", "dup"]),
                      st.integers(0, 10_000), st.binary(min_size=1, max_size=8))


def mutate(data: bytes, mutations) -> bytes:
    buf = bytearray(data)
    for kind, pos, blob in mutations:
        if not buf:
            break
        pos %= len(buf)
        if kind == "flip":
            buf[pos:pos + len(blob)] = blob
        elif kind == "insert":
            buf[pos:pos] = blob
        elif kind == "delete":
            del buf[pos:pos + len(blob)]
        elif kind == "truncate":
            del buf[pos:]
        else:
            buf[pos:pos] = buf[pos:pos + 64]
    return bytes(buf)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.integers(0, 30), st.lists(_mutation, min_size=1, max_size=4)), min_size=4, max_size=4))
def test_mutated_midi_never_raises(real_midi_files, cases):
    folder = Path(tempfile.mkdtemp(prefix="jukebox-fuzz-"))
    try:
        for n, (which, mutations) in enumerate(cases):
            source = real_midi_files[which % len(real_midi_files)]
            (folder / f"m{n}.mid").write_bytes(mutate(source.read_bytes(), mutations))
        report = scan(folder, workers=1, use_cache=False, limits=Limits(timeout_s=5))
        assert len(report.files) == len(cases)
        for record in report.files:
            assert record.status in ("ok", "skipped", "duplicate")
            assert record.ok or record.reason
    finally:
        shutil.rmtree(folder, ignore_errors=True)
