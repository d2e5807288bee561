"""The Qt shell of AI Jukebox: a thin layer over jukebox_gui.core."""
