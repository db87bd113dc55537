#!/usr/bin/env bash
# The release as an operator installs it: `make dist`, then, in a fresh virtualenv outside
# the checkout, pip alone (dist/requirements.txt with its hashes, then the wheel) — no
# Node.js, no node_modules, no source tree. Checks that `huifang check` prints no
# staticfiles.W004 (the front-end files are found), that collectstatic collects Tabler, its
# icons and ECharts, and that the login page links them and WhiteNoise serves them.
#
#   bash scripts/check-dist.sh            # PYTHON=python3.12 bash … for another Python
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3.11}
work=$(mktemp -d /tmp/huifang-check-dist.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "check-dist: FAIL: $*" >&2; exit 1; }

make -C "$root" dist
"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --require-hashes -r "$root/dist/requirements.txt"
"$work/venv/bin/python" -m pip install --quiet --no-deps "$root"/dist/huifang-*.whl

cd "$work"
unset PYTHONPATH HUIFANG_NODE_MODULES DJANGO_SETTINGS_MODULE
export HUIFANG_DATA_DIR="$work/var"
huifang="$work/venv/bin/huifang"

where=$("$work/venv/bin/python" -c 'import huifang; print(huifang.__file__)')
[[ $where == "$work/venv/"* ]] || fail "huifang was imported from $where, not from the wheel"

"$huifang" check >check.out 2>&1 || { cat check.out; fail "huifang check failed"; }
cat check.out
! grep -q 'staticfiles.W004' check.out || fail "huifang check warns of missing static folders"

"$huifang" collectstatic --noinput --verbosity 0
for file in vendor/tabler/css/tabler.min.css vendor/tabler/js/tabler.min.js \
  vendor/tabler-icons/tabler-icons.min.css vendor/tabler-icons/fonts/tabler-icons.woff2 \
  vendor/echarts/echarts.min.js; do
  [ -s "$HUIFANG_DATA_DIR/static/$file" ] || fail "collectstatic did not collect $file"
done

"$huifang" migrate --noinput --verbosity 0
"$huifang" shell -c '
from django.test import Client
client = Client(HTTP_HOST="localhost")
page = client.get("/login/")
assert page.status_code == 200, page.status_code
assert b"/static/vendor/tabler/css/tabler.min.css" in page.content, "login page: no Tabler"
css = client.get("/static/vendor/tabler/css/tabler.min.css")
assert css.status_code == 200, f"Tabler CSS: {css.status_code}"
font = client.get("/static/vendor/tabler-icons/fonts/tabler-icons.woff2")
assert font.status_code == 200, f"icon font: {font.status_code}"
print("the login page links Tabler; WhiteNoise serves its CSS and the icon font")
' || fail "the installed wheel does not serve its pages' front-end files"

echo "check-dist: OK — $(basename "$root"/dist/huifang-*.whl) installs with pip alone and serves its front-end files"
