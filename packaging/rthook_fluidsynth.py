"""PyInstaller runtime hook: let pyfluidsynth find the libfluidsynth bundled next to the app.

pyfluidsynth calls ``ctypes.util.find_library("fluidsynth")``, which only sees system libraries;
in a frozen app we point it at the copy (and its dependencies) that jukebox.spec bundled.
"""

import ctypes.util
import glob
import os
import sys

_bundled = sorted(glob.glob(os.path.join(getattr(sys, "_MEIPASS", ""), "libfluidsynth.so.*")))
if _bundled:
    _system_find_library = ctypes.util.find_library

    def _find_library(name):
        if name.replace("lib", "", 1).split("-")[0] == "fluidsynth":
            return _bundled[0]
        return _system_find_library(name)

    ctypes.util.find_library = _find_library
