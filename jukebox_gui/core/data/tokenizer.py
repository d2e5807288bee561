"""One tokenizer for training AND generation: MidiTok REMI with programs in one token stream.

Why REMI (and not MIDI-Like, TSD, Structured or MMM):
- REMI keeps explicit ``Bar`` and ``Position`` tokens. The rest of the app relies on them: the
  generator masks by grammar (a note is ``Position Program Pitch Velocity Duration``), counts
  bars to stop a take, and the piano roll and MusicXML export need notes on a bar grid.
- Time-shift schemes (MIDI-Like, TSD) drift when one token is mis-sampled; REMI re-anchors at
  every bar. ``TimeSig`` tokens make the bar length explicit, ``Tempo`` tokens keep the feel.
- ``use_programs`` with ``one_token_stream_for_programs`` puts every instrument, drums included
  (``Program_-1`` + ``PitchDrum_*``), in one sequence, interleaved by time (REMI+-style): a
  model sees the whole band, not only the first part as the seed did.
- ``Duration`` tokens (not note-off events) keep a note in one group, which makes decoding
  tolerant: an incomplete group is dropped, never a stuck note.
Velocities are binned (8 by default). Optional BPE (``bpe_vocab_size``, off by default) shortens
sequences; it is trained with ``Tokenizer.train_bpe``.

The saved form is ONE JSON file (our config + the vocabulary + MidiTok's own JSON dict, which
holds BPE merges when there are any); never pickle. ``fingerprint()`` identifies a vocabulary:
token caches and model bundles check it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..config import from_dict, to_dict
from ..errors import JukeboxError, TokenizerError
from ..music.score import Score
from .grammar import TIME_KINDS, note_group, note_kind

log = logging.getLogger(__name__)

FORMAT = "jukebox-tokenizer"
FORMAT_VERSION = 1
SPECIAL_TOKENS = ("PAD", "BOS", "EOS")
INFILL_TOKENS = ("Gap", "Fill")
STYLE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]{0,39}")  # MidiTok special tokens hold one "_"
_ENCODE_TPQ = 480


@dataclass(frozen=True)
class TokenizerConfig:
    """What the tokenizer keeps. JSON-able through ``core.config`` (tuples become lists)."""

    # (first beat, last beat, steps per beat) for durations; positions use the finest one.
    # 24 steps per beat hold 16ths, 32nds AND triplets exactly, in x/4 and x/2 time alike
    # (MidiTok counts x/2 bars in half-note beats: 8 steps would turn hornpipe triplets into 16ths).
    beat_res: tuple[tuple[int, int, int], ...] = ((0, 1, 24), (1, 4, 12), (4, 12, 4))
    num_velocities: int = 8
    pitch_range: tuple[int, int] = (0, 127)  # inclusive; full MIDI range so no note is lost
    drum_pitch_range: tuple[int, int] = (0, 127)
    use_tempos: bool = True
    num_tempos: int = 32
    tempo_range: tuple[int, int] = (40, 250)
    use_time_signatures: bool = True
    time_signatures: tuple[str, ...] = (
        "2/2", "3/2", "4/2", "1/4", "2/4", "3/4", "4/4", "5/4", "6/4", "7/4",
        "3/8", "5/8", "6/8", "7/8", "9/8", "12/8",
    )
    use_programs: bool = True
    keep_drums: bool = True
    bpe_vocab_size: int | None = None
    # A slim stream (see ``slim_tokens.slim_config``) leaves out tokens that carry nothing for a corpus:
    # without programs every note gets ``program`` on decode, without velocities ``velocity``.
    use_velocities: bool = True
    program: int = 0
    velocity: int = 80
    # Two more special tokens for bar infilling (core.data.fill_layout): ``Gap`` marks where bars
    # are missing, ``Fill`` starts them after the music on both sides.
    infill: bool = False
    # One special token per style (``Style_irish``...) for a model of several corpora
    # (core.data.styles): it stands in for BOS at the start of every training window.
    styles: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.num_velocities < 1 or self.num_velocities > 127:
            raise TokenizerError(f"num_velocities must be 1..127, got {self.num_velocities}")
        for name in ("pitch_range", "drum_pitch_range"):
            low, high = getattr(self, name)
            if not 0 <= low <= high <= 127:
                raise TokenizerError(f"{name} must be within 0..127 (low <= high), got {(low, high)}")
        if not self.beat_res or any(len(r) != 3 or r[0] >= r[1] or r[2] < 1 for r in self.beat_res):
            raise TokenizerError(f"beat_res must be (start, end, positions per beat) ranges, got {self.beat_res}")
        if self.bpe_vocab_size is not None and self.bpe_vocab_size < 1:
            raise TokenizerError("bpe_vocab_size must be a positive number or None")
        if not 0 <= self.program <= 127:
            raise TokenizerError(f"program must be a General MIDI program 0..127, got {self.program}")
        if not 1 <= self.velocity <= 127:
            raise TokenizerError(f"velocity must be 1..127, got {self.velocity}")
        for sig in self.time_signatures:
            num, _, den = str(sig).partition("/")
            if not (num.isdigit() and den.isdigit() and int(num) > 0 and int(den) in (1, 2, 4, 8, 16, 32, 64)):
                raise TokenizerError(f"bad time signature {sig!r} (expected like '3/4')")
        if len(set(self.styles)) != len(self.styles) or not all(
                isinstance(n, str) and STYLE_NAME.fullmatch(n) for n in self.styles):
            raise TokenizerError(f"style names must be distinct words of letters, digits, '-' or '.', got {self.styles}")

    def to_miditok(self) -> Any:
        from miditok import TokenizerConfig as MTConfig

        ts_range: dict[int, list[int]] = {}
        for sig in self.time_signatures:
            num, _, den = sig.partition("/")
            ts_range.setdefault(int(den), []).append(int(num))
        programs = list(range(128)) + ([-1] if self.keep_drums else [])
        programs = sorted(programs)
        return MTConfig(
            pitch_range=tuple(self.pitch_range),
            drums_pitch_range=tuple(self.drum_pitch_range),
            beat_res={(int(a), int(b)): int(r) for a, b, r in self.beat_res},
            num_velocities=self.num_velocities,
            special_tokens=list(SPECIAL_TOKENS + (INFILL_TOKENS if self.infill else ())
                                + tuple(f"Style_{n}" for n in self.styles)),
            use_tempos=self.use_tempos,
            num_tempos=self.num_tempos,
            tempo_range=tuple(self.tempo_range),
            use_time_signatures=self.use_time_signatures,
            time_signature_range=ts_range,
            use_programs=self.use_programs,
            use_velocities=self.use_velocities,
            programs=programs,
            use_note_duration_programs=programs,
            one_token_stream_for_programs=True,
            use_pitchdrum_tokens=True,
            delete_equal_successive_tempo_changes=True,
            delete_equal_successive_time_sig_changes=True,
        )


class Tokenizer:
    """Score <-> token ids. ``encode`` gives one stream ``BOS ... EOS``; ``decode`` is tolerant."""

    def __init__(self, config: TokenizerConfig | None = None, *, _miditok: Any = None) -> None:
        self.config = config or TokenizerConfig()
        if not isinstance(self.config, TokenizerConfig):
            raise TokenizerError(f"expected a TokenizerConfig, got {type(self.config).__name__}")
        if _miditok is None:
            from miditok import REMI

            try:
                _miditok = REMI(self.config.to_miditok())
            except (ValueError, KeyError, TypeError) as exc:
                raise TokenizerError(f"invalid tokenizer settings: {exc}") from exc
        self._tok = _miditok
        self._build_tables()

    # ---- vocabulary ---------------------------------------------------------------------
    def _build_tables(self) -> None:
        base: dict[str, int] = dict(self._tok.vocab)
        names: dict[int, str] = {i: n for n, i in base.items()}
        if self._tok.is_trained:
            for idx in self._tok.vocab_model.values():
                if idx not in names or names[idx] not in base:
                    parts = _merge_parts(self._tok, idx)
                    names[idx] = "BPE_" + "+".join(parts) if parts else f"BPE_{idx}"
        self._names = [names.get(i, f"UNK_{i}") for i in range(max(names) + 1)]
        self._types = [n.split("_", 1)[0] for n in self._names]
        self._vocab = {n: i for i, n in enumerate(self._names)}
        self.pad_id = base["PAD_None"]
        self.bos_id = base["BOS_None"]
        self.eos_id = base["EOS_None"]
        self.gap_id = base.get("Gap_None")    # None unless the tokenizer is made for infilling
        self.fill_id = base.get("Fill_None")
        self._specials = {self.pad_id, self.bos_id, self.eos_id} | {
            i for i in (self.gap_id, self.fill_id) if i is not None}
        self.style_ids = {n: base[f"Style_{n}"] for n in self.config.styles}  # name -> id, config order
        self._specials |= set(self.style_ids.values())
        self._velocities = [int(v) for v in self._tok.velocities]

    @property
    def vocab_size(self) -> int:
        return len(self._names)

    def __len__(self) -> int:
        return self.vocab_size

    def vocab(self) -> dict[str, int]:
        """Token name -> id (a copy)."""
        return dict(self._vocab)

    def token_name(self, token_id: int) -> str:
        """E.g. ``Pitch_60``, ``Position_4``, ``Program_-1``, ``PAD_None``."""
        if not 0 <= int(token_id) < self.vocab_size:
            raise TokenizerError(f"token id {token_id} is outside the vocabulary (size {self.vocab_size})")
        return self._names[int(token_id)]

    def token_type(self, token_id: int) -> str:
        """E.g. ``Bar``, ``Position``, ``Pitch``, ``PitchDrum``, ``Velocity``, ``Duration``,
        ``Program``, ``Tempo``, ``TimeSig``, ``PAD``, ``BOS``, ``EOS`` (``BPE`` for merges)."""
        if not 0 <= int(token_id) < self.vocab_size:
            raise TokenizerError(f"token id {token_id} is outside the vocabulary (size {self.vocab_size})")
        return self._types[int(token_id)]

    def token_types(self) -> list[str]:
        """The type of every id, indexable by id (handy for grammar masks)."""
        return list(self._types)

    def ids_of_type(self, token_type: str) -> list[int]:
        return [i for i, t in enumerate(self._types) if t == token_type]

    # ---- grid ----------------------------------------------------------------------------
    @property
    def positions_per_beat(self) -> int:
        return max(r for _a, _b, r in self.config.beat_res)

    @property
    def beats_per_position(self) -> float:
        """Onset grid in quarter-note beats in x/4 time (see ``grid_beats`` for others)."""
        return self.grid_beats(4)

    def grid_beats(self, denominator: int = 4) -> float:
        """Onset grid in quarter-note beats under a time signature with this denominator
        (MidiTok counts beats in the denominator's note value)."""
        return 4.0 / denominator / self.positions_per_beat

    @property
    def max_duration_beats(self) -> float:
        """Longest duration token in quarter-note beats in x/4 time (longer notes are clipped)."""
        return self.max_duration(4)

    def max_duration(self, denominator: int = 4) -> float:
        return float(max(b for _a, b, _r in self.config.beat_res)) * 4.0 / denominator

    def duration_step(self, duration: float, denominator: int = 4) -> float:
        """Duration grid (quarter-note beats) that applies to a note of ``duration`` quarters."""
        scale = 4.0 / denominator
        for start, end, res in self.config.beat_res:
            if start <= duration / scale < end:
                return scale / res
        return scale / self.config.beat_res[-1][2]

    def velocity_bin(self, velocity: int) -> int:
        """Index of the velocity bin a MIDI velocity falls into."""
        return min(range(len(self._velocities)), key=lambda i: (abs(self._velocities[i] - velocity), -i))  # ties go up, as MidiTok

    @property
    def velocity_values(self) -> list[int]:
        return list(self._velocities)

    # ---- encode / decode -----------------------------------------------------------------
    def encode(self, score: Score) -> list[int]:
        """One stream for all tracks: ``[BOS, ..., EOS]``."""
        from ..music.midi_io import score_to_symusic

        if not isinstance(score, Score):
            raise TokenizerError(f"encode expects a Score, got {type(score).__name__}")
        sm = score_to_symusic(score, tpq=_ENCODE_TPQ)
        if not self.config.keep_drums or not self.config.use_programs:  # one program: no drum kit
            for i in reversed(range(len(sm.tracks))):
                if sm.tracks[i].is_drum:
                    del sm.tracks[i]
        if not self.config.use_programs and len(sm.tracks) > 1:  # one stream needs one track
            merged = sm.tracks[0]
            for other in list(sm.tracks)[1:]:
                merged.notes.extend(other.notes)
            merged.notes.sort()
            while len(sm.tracks) > 1:
                del sm.tracks[1]
        seq = self._tok.encode(sm)
        if isinstance(seq, list):  # defensive: one stream is configured
            seq = seq[0] if seq else None
        ids = list(seq.ids) if seq is not None else []
        return [self.bos_id, *map(int, ids), self.eos_id]

    def decode(self, ids: Iterable[int]) -> Score:
        """Token ids -> Score. Ignores PAD/BOS/EOS, out-of-range ids and broken fragments."""
        from ..music.midi_io import score_from_symusic

        clean = [int(i) for i in ids if 0 <= int(i) < self.vocab_size and int(i) not in self._specials]
        if not clean:
            return Score()
        for attempt in (clean, self._grammar_filter(clean)):
            if not attempt:
                break
            try:
                # without programs MidiTok keeps one stream per track: ours is that one track
                stream = attempt if self._tok.one_token_stream else [attempt]
                return self._fixed_values(score_from_symusic(self._tok.decode(stream)))
            except (ValueError, KeyError, IndexError, AttributeError, TypeError, RuntimeError,
                    ZeroDivisionError, JukeboxError) as exc:
                log.debug("decode attempt failed (%s); filtering the sequence", exc)
        return Score()

    def _fixed_values(self, score: Score) -> Score:
        """A slim stream's notes get the corpus's one program and one velocity back."""
        if not self.config.use_programs:
            for track in score.tracks:
                track.program, track.is_drum = self.config.program, False
        if not self.config.use_velocities:
            for track in score.tracks:
                track.notes = [dataclasses.replace(n, velocity=self.config.velocity) for n in track.notes]
        return score

    def _grammar_filter(self, ids: Sequence[int]) -> list[int]:
        """Keep only well-formed REMI groups (BPE ids are expanded first); the note group is
        :func:`.grammar.note_group`, the same one the generator's grammar table follows."""
        if self._tok.is_trained:
            try:
                ids = [i for i in _miditok_base_ids(self._tok, ids) if i not in self._specials]
            except (ValueError, KeyError, IndexError, AttributeError, TypeError):
                return []
        base_names = {v: k for k, v in self._tok.vocab.items()}
        out: list[int] = []
        note: list[int] = []
        want = note_group(programs=self.config.use_programs, velocities=self.config.use_velocities)
        seen_bar = False
        for i in ids:
            kind = note_kind(base_names.get(i, "UNK").split("_", 1)[0])
            if kind == "Bar":
                seen_bar, note = True, []
                out.append(i)
            elif not seen_bar:
                continue
            elif kind in TIME_KINDS:
                note = []
                out.append(i)
            elif kind in want:
                if kind == want[len(note)]:
                    note.append(i)
                else:
                    note = [i] if kind == want[0] else []
                if len(note) == len(want):
                    out.extend(note)
                    note = []
        return out

    # ---- BPE -----------------------------------------------------------------------------
    def train_bpe(self, scores: Iterable[Score], vocab_size: int | None = None) -> "Tokenizer":
        """A new Tokenizer with BPE merges learned from ``scores`` (this one is unchanged)."""
        from miditok import REMI

        from ..music.midi_io import midi_bytes

        size = vocab_size or self.config.bpe_vocab_size
        if not size or size <= self.vocab_size:
            raise TokenizerError(f"BPE vocab size must exceed the base vocabulary ({self.vocab_size})")
        config = from_dict(TokenizerConfig, {**to_dict(self.config), "bpe_vocab_size": int(size)})
        tok = REMI(config.to_miditok())
        with tempfile.TemporaryDirectory(prefix="jukebox-bpe-") as folder:
            paths = []
            for i, score in enumerate(scores):
                path = Path(folder) / f"{i:06d}.mid"
                path.write_bytes(midi_bytes(score))
                paths.append(path)
            if not paths:
                raise TokenizerError("BPE needs at least one score to learn from")
            tok.train(vocab_size=int(size), model="BPE", files_paths=paths)
        return Tokenizer(config, _miditok=tok)

    # ---- identity, save / load -----------------------------------------------------------
    @property
    def can_fill(self) -> bool:
        """Whether the vocabulary has the infilling tokens (``Gap``, ``Fill``)."""
        return self.gap_id is not None and self.fill_id is not None

    def fingerprint(self) -> str:
        """sha256 of config + vocabulary: equal fingerprints mean interchangeable ids."""
        blob = json.dumps({"config": _identity_config(self.config), "vocab": self._vocab}, sort_keys=True)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def compatible_with(self, other: "Tokenizer") -> bool:
        return isinstance(other, Tokenizer) and other.fingerprint() == self.fingerprint()

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "config": to_dict(self.config),
            "vocab": dict(self._vocab),  # a copy: an edited dict must not change this tokenizer
            "fingerprint": self.fingerprint(),
            "miditok": self._tok.to_dict(),
        }

    def save(self, path: str | os.PathLike) -> Path:
        """Write one JSON file (atomically)."""
        from ..fileio import atomic_write_json

        path = Path(path)
        atomic_write_json(path, self.to_json_dict())
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Tokenizer":
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise TokenizerError(f"cannot read tokenizer file {path}: {exc}") from exc
        return cls.from_json_dict(data, source=str(path))

    @classmethod
    def from_json_dict(cls, data: Any, *, source: str = "tokenizer") -> "Tokenizer":
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise TokenizerError(f"{source} is not a jukebox tokenizer file")
        if not isinstance(data.get("version"), int) or data["version"] > FORMAT_VERSION:
            raise TokenizerError(f"{source} was written by a newer version (format {data.get('version')})")
        try:
            config = from_dict(TokenizerConfig, data["config"])
        except (KeyError, JukeboxError) as exc:
            raise TokenizerError(f"{source}: bad tokenizer config: {exc}") from exc
        if config.bpe_vocab_size:
            tok = cls(config, _miditok=_miditok_from_dict(data.get("miditok"), source))
        else:
            tok = cls(config)
        if data.get("vocab") != tok._vocab:
            raise TokenizerError(f"{source}: the saved vocabulary does not match this version of the tokenizer")
        if data.get("fingerprint") not in (None, tok.fingerprint()):
            raise TokenizerError(f"{source}: fingerprint mismatch (file corrupt or edited)")
        return tok

    def __repr__(self) -> str:
        return f"Tokenizer(vocab_size={self.vocab_size}, fingerprint={self.fingerprint()[:12]})"


