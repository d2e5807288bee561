"""AI Jukebox: a desktop composer that learns from a folder of MIDI files."""

__version__ = "0.1.0"
