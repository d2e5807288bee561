"""PyInstaller entry script for the window (`jukebox-gui`); the pip entry point is the same function."""

import multiprocessing
import sys

from jukebox_gui.app.main import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # worker processes re-enter the frozen binary
    sys.exit(main())
