"""The slim token stream: which tokens a corpus can do without.

A corpus of one melodic instrument needs no ``Program`` token per note, one velocity no
``Velocity`` token; :func:`slim_config` finds out from the corpus's own token ids.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Iterable, Sequence

if TYPE_CHECKING:
    from .tokenizer import Tokenizer, TokenizerConfig


def slim_config(sequences: Iterable[Sequence[int]], tokenizer: "Tokenizer") -> TokenizerConfig | None:
    """A slimmer config for a corpus tokenized with ``tokenizer``, or None when nothing can go.

    A corpus of one melodic instrument (no drums) needs no ``Program`` token per note, one whose
    notes all fall into one velocity bin no ``Velocity`` token: on the demo corpora (one fiddle,
    one velocity) a note shrinks from five tokens to three, so a window holds 1.6x the music."""
    import numpy as np

    config = tokenizer.config
    if config.bpe_vocab_size or (not config.use_programs and not config.use_velocities):
        return None
    seen = np.zeros(int(tokenizer.vocab_size), dtype=bool)
    for seq in sequences:
        arr = np.asarray(seq, dtype=np.int64)
        seen[arr[(arr >= 0) & (arr < seen.size)]] = True
    used = [tokenizer.token_name(i) for i in np.flatnonzero(seen)]
    programs = sorted({int(n.split("_", 1)[1]) for n in used if n.startswith("Program_")})
    velocities = sorted({int(n.split("_", 1)[1]) for n in used if n.startswith("Velocity_")})
    changes: dict[str, Any] = {}
    if config.use_programs and len(programs) == 1 and programs[0] >= 0:
        changes.update(use_programs=False, program=programs[0])
    if config.use_velocities and len(velocities) == 1:
        changes.update(use_velocities=False, velocity=min(127, max(1, velocities[0])))
    if not changes:
        return None
    return dataclasses.replace(config, **changes)
