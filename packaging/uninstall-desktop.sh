#!/usr/bin/env bash
# Remove what packaging/install-desktop.sh installed for the current user.
# User data, caches and logs are left alone; see README "Packaging and desktop integration".
set -euo pipefail

APP_ID=io.github.aijukebox.AIJukebox
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"

rm -f "$DATA/applications/$APP_ID.desktop" "$DATA/metainfo/$APP_ID.metainfo.xml"
shopt -s nullglob
removed=0
for icon in "$DATA"/icons/hicolor/*/apps/"$APP_ID".*; do
    rm -f "$icon"
    removed=$((removed + 1))
done

if command -v update-desktop-database >/dev/null 2>&1 && [[ -d "$DATA/applications" ]]; then
    update-desktop-database -q "$DATA/applications" || true
fi
if command -v gtk-update-icon-cache >/dev/null 2>&1 && [[ -f "$DATA/icons/hicolor/icon-theme.cache" ]]; then
    gtk-update-icon-cache -q -f -t "$DATA/icons/hicolor" || true
fi

echo "Removed $APP_ID launcher, metainfo and $removed icons from $DATA"
