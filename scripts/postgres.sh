#!/usr/bin/env bash
# Make sure a local PostgreSQL cluster runs and the current OS user may create databases.
set -euo pipefail

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if ! pg_isready -q; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 1 30); do pg_isready -q && break; sleep 1; done
fi
me=$(id -un)
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }
if ! psql -d postgres -tAc 'select 1' >/dev/null 2>&1; then
  as_postgres psql -q -d postgres -c "CREATE ROLE \"$me\" LOGIN SUPERUSER"
fi
psql -d postgres -tAc 'select 1' >/dev/null
