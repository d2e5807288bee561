"""Bringing back the takes of the last session when the Generate page opens (split out of
generate_page.py): the store opened, the session resumed or begun, each kept take listed."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ...core.errors import JukeboxError
from ...core.ml.generation import Take
from .take_entry import TakeEntry

if TYPE_CHECKING:
    from .generate_page import GeneratePage

log = logging.getLogger("jukebox.app.generate")


def restore_takes(page: "GeneratePage") -> str:
    """Open the takes store, resume the last session (used in the last 12 h) and list its takes.
    Returns a line for the status bar ('' when there was nothing to restore)."""
    from ...core.takes_store import TakesStore

    try:
        page.store = TakesStore()
        previous = page.store.last_session()
        page.session = page.store.resume_or_new()
        page.store.clean(page.session)
        stored = page.store.takes(page.session)
    except JukeboxError as exc:
        log.warning("the takes store is not available: %s", exc)
        page.store = page.session = None
        return f"Takes will not be kept on disk: {exc}"
    page.takes_panel.bind(page.store, page.session)
    lost = 0
    for kept in stored:
        try:
            score = kept.load_score()
        except JukeboxError as exc:
            log.warning("cannot restore %s: %s", kept.id, exc)
            lost += 1
            continue
        take = TakeEntry(kept.number, Take(score=score, tokens=kept.tokens, report=kept.report),
                         kept.settings, kept.model)
        take.stored = kept
        page.add_take(take)
    crashed = previous is not None and previous.open and previous.id == page.session
    if not stored:
        return ""
    restored = f"{len(stored) - lost} takes" + (f" ({lost} damaged)" if lost else "")
    if crashed:
        return f"AI Jukebox did not close normally last time: its {restored} are back"
    return f"Restored {restored} of this session"