_SLIM_DEFAULTS = {"use_velocities": True, "program": 0, "velocity": 80, "infill": False}


def _identity_config(config: TokenizerConfig) -> dict[str, Any]:
    """The config as the fingerprint sees it: the slim-stream fields only where they differ from
    their defaults, so tokenizers (and bundles) made before those fields existed keep their
    fingerprints."""
    data = to_dict(config)
    for key, default in _SLIM_DEFAULTS.items():
        if data.get(key) == default:
            data.pop(key, None)
    if not data.get("styles"):
        data.pop("styles", None)
    return data


# ---- BPE ids through MidiTok's public API (TokSequence + decode_token_ids) -------------------

def _miditok_base_ids(tok: Any, ids: Sequence[int]) -> list[int]:
    """Ids of a trained tokenizer expanded into base-vocabulary ids. A stream counts as
    BPE-encoded when an id lies beyond the base vocabulary (MidiTok's own rule)."""
    from miditok import TokSequence

    ids = [int(i) for i in ids]
    seq = TokSequence(ids=ids, are_ids_encoded=any(i >= len(tok.vocab) for i in ids))
    tok.decode_token_ids(seq)  # in place
    return list(seq.ids)


def _merge_parts(tok: Any, idx: int) -> list[str] | None:
    """The base token names one BPE id stands for (None when MidiTok cannot expand it)."""
    from miditok import TokSequence

    seq = TokSequence(ids=[int(idx)], are_ids_encoded=True)
    try:
        tok.decode_token_ids(seq)
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return list(seq.tokens)


def _miditok_from_dict(blob: Any, source: str) -> Any:
    """Rebuild a trained MidiTok tokenizer from its JSON dict (via its own JSON loader)."""
    from miditok import REMI

    if not isinstance(blob, dict):
        raise TokenizerError(f"{source}: BPE model missing from the tokenizer file")
    fd, tmp = tempfile.mkstemp(suffix=".json", prefix="jukebox-tok-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(blob, handle)
        return REMI(params=tmp)
    except Exception as exc:  # noqa: BLE001 - MidiTok/HF tokenizers raise their own types; re-raised as ours
        raise TokenizerError(f"{source}: corrupt BPE model: {exc}") from exc
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
