"""The headless domain of AI Jukebox. Never imports Qt, the app or the CLI."""
