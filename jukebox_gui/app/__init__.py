"""The Qt shell of AI Jukebox: a thin layer over jukebox_gui.core."""

from .qtfix import protect_singletons as _protect_singletons

_protect_singletons()  # PySide6 6.12 emit() drops a reference to True on every call (see qtfix)
