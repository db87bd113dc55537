#!/usr/bin/env bash
# System packages the test suite needs: Debian's Chromium (Playwright drives it; it cannot
# download its own browser here) with its Chinese interface, CJK fonts for screenshots, and PostgreSQL.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# Chromium's Chinese interface (file and date inputs, validation messages); Debian ships en-US only.
[ -e /usr/lib/chromium/locales/zh-CN.pak ] || missing+=(chromium-l10n)
fc-list 2>/dev/null | grep -i 'Noto Sans CJK' >/dev/null || missing+=(fonts-noto-cjk)  # no -q: SIGPIPE + pipefail
command -v pg_ctlcluster >/dev/null 2>&1 || missing+=(postgresql)
command -v curl >/dev/null 2>&1 || missing+=(curl)  # docs/api.md, run by tests/core/test_api_doc.py
command -v jq >/dev/null 2>&1 || missing+=(jq)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing system packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" fontconfig >/dev/null
