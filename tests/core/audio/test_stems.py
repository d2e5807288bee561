"""Stems with the real FluidSynth: one per track, named, and summing to the full mix."""

from __future__ import annotations

import wave

import numpy as np
import pytest

from jukebox_gui.core.audio.render import render_score
from jukebox_gui.core.audio.stems import StemRender, audible_gains, render_stems, write_stems
from jukebox_gui.core.errors import Cancelled, ExportError, RenderError
from jukebox_gui.core.music.gm_names import track_names
from jukebox_gui.core.music.midi_io import read_midi, write_midi
from jukebox_gui.core.music.score import Note, Score, TempoChange, Track
from jukebox_gui.core.progress import CancelToken

SR = 22050
LSB = 1 / 32768


def band_score() -> Score:
    """Two bars of piano chords, a bass line and a rock beat at 120 bpm (4 s)."""
    piano = [Note(b, 1.0, p, 70) for b in range(8) for p in ((60, 64, 67), (57, 60, 64))[b // 4]]
    bass = [Note(b, 0.5, (36, 33)[b // 4], 100) for b in range(8)] + [Note(b + 0.5, 0.5, 43, 90) for b in range(8)]
    drums = [Note(b, 0.25, 36 if b % 2 == 0 else 38, 110) for b in range(8)]
    drums += [Note(b / 2, 0.25, 42, 80) for b in range(16)]
    return Score(tracks=[Track(program=0, notes=piano), Track(program=33, notes=bass),
                         Track(program=0, is_drum=True, notes=drums)], tempos=[TempoChange(0.0, 120.0)])


@pytest.fixture(scope="module")
def band(tmp_path_factory) -> Score:
    """The band score written as a real MIDI file with the project's writer and read back."""
    path = write_midi(band_score(), tmp_path_factory.mktemp("midi") / "band.mid")
    return read_midi(path)


@pytest.fixture(scope="module")
def rendered(band) -> tuple[StemRender, np.ndarray, list]:
    events = []
    stems = render_stems(band, sample_rate=SR, tail_s=1.0, progress=events.append)
    return stems, render_score(band, sample_rate=SR, tail_s=1.0), events


def test_one_stem_per_track_with_gm_names(rendered, band):
    render, full, _events = rendered
    assert [s.name for s in render.stems] == ["Acoustic Grand Piano", "Fingered Bass", "Drums"]
    assert [s.index for s in render.stems] == [0, 1, 2]
    assert [(s.program, s.is_drum) for s in render.stems] == [(t.program, t.is_drum) for t in band.tracks]
    assert render.sample_rate == SR and render.frames == full.shape[0]
    for stem in render.stems:
        assert stem.audio.dtype == np.float32 and stem.audio.shape == full.shape
        assert float(np.sqrt(np.mean(stem.audio.astype(np.float64) ** 2))) > 1e-3, stem.name


def test_stems_sum_to_the_full_mix_within_one_lsb(rendered):
    render, full, _events = rendered
    mix = render.mix()
    assert mix.dtype == np.float32
    diff = float(np.max(np.abs(mix.astype(np.float64) - full)))
    assert diff <= LSB, diff / LSB
    assert float(np.max(np.abs(mix))) == pytest.approx(0.9, abs=1e-5)  # the MIX is normalised
    # the stems differ from each other: each really holds one track
    a, b = render.stems[0].audio, render.stems[1].audio
    assert float(np.max(np.abs(a - b))) > 0.05


def test_16_bit_stem_files_add_up_to_the_16_bit_mix_within_half_an_lsb_per_stem(rendered, tmp_path):
    render, full, _events = rendered
    paths = write_stems(render, tmp_path / "stems")

    def ints(path):
        with wave.open(str(path), "rb") as handle:
            assert (handle.getnchannels(), handle.getsampwidth(), handle.getframerate()) == (2, 2, SR)
            return np.frombuffer(handle.readframes(handle.getnframes()), "<i2").astype(np.int64)

    summed = sum(ints(p) for p in paths)
    mixed = np.round(np.clip(full.astype(np.float64), -1, 1) * 32767).astype(np.int64).ravel()
    error = np.abs(summed - mixed)
    # each file rounds by <= 0.5 LSB, the mix by <= 0.5: 3 stems -> at most 2 LSB
    assert int(error.max()) <= 2, int(error.max())
    print(f"16-bit: max {error.max()} LSB, mean {error.mean():.3f} LSB, "
          f"{np.mean(error > 0):.0%} of samples differ")


def test_one_render_progress_stream_across_all_passes(rendered):
    render, _full, events = rendered
    assert {e.stage for e in events} == {"render"}
    assert {e.total for e in events} == {3 * render.frames}
    done = [e.done for e in events]
    assert done == sorted(done) and done[-1] == 3 * render.frames
    assert any(e.message.startswith("Fingered Bass: ") for e in events)


def test_audible_gains_solo_mute_and_both():
    assert audible_gains([0.5, 1.0, 0.8], [False] * 3, [False] * 3) == [0.5, 1.0, 0.8]
    assert audible_gains([1.0, 1.0, 1.0], [False, True, False], [False] * 3) == [1.0, 0.0, 1.0]
    assert audible_gains([1.0, 0.7, 1.0], [False] * 3, [False, True, False]) == [0.0, 0.7, 0.0]
    # mute wins over solo; a muted soloed track still makes the others silent
    assert audible_gains([1.0, 1.0, 1.0], [True, False, False], [True, True, False]) == [0.0, 1.0, 0.0]
    assert audible_gains([1.0, 1.0], [True, False], [True, False]) == [0.0, 0.0]
    assert audible_gains([1.5, -0.2, float("nan")], [False] * 3, [False] * 3) == [1.0, 0.0, 0.0]
    with pytest.raises(RenderError, match="differ in length"):
        audible_gains([1.0, 1.0], [False], [False, False])


def test_a_muted_stem_is_really_gone_from_the_mix(rendered):
    render, full, _events = rendered
    muted_bass = render.mix(audible_gains([1.0, 1.0, 1.0], [False, True, False], [False] * 3))
    piano, bass, drums = (s.audio.astype(np.float64) for s in render.stems)
    assert float(np.max(np.abs(muted_bass - (piano + drums)))) <= 1e-6
    assert float(np.max(np.abs((full - muted_bass) - bass))) <= LSB  # what left is exactly the bass
    assert float(np.max(np.abs(full - muted_bass))) > 0.05
    half = render.mix([1.0, 0.5, 1.0])
    assert float(np.max(np.abs(half - (piano + 0.5 * bass + drums)))) <= 1e-6
    with pytest.raises(RenderError, match="2 gains for 3 stems"):
        render.mix([1.0, 1.0])


def test_cancel_stops_a_render_during_the_second_pass(band):
    token = CancelToken()
    seen = []

    def progress(event):
        seen.append(event)
        if len(seen) == 1:
            token.cancel()

    long_band = Score(tracks=band.tracks, tempos=band.tempos)
    with pytest.raises(Cancelled):
        render_stems(long_band, sample_rate=SR, tail_s=5.0, progress=progress, cancel=token)
    assert seen[-1].done < seen[-1].total


def test_bad_input_is_a_clear_error(tmp_path):
    with pytest.raises(RenderError, match="no notes"):
        render_stems(Score(tracks=[Track()]), sample_rate=SR)
    with pytest.raises(RenderError, match="sample rate"):
        render_stems(band_score(), sample_rate=100)


def test_a_track_without_notes_gets_a_silent_stem_and_the_sum_holds():
    score = Score(tracks=[Track(program=40, notes=[Note(0, 1, 67)]), Track(program=41)])
    render = render_stems(score, sample_rate=SR, tail_s=0.5)
    assert [s.name for s in render.stems] == ["Violin", "Viola"]
    assert not render.stems[1].audio.any()
    full = render_score(score, sample_rate=SR, tail_s=0.5)
    assert float(np.max(np.abs(render.mix() - full))) <= LSB


def test_write_stems_names_files_and_never_leaves_a_partial_file(rendered, tmp_path):
    render, _full, _events = rendered
    folder = tmp_path / "new" / "stems"
    paths = write_stems(render, folder)
    assert [p.name for p in paths] == ["01 Acoustic Grand Piano.wav", "02 Fingered Bass.wav", "03 Drums.wav"]
    assert all(p.parent == folder for p in paths)
    # a folder sits where the second file goes: that write fails, nothing half-written is left
    other = tmp_path / "blocked"
    (other / "02 Fingered Bass.wav").mkdir(parents=True)
    with pytest.raises(ExportError):
        write_stems(render, other)
    assert sorted(p.name for p in other.iterdir()) == ["01 Acoustic Grand Piano.wav", "02 Fingered Bass.wav"]
    assert (other / "01 Acoustic Grand Piano.wav").read_bytes() == paths[0].read_bytes()
    assert (other / "02 Fingered Bass.wav").is_dir()
    with pytest.raises(ExportError, match="not a folder"):
        write_stems(render, paths[0])


def test_file_names_are_file_system_safe():
    score = Score(tracks=[Track(program=300, name='AC/DC: "Riff"?'), Track(program=0, notes=[Note(0, 1, 60)])])
    names = track_names(score)
    assert names == ['AC/DC: "Riff"?', "Acoustic Grand Piano"]
    from jukebox_gui.core.audio.stems import Stem, stem_filename

    stem = Stem(0, names[0], 300, False, np.zeros((1, 2), np.float32))
    assert stem_filename(stem, 2) == "01 AC-DC- -Riff-.wav"
    assert stem_filename(Stem(4, "...", 0, False, stem.audio), 120) == "005 Track.wav"


def test_track_names_number_duplicates_and_name_drum_kits():
    tracks = [Track(program=40), Track(program=33), Track(program=40), Track(is_drum=True),
              Track(is_drum=True, program=40), Track(program=200, name="  Lead\tVox \n"), Track(program=999)]
    assert track_names(Score(tracks=tracks)) == [
        "Violin 1", "Fingered Bass", "Violin 2", "Drums", "Brush Kit", "Lead Vox", "Track 7"]
    # a file's own "Violin 2" (unknown program) is not reused by the numbering of two violins
    clash = [Track(program=40), Track(program=40), Track(program=200, name="Violin 2")]
    names = track_names(Score(tracks=clash))
    assert len(set(names)) == 3 and names[2] == "Violin 2"
