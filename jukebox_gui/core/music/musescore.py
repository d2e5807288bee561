"""Find MuseScore, open a file in it, and convert files with it (headless, for tests and checks).

MuseScore's exit code is not trustworthy (garbage in gives 0 and an empty PDF), so a conversion
is judged by its output file; callers that care round-trip to MIDI and compare notes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import ExportError

EXECUTABLES = ("mscore", "mscore3", "musescore", "musescore3", "MuseScore4", "mscore4portable",
               "MuseScore3", "musescore4")
FLATPAK_ID = "org.musescore.MuseScore"


def musescore_command() -> list[str] | None:
    """The argv prefix that starts MuseScore, or None when it is not installed."""
    for name in EXECUTABLES:
        found = shutil.which(name)
        if found:
            return [found]
    flatpak = shutil.which("flatpak")
    if flatpak:
        try:
            probe = subprocess.run([flatpak, "info", FLATPAK_ID], capture_output=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None
        if probe.returncode == 0:
            return [flatpak, "run", FLATPAK_ID]
    return None


def find_musescore() -> str | None:
    """MuseScore's executable (or ``flatpak run org.musescore.MuseScore``), None if absent."""
    command = musescore_command()
    return " ".join(command) if command else None


def open_in_musescore(path: str | os.PathLike) -> None:
    """Start MuseScore on ``path``, detached; ExportError saying where the file is otherwise."""
    target = Path(path).resolve()
    if not target.is_file():
        raise ExportError(f"cannot open {target} in MuseScore: the file does not exist")
    command = musescore_command()
    if command is None:
        raise ExportError(f"MuseScore not found; the file is at {target}")
    try:
        subprocess.Popen([*command, str(target)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True)
    except OSError as exc:
        raise ExportError(f"could not start MuseScore ({exc.strerror or exc}); the file is at {target}") from exc


def _run_headless(args: list[str], timeout: float) -> subprocess.CompletedProcess:
    command = musescore_command()
    if command is None:
        raise ExportError("MuseScore not found (apt install musescore3)")
    with tempfile.TemporaryDirectory(prefix="jukebox-mscore-") as home:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": home, "TMPDIR": home,
               "XDG_RUNTIME_DIR": home, "XDG_CONFIG_HOME": home, "XDG_DATA_HOME": home,
               "XDG_CACHE_HOME": home}
        try:
            return subprocess.run([*command, *args], env=env, capture_output=True, timeout=timeout,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            raise ExportError(f"MuseScore took more than {timeout:.0f} s") from exc
        except OSError as exc:
            raise ExportError(f"could not start MuseScore: {exc.strerror or exc}") from exc


def _made(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 0


def musescore_convert(src: str | os.PathLike, dst: str | os.PathLike, timeout: float = 60.0) -> Path:
    """Convert ``src`` to ``dst`` (format from its suffix: .mid, .pdf, .mscz...) headless.

    Runs with ``QT_QPA_PLATFORM=offscreen`` and HOME/TMPDIR in a throw-away folder. Raises
    ExportError unless ``dst`` exists and is not empty afterwards (the exit code lies).
    """
    source, target = Path(src).resolve(), Path(dst).resolve()
    target.unlink(missing_ok=True)
    proc = _run_headless(["-o", str(target), str(source)], timeout)
    if not _made(target):
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise ExportError(f"MuseScore did not convert {source.name} (exit {proc.returncode}): {' | '.join(tail)}")
    return target


def musescore_convert_many(pairs: list[tuple[str | os.PathLike, str | os.PathLike]],
                           timeout: float = 300.0) -> list[Path | None]:
    """Convert many files in one MuseScore process (a ``-j`` job): MuseScore starts once (~0.3 s
    saved per file). Returns each output path, or None where that conversion made nothing."""
    resolved = [(Path(a).resolve(), Path(b).resolve()) for a, b in pairs]
    for _src, dst in resolved:
        dst.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="jukebox-job-") as folder:
        job = Path(folder) / "job.json"
        job.write_text(json.dumps([{"in": str(a), "out": str(b)} for a, b in resolved]), encoding="utf-8")
        _run_headless(["-j", str(job)], timeout)
    return [dst if _made(dst) else None for _src, dst in resolved]


def render_pages(src: str | os.PathLike, out_dir: str | os.PathLike, *, stem: str | None = None,
                 dpi: int = 100, timeout: float = 120.0) -> list[Path]:
    """PNG pages of ``src`` (MusicXML, MIDI, ...) laid out by MuseScore, for people to look at:
    MuseScore writes a PDF, ``pdftoppm`` turns each page into ``STEM-N.png``; without pdftoppm
    MuseScore writes the PNGs itself. Returns the pages in order."""
    source = Path(src).resolve()
    folder = Path(out_dir).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    name = stem or source.stem
    for old in folder.glob(f"{name}-*.png"):
        old.unlink()
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm:
        with tempfile.TemporaryDirectory(prefix="jukebox-pages-") as scratch:
            pdf = musescore_convert(source, Path(scratch) / f"{name}.pdf", timeout=timeout)
            try:
                subprocess.run([pdftoppm, "-r", str(dpi), "-png", str(pdf), str(folder / name)],
                               capture_output=True, timeout=timeout, check=True)
            except (OSError, subprocess.SubprocessError) as exc:
                raise ExportError(f"pdftoppm could not render {pdf.name}: {exc}") from exc
    else:
        _run_headless(["-r", str(dpi), "-o", str(folder / f"{name}.png"), str(source)], timeout)
    pages = sorted(folder.glob(f"{name}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    if not pages:
        raise ExportError(f"MuseScore made no pages for {source.name}")
    return pages
