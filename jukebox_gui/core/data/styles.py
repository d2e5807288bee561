"""A corpus of several folders, each a style: ``irish=~/tunes/irish``, ``demo:bach``, ``./mybach``.

One model learns every style: the tokenizer gets one special token per style (``Style_irish``,
:attr:`..data.tokenizer.TokenizerConfig.styles`), and a piece's token stream starts with its
style's token where a one-corpus stream has ``BOS``. Training puts the same token at the first
input position of every window cut from that piece (``core.ml.dataset``), so no window loses
sight of its style, and generation opens a take with it (``core.ml.style_decoder``).

Here, no TensorFlow: the source specs (:func:`parse_sources`), scanning and tokenizing every
folder with one shared tokenizer (:func:`prepare_styled`), and the per-style statistics. A piece
is named ``STYLE/relative/path.mid``, so the train/held-out split and the bundle never carry a
trainer's absolute paths and two folders with the same file names do not collide.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..errors import CorpusError
from .corpus import TokenizedCorpus
from .tokenizer import STYLE_NAME, Tokenizer, TokenizerConfig

DEMO_PREFIX = "demo:"


@dataclass(frozen=True)
class StyleSource:
    name: str    # the style's token name (letters, digits, '-', '.')
    source: str  # a folder or demo:NAME

    def spec(self) -> str:
        return f"{self.name}={self.source}"


def default_name(source: str) -> str:
    """``demo:irish`` -> ``irish``; ``~/tunes/Irish Tunes/`` -> ``Irish-Tunes`` (a token-safe word)."""
    text = source[len(DEMO_PREFIX):] if source.startswith(DEMO_PREFIX) else Path(source).expanduser().name
    if not text:  # "/" or "~" or "."
        text = Path(source).expanduser().resolve().name
    name = re.sub(r"[^A-Za-z0-9.-]+", "-", text).strip("-.")[:40]
    if not name or not STYLE_NAME.fullmatch(name):
        raise CorpusError(f"cannot make a style name from {source!r}; give one: NAME={source}")
    return name


def parse_source(text: str) -> StyleSource:
    """``NAME=FOLDER``, ``NAME=demo:X``, ``demo:X`` or ``FOLDER`` (the name from the folder)."""
    text = os.fspath(text)
    name, eq, rest = text.partition("=")
    if eq and not Path(text).expanduser().exists():
        if not STYLE_NAME.fullmatch(name):
            raise CorpusError(f"bad style name {name!r} in {text!r}: use letters, digits, '-' or '.' "
                              "(no spaces or '_'), at most 40 characters")
        if not rest.strip():
            raise CorpusError(f"{text!r} names the style {name!r} but no folder")
        return StyleSource(name, rest)
    return StyleSource(default_name(text), text)


def parse_sources(texts: Sequence[str]) -> list[StyleSource]:
    """Every source of a styled corpus; names must differ (two folders called ``bach``: name one)."""
    sources = [s if isinstance(s, StyleSource) else parse_source(s) for s in texts]
    seen: dict[str, str] = {}
    for s in sources:
        if s.name in seen:
            raise CorpusError(f"two corpora would be the style {s.name!r} ({seen[s.name]} and {s.source}); "
                              f"name them: NAME={s.source}")
        seen[s.name] = s.source
    if not sources:
        raise CorpusError("no corpus given")
    return sources


def is_styled_source(source: Any) -> bool:
    """Whether a training source is a list of style sources (several folders, or one named one)."""
    if isinstance(source, StyledCorpus):
        return True
    return isinstance(source, (list, tuple)) and bool(source) and all(
        isinstance(s, (str, os.PathLike, StyleSource)) for s in source)


@dataclass
class StyledReport:
    """What training needs of a scan report for a styled corpus (names are already relative)."""

    source: str                                   # "irish=demo:irish bach=demo:bach"
    reports: dict[str, Any] = field(default_factory=dict)  # style -> its CorpusReport
    folder: str | None = None


@dataclass
class StyledCorpus(TokenizedCorpus):
    """A tokenized corpus whose every piece opens with its style's token (instead of BOS)."""

    styles: list[str] = field(default_factory=list)        # the piece's style, per sequence
    style_names: tuple[str, ...] = ()                      # tokenizer order
    per_style: dict[str, dict] = field(default_factory=dict)  # style -> files, notes, tokens, source


def styled_tokenizer(names: Sequence[str], *, infill: bool = False, base: TokenizerConfig | None = None) -> Tokenizer:
    config = dataclasses.replace(base or TokenizerConfig(), styles=tuple(names), infill=infill or
                                 (base.infill if base is not None else False))
    return Tokenizer(config)


