# AI Jukebox — set-up, run, test. Works on a fresh Debian 12 machine as root.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
APT_PACKAGES := python3-venv libfluidsynth3 fluidsynth libpulse0 xvfb xauth timgm6mb-soundfont musescore3 \
	pulseaudio libegl1 libgl1 libopengl0 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 \
	libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 \
	libxcb-render-util0 libxcb-image0 desktop-file-utils appstream poppler-utils \
	mma planetblupi-music-midi
SOUNDFONT_SRC := /usr/share/sounds/sf2/TimGM6mb.sf2
SOUNDFONT := soundfonts/TimGM6mb.sf2
PYTEST_ARGS ?=

.PHONY: install run test test-fast bench demo-models package install-desktop uninstall-desktop smoke clean

install: .stamp-apt .stamp-venv $(SOUNDFONT)

.stamp-apt: Makefile
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing system packages: $$missing"; \
		if [ "$$(id -u)" != 0 ]; then SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@touch $@

.stamp-venv: pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@

$(SOUNDFONT): .stamp-apt
	@mkdir -p soundfonts
	cp $(SOUNDFONT_SRC) $(SOUNDFONT)

run: install
	$(BIN)/jukebox-gui

smoke: install
	QT_QPA_PLATFORM=offscreen $(BIN)/jukebox-gui --smoke

test: install
	QT_QPA_PLATFORM=offscreen PYTHONUNBUFFERED=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

# the edit-test loop: everything but the slow tests and the wall-clock (timing) checks
test-fast: install
	QT_QPA_PLATFORM=offscreen PYTHONUNBUFFERED=1 $(BIN)/python -m pytest -m "not slow and not timing" $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m benchmarks all

demo-models: install
	$(BIN)/python -m jukebox_gui.cli models builtin --retrain

package: install
	$(BIN)/python -m pip install -q 'pyinstaller>=6.10'
	$(BIN)/pyinstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller packaging/jukebox.spec
	QT_QPA_PLATFORM=offscreen dist/jukebox/jukebox-gui --smoke

install-desktop: install
	bash packaging/install-desktop.sh

uninstall-desktop:
	bash packaging/uninstall-desktop.sh

clean:
	rm -rf build dist .stamp-* *.egg-info
