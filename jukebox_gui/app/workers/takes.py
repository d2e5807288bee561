"""A take's jobs: generate it from a model, render it to audio (mixed, or one stem per track), export it
(MIDI, MusicXML, WAV, MuseScore, stems)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from ...core.audio.wav import SAMPLE_RATE
from ...core.errors import JukeboxError
from .preload import load_tensorflow
from .threads import Worker


def generate_worker(model: str, settings: dict[str, Any], keep: Callable[[Any], Any] | None = None) -> Worker:
    """``model``: what ``core.ml.bundle.load_bundle`` takes; ``settings``: GenerationConfig fields (None = default);
    ``keep(take)``, when given, runs in the worker thread as soon as the take is made (the page keeps it on disk)."""

    def job(progress, cancel):
        load_tensorflow()
        from ...core.ml.bundle import load_bundle
        from ...core.ml.generation import GenerationConfig, generate

        config = GenerationConfig(**{k: v for k, v in settings.items() if v is not None})
        take = generate(load_bundle(model), config, progress=progress, cancel=cancel)
        if keep is not None:
            keep(take)
        return take

    return Worker("generate", job)


def render_worker(score: Any, soundfont: str | None) -> Worker:
    def job(progress, cancel):
        from ...core.audio.render import render_score

        return render_score(score, soundfont=soundfont or None, progress=progress, cancel=cancel)

    return Worker("render", job)


def stems_worker(score: Any, soundfont: str | None) -> Worker:
    """Every track rendered on its own (``core.audio.stems.render_stems``); returns
    ``(StemRender, mix)`` with the stems' sum computed here, off the GUI thread."""

    def job(progress, cancel):
        from ...core.audio.stems import render_stems

        render = render_stems(score, soundfont or None, progress=progress, cancel=cancel)
        return render, render.mix()

    return Worker("render", job)


def write_stems_worker(folder: Path, render: Any = None, score: Any = None, soundfont: str | None = None) -> Worker:
    """One WAV per track in ``folder`` (``core.audio.stems.write_stems``), from ``render`` (a
    StemRender) or, without one, from ``score`` rendered here first. Returns ``(paths, render, mix)``
    (``mix`` None when the stems were given)."""

    def job(progress, cancel):
        from ...core.audio.stems import render_stems, write_stems

        stems, mix = render, None
        if stems is None:
            stems = render_stems(score, soundfont or None, progress=progress, cancel=cancel)
            mix = stems.mix()
        return write_stems(stems, folder, progress=progress, cancel=cancel), stems, mix

    return Worker("export-stems", job)


def export_worker(kind: str, score: Any, path: Path, samples: Any = None, sample_rate: int = SAMPLE_RATE,
                  report: dict | None = None) -> Worker:
    """``kind``: midi, musicxml, wav or musescore. Returns the written path. ``report``: the take's
    report; MusicXML takes its title and subtitle (model and seed) from it, as ``jukebox export`` does."""

    def job(progress, cancel):
        if kind == "midi":
            from ...core.music.midi_io import write_midi

            write_midi(score, path)
        elif kind == "musicxml":
            import dataclasses

            from ...core.music.musicxml import export_musicxml
            from ...core.music.score_titles import take_titles

            titles = take_titles(report)
            form = (report or {}).get("form")  # sections: repeat barlines and rehearsal marks
            if titles is None:
                export_musicxml(score, path, form=form)
            else:  # a copy: the take's own Score is shared with the GUI thread
                export_musicxml(dataclasses.replace(score, title=titles.title), path, subtitle=titles.subtitle,
                                composer=titles.composer, form=form)
        elif kind == "wav":
            from ...core.audio.wav import write_wav

            data = samples
            if data is None:
                from ...core.audio.render import render_score

                data = render_score(score, progress=progress, cancel=cancel)
            write_wav(path, data, sample_rate)
        elif kind == "musescore":
            from ...core.music.midi_io import write_midi
            from ...core.music.musescore import open_in_musescore

            write_midi(score, path)
            open_in_musescore(path)
        else:
            raise JukeboxError(f"unknown export format {kind!r}")
        return path

    return Worker(f"export-{kind}", job)
