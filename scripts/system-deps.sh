#!/bin/sh
# Installs the real test services' Debian packages when they are missing: MariaDB (MySQL protocol),
# Debian's Chromium (Playwright drives it), docker-compose 1.29 (`docker-compose config`), nginx (runs the
# bundle's nginx.conf), systemd-analyze (verifies the bundle's units), a Korean font, and Debian's docker-registry (Distribution),
# skopeo and htpasswd (apache2-utils) for the real registry behind `deploy.images`.
set -eu
missing=""
command -v mariadbd >/dev/null 2>&1 || missing="$missing mariadb-server"
[ -x /usr/lib/chromium/chromium ] || missing="$missing chromium"
command -v docker-compose >/dev/null 2>&1 || missing="$missing docker-compose"
command -v wrk >/dev/null 2>&1 || missing="$missing wrk"  # load generator for `make bench`
[ -x /usr/sbin/nginx ] || missing="$missing nginx"
command -v systemd-analyze >/dev/null 2>&1 || missing="$missing systemd"
# Korean glyphs for the Korean browser screenshots (Chromium shows boxes without a CJK font).
[ -d /usr/share/fonts/truetype/nanum ] || missing="$missing fonts-nanum"
[ -x /usr/bin/docker-registry ] || missing="$missing docker-registry"  # tests/services/registry.py
command -v skopeo >/dev/null 2>&1 || missing="$missing skopeo"
command -v htpasswd >/dev/null 2>&1 || missing="$missing apache2-utils"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "system-deps: missing:$missing — install them (as root: apt-get install$missing)" >&2
  exit 1
fi
echo "system-deps: installing$missing"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