def restyle(sequences: Sequence[np.ndarray], style_id: int) -> list[np.ndarray]:
    """The pieces with their first token (BOS) replaced by the style's token (copies)."""
    out = []
    for seq in sequences:
        arr = np.array(seq, dtype=np.int32)  # a copy: cached arrays may be read-only memory maps
        if arr.size:
            arr[0] = style_id
        out.append(arr)
    return out


def prepare_styled(source: Any, tokenizer: Tokenizer | None, emit, cancel, *, stage, slim: bool = False,
                   infill: bool = False) -> tuple[StyledCorpus, Tokenizer, StyledReport]:
    """Scan and tokenize every style's folder with one tokenizer holding every style's token.
    With ``slim`` and no tokenizer given, Program / Velocity tokens go when the whole corpus (all
    styles together) has one instrument / one velocity (``slim_config``). ``emit`` takes progress
    events, ``stage(kind, message)`` announces a stage."""
    from .corpus import tokenize_corpus
    from .scan import scan
    from .split import relative_name
    from .slim_tokens import slim_config

    if isinstance(source, StyledCorpus):
        if tokenizer is None:
            raise CorpusError("training on an already tokenized corpus needs its tokenizer")
        return source, tokenizer, StyledReport(" ".join(source.style_names))
    sources = parse_sources(list(source))
    names = [s.name for s in sources]
    if tokenizer is not None and tuple(getattr(tokenizer.config, "styles", ())) != tuple(names):
        raise CorpusError(f"the tokenizer's styles {list(tokenizer.config.styles)} are not this corpus's {names}")
    chosen = tokenizer is not None
    tokenizer = tokenizer if chosen else styled_tokenizer(names, infill=infill)
    reports = {}
    for s in sources:
        stage("scanning", f"scanning {s.source} (style {s.name})")
        reports[s.name] = scan(s.source, progress=emit, cancel=cancel)
        if not reports[s.name].ok_files:
            raise CorpusError(f"the style {s.name} ({s.source}) has no usable MIDI files")

    def tokenize(tok: Tokenizer) -> StyledCorpus:
        seqs: list[np.ndarray] = []
        paths: list[str] = []
        styles: list[str] = []
        per_style: dict[str, dict] = {}
        for s in sources:
            stage("tokenizing", f"tokenizing {s.name}")
            part = tokenize_corpus(reports[s.name], tok, progress=emit, cancel=cancel)
            seqs += restyle(part.sequences, tok.style_ids[s.name])
            paths += [f"{s.name}/{relative_name(p, reports[s.name].folder)}" for p in part.paths]
            styles += [s.name] * len(part.sequences)
            per_style[s.name] = {"source": s.source, "files": len(part.sequences), "tokens": part.total_tokens,
                                 "notes": int(sum(r.notes for r in reports[s.name].ok_files)),
                                 "skipped": len(reports[s.name].skipped_files)}
        stats = {"files": len(seqs), "tokens": int(sum(len(q) for q in seqs)), "vocab_size": tok.vocab_size,
                 "styles": per_style}
        return StyledCorpus(seqs, paths, tok.fingerprint(), stats, styles=styles, style_names=tuple(names),
                            per_style=per_style)

    corpus = tokenize(tokenizer)
    if slim and not chosen:
        slimmer = slim_config(corpus.sequences, tokenizer)
        if slimmer is not None:
            tokenizer = Tokenizer(slimmer)
            stage("tokenizing", "one instrument or one velocity in the whole corpus: a slimmer token stream")
            corpus = tokenize(tokenizer)
    return corpus, tokenizer, StyledReport(" ".join(s.spec() for s in sources), reports)


def style_groups(corpus: StyledCorpus) -> dict[str, list[int]]:
    """style -> indices of its pieces."""
    groups: dict[str, list[int]] = {n: [] for n in corpus.style_names}
    for i, name in enumerate(corpus.styles):
        groups.setdefault(name, []).append(i)
    return groups


def sequences_by_style(sequences: Sequence[np.ndarray], tokenizer: Any) -> dict[str, list[np.ndarray]]:
    """Pieces grouped by the style token they open with (tokenizer order; other pieces left out)."""
    by_id = {i: n for n, i in getattr(tokenizer, "style_ids", {}).items()}
    out: dict[str, list[np.ndarray]] = {n: [] for n in by_id.values()}
    for seq in sequences:
        if len(seq) and int(seq[0]) in by_id:
            out[by_id[int(seq[0])]].append(seq)
    return out
