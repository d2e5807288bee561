"""From a scan report to Scores and token sequences, through the persistent caches.

``load_scores(report)`` reads each usable file (the repaired copy when the scan had to repair
it). The bytes are the ones a worker process already parsed without harm, checked by content
hash, so reading them here is safe; a file that changed since the scan is skipped with a log line.

``tokenize_corpus(report, tokenizer)`` encodes every usable file once per tokenizer: ids are
cached as ``.npy`` per (content hash, tokenizer fingerprint). Big corpora are returned as
memory-mapped arrays (read on demand from the token shards on disk), so the whole corpus never
has to sit in memory.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from ..errors import CorpusError
from ..music.score import Score
from ..progress import CancelToken, Progress, ProgressSink
from .cache import ScanCache, TokenCache
from .scan import CorpusReport, FileRecord, _limits_key
from .file_facts import Limits
from .tokenizer import Tokenizer

log = logging.getLogger(__name__)
MMAP_ABOVE_BYTES = 64 * 1024 * 1024  # estimated corpus size above which sequences stay on disk


@dataclass
class TokenizedCorpus:
    sequences: list[np.ndarray]  # int32 ids per file, BOS ... EOS (maybe memory-mapped)
    paths: list[str]
    fingerprint: str
    stats: dict

    def __len__(self) -> int:
        return len(self.sequences)

    @property
    def total_tokens(self) -> int:
        return int(sum(len(s) for s in self.sequences))


def _file_bytes(record: FileRecord, cache: ScanCache) -> bytes | None:
    source = cache.repaired_path(record.content_hash) if record.repaired else Path(record.path)
    try:
        data = source.read_bytes()
    except OSError as exc:
        log.warning("cannot read %s: %s", record.display, exc)
        return None
    if not record.repaired and hashlib.sha256(data).hexdigest() != record.content_hash:
        log.warning("%s changed since it was scanned; scan again to use it", record.display)
        return None
    return data


def iter_scores(report: CorpusReport, *, limits: Limits | None = None) -> Iterator[tuple[FileRecord, Score]]:
    """Yield (record, Score) for every usable file, one at a time."""
    from ..music.midi_io import read_midi_bytes

    cache = ScanCache(_limits_key(limits or Limits()))
    for record in report.ok_files:
        data = _file_bytes(record, cache)
        if data is None:
            continue
        try:
            score = read_midi_bytes(data, title=Path(record.display).stem)
        except CorpusError as exc:
            log.warning("skipping %s: %s", record.display, exc)
            continue
        yield record, score


def load_scores(report: CorpusReport, *, limits: Limits | None = None) -> list[tuple[str, Score]]:
    """(path, Score) for every usable file of the report."""
    return [(record.path, score) for record, score in iter_scores(report, limits=limits)]


def tokenize_corpus(
    report: CorpusReport,
    tokenizer: Tokenizer,
    *,
    progress: ProgressSink | None = None,
    cancel: CancelToken | None = None,
    use_cache: bool = True,
    mmap: bool | None = None,
    limits: Limits | None = None,
) -> TokenizedCorpus:
    """Token ids for every usable file, through the token cache."""
    from ..music.midi_io import read_midi_bytes

    emit = progress or (lambda _e: None)
    fingerprint = tokenizer.fingerprint()
    tokens = TokenCache(fingerprint)
    scan_cache = ScanCache(_limits_key(limits or Limits()))
    records = report.ok_files
    if mmap is None:  # about 4 tokens per note, 4 bytes per token
        mmap = sum(r.notes for r in records) * 16 > MMAP_ABOVE_BYTES
    sequences: list[np.ndarray] = []
    paths: list[str] = []
    encoded = cached = failed = 0
    for i, record in enumerate(records):
        if cancel is not None:
            cancel.wait_if_paused()
            cancel.raise_if_cancelled()
        ids = tokens.load(record.content_hash, mmap=mmap) if use_cache else None
        if ids is not None:
            cached += 1
        else:
            data = _file_bytes(record, scan_cache)
            try:
                if data is None:
                    raise CorpusError("unreadable")
                arr = np.asarray(tokenizer.encode(read_midi_bytes(data)), dtype=np.int32)
            except CorpusError as exc:
                log.warning("not tokenized %s: %s", record.display, exc)
                failed += 1
                continue
            encoded += 1
            if use_cache:
                tokens.save(record.content_hash, arr)
                ids = tokens.load(record.content_hash, mmap=True) if mmap else arr
            if ids is None:
                ids = arr
        sequences.append(ids)
        paths.append(record.path)
        emit(Progress("tokenize", i + 1, len(records), record.display))
    stats = {"files": len(sequences), "tokens": int(sum(len(s) for s in sequences)), "encoded": encoded,
             "cached": cached, "failed": failed, "vocab_size": tokenizer.vocab_size}
    return TokenizedCorpus(sequences=sequences, paths=paths, fingerprint=fingerprint, stats=stats)
