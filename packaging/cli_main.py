"""PyInstaller entry script for the command line (`jukebox`); the pip entry point is the same function."""

import multiprocessing
import sys

from jukebox_gui.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # worker processes re-enter the frozen binary
    sys.exit(main())
