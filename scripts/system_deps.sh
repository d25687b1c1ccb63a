#!/usr/bin/env bash
# Debian packages Mutuelle needs beyond Python: Pango and HarfBuzz's subsetter (WeasyPrint, for
# membership cards), fonts, gettext (translations), and Chromium for the browser tests
# (`--browser`). Installs what is missing when it can (root, or sudo without a password);
# otherwise prints the command to run.
set -euo pipefail
need=()
ldconfig -p | grep -q libpangoft2-1.0.so.0 || need+=(libpango-1.0-0 libpangoft2-1.0-0)
ldconfig -p | grep -q libharfbuzz-subset.so.0 || need+=(libharfbuzz-subset0)
fc-list 2>/dev/null | grep -qi dejavu || need+=(fonts-dejavu-core)
command -v xgettext >/dev/null || need+=(gettext)
if [[ "${1:-}" == "--browser" ]]; then
  command -v chromium >/dev/null || need+=(chromium)
fi
((${#need[@]})) || exit 0
echo "system packages needed: ${need[*]}"
if [[ $(id -u) -eq 0 ]]; then
  run=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  run=(sudo)
else
  echo "run: sudo apt-get install ${need[*]}" >&2
  exit 1
fi
"${run[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${run[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
