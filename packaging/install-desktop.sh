#!/usr/bin/env bash
# Install AI Jukebox into the current user's desktop menu (no root needed).
#
#   bash packaging/install-desktop.sh            # launcher runs <repo>/.venv/bin/jukebox-gui
#   bash packaging/install-desktop.sh --dist     # launcher runs <repo>/dist/jukebox/jukebox-gui
#   JUKEBOX_GUI_BIN=/path/to/jukebox-gui bash packaging/install-desktop.sh
#
# Writes (XDG_DATA_HOME defaults to ~/.local/share):
#   $XDG_DATA_HOME/applications/io.github.aijukebox.AIJukebox.desktop
#   $XDG_DATA_HOME/icons/hicolor/{16x16..512x512,scalable}/apps/io.github.aijukebox.AIJukebox.*
#   $XDG_DATA_HOME/metainfo/io.github.aijukebox.AIJukebox.metainfo.xml
# Undo with packaging/uninstall-desktop.sh.
set -euo pipefail

APP_ID=io.github.aijukebox.AIJukebox
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"

bin="${JUKEBOX_GUI_BIN:-$REPO/.venv/bin/jukebox-gui}"
case "${1:-}" in
    --dist) bin="$REPO/dist/jukebox/jukebox-gui" ;;
    "") ;;
    -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "install-desktop: unknown option: $1 (try --help)" >&2; exit 2 ;;
esac
if [[ ! -x "$bin" ]]; then
    echo "install-desktop: warning: $bin is not an executable yet (run 'make install' or 'make package')" >&2
fi
case "$bin" in
    *[\"\`\$\\]*) echo "install-desktop: cannot put $bin in a .desktop Exec line" >&2; exit 2 ;;
esac

install -d "$DATA/applications" "$DATA/metainfo"
# Exec/TryExec point at the absolute path; quoted so that folders with spaces work.
sed -e "s|^Exec=.*|Exec=\"$bin\" %F|" -e "s|^TryExec=.*|TryExec=$bin|" \
    "$REPO/resources/$APP_ID.desktop" > "$DATA/applications/$APP_ID.desktop.tmp"
mv -f "$DATA/applications/$APP_ID.desktop.tmp" "$DATA/applications/$APP_ID.desktop"
chmod 0644 "$DATA/applications/$APP_ID.desktop"
install -m 0644 "$REPO/resources/$APP_ID.metainfo.xml" "$DATA/metainfo/$APP_ID.metainfo.xml"

count=0
for icon in "$REPO"/resources/icons/hicolor/*/apps/"$APP_ID".*; do
    size="$(basename "$(dirname "$(dirname "$icon")")")"
    install -D -m 0644 "$icon" "$DATA/icons/hicolor/$size/apps/$(basename "$icon")"
    count=$((count + 1))
done

if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$DATA/applications" || true
fi
if command -v gtk-update-icon-cache >/dev/null 2>&1; then
    gtk-update-icon-cache -q -f -t "$DATA/icons/hicolor" || true
fi

echo "Installed $APP_ID for ${USER:-$(id -un)}: launcher, $count icons and metainfo under $DATA"
echo "Launcher runs: $bin"
