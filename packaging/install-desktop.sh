#!/usr/bin/env bash
# Puts capkit on a Linux desktop for the current user (no root): the app in the launcher, its icon,
# the .capkit / .capkitz file types, and "Open with capkit" for them.
#
#   packaging/install-desktop.sh               the built app dist/capkit if present, else the
#                                               capkit-gui of the checkout's .venv or on PATH
#   packaging/install-desktop.sh --app DIR     copy the built app folder DIR (dist/capkit) into
#                                               ~/.local/lib/capkit and link capkit, capkit-gui
#                                               into ~/.local/bin
#   packaging/install-desktop.sh --uninstall   remove everything this script installed
#
# Files go under ${XDG_DATA_HOME:-~/.local/share}; the desktop, MIME and icon caches are refreshed
# when update-desktop-database, update-mime-database and gtk-update-icon-cache are installed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
data="${XDG_DATA_HOME:-$HOME/.local/share}"
bindir="$HOME/.local/bin"
libdir="$HOME/.local/lib/capkit"
id="io.github.capkit.Capkit"
sizes=(48 128 256)

refresh() {
  command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$data/applications" || true
  command -v update-mime-database >/dev/null 2>&1 && update-mime-database "$data/mime" >/dev/null || true
  command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t -f "$data/icons/hicolor" || true
}

if [ "${1:-}" = "--uninstall" ]; then
  rm -f "$data/applications/$id.desktop" "$data/metainfo/$id.metainfo.xml" "$data/mime/packages/capkit.xml"
  for s in "${sizes[@]}"; do
    d="$data/icons/hicolor/${s}x${s}"
    rm -f "$d/apps/$id.png" "$d/mimetypes/application-x-capkit-project.png" "$d/mimetypes/application-x-capkit-bundle.png"
  done
  rm -f "$data/icons/hicolor/scalable/apps/$id.svg"
  for exe in capkit capkit-gui; do
    # only the links this script made into the app folder
    if [ -L "$bindir/$exe" ] && [ "$(readlink "$bindir/$exe")" = "$libdir/$exe" ]; then rm -f "$bindir/$exe"; fi
  done
  rm -rf "$libdir"
  refresh
  echo "capkit: removed from the desktop"
  exit 0
fi

app=""
if [ "${1:-}" = "--app" ]; then
  app="$(cd "${2:?--app needs the built app folder, e.g. dist/capkit}" && pwd)"
elif [ -n "${1:-}" ]; then
  echo "usage: $0 [--app DIR | --uninstall]" >&2; exit 2
elif [ -x "$root/dist/capkit/capkit-gui" ]; then
  app="$root/dist/capkit"
fi

if [ -n "$app" ]; then
  [ -x "$app/capkit-gui" ] || { echo "capkit: $app has no capkit-gui; build it with packaging/build.sh" >&2; exit 1; }
  if [ "$app" != "$libdir" ]; then
    rm -rf "$libdir.new"
    mkdir -p "$(dirname "$libdir")"
    cp -a "$app" "$libdir.new"
    rm -rf "$libdir"
    mv "$libdir.new" "$libdir"
  fi
  mkdir -p "$bindir"
  ln -sfn "$libdir/capkit" "$bindir/capkit"
  ln -sfn "$libdir/capkit-gui" "$bindir/capkit-gui"
  gui="$libdir/capkit-gui"
elif [ -x "$root/.venv/bin/capkit-gui" ]; then
  gui="$root/.venv/bin/capkit-gui"
elif command -v capkit-gui >/dev/null 2>&1; then
  gui="$(command -v capkit-gui)"
else
  echo "capkit: no capkit-gui found: build the app (packaging/build.sh) or pip install 'capkit[gui]'" >&2
  exit 1
fi

mkdir -p "$data/applications" "$data/metainfo" "$data/mime/packages" "$data/icons/hicolor/scalable/apps"
# the launcher runs this exact program, whether or not ~/.local/bin is on PATH
sed -e "s|^Exec=capkit-gui |Exec=\"$gui\" |" -e "s|^TryExec=capkit-gui$|TryExec=$gui|" \
  "$here/capkit.desktop" > "$data/applications/$id.desktop"
cp "$here/io.github.capkit.Capkit.metainfo.xml" "$data/metainfo/$id.metainfo.xml"
cp "$here/capkit-mime.xml" "$data/mime/packages/capkit.xml"
cp "$here/icons/capkit.svg" "$data/icons/hicolor/scalable/apps/$id.svg"
for s in "${sizes[@]}"; do
  d="$data/icons/hicolor/${s}x${s}"
  mkdir -p "$d/apps" "$d/mimetypes"
  cp "$here/icons/capkit-$s.png" "$d/apps/$id.png"
  cp "$here/icons/capkit-$s.png" "$d/mimetypes/application-x-capkit-project.png"
  cp "$here/icons/capkit-$s.png" "$d/mimetypes/application-x-capkit-bundle.png"
done
refresh
if command -v xdg-mime >/dev/null 2>&1; then
  xdg-mime default "$id.desktop" application/x-capkit-project application/x-capkit-bundle || true
fi
echo "capkit: installed for ${USER:-$(id -un)}: launcher $data/applications/$id.desktop -> $gui"
