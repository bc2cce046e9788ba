#!/bin/sh
# Installs the real test services' Debian packages when they are missing: MariaDB (MySQL protocol),
# Debian's Chromium (Playwright drives it) and docker-compose 1.29 (`docker-compose config`).
set -eu
missing=""
command -v mariadbd >/dev/null 2>&1 || missing="$missing mariadb-server"
[ -x /usr/lib/chromium/chromium ] || missing="$missing chromium"
command -v docker-compose >/dev/null 2>&1 || missing="$missing docker-compose"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "system-deps: missing:$missing — install them (as root: apt-get install$missing)" >&2
  exit 1
fi
echo "system-deps: installing$missing"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
