#!/usr/bin/env bash
# Installs meterbox on a Debian / Ubuntu / Raspberry Pi OS box that has Node.js 20+ (22/24 LTS
# recommended; stock Debian 12 ships 18: use NodeSource or a newer distro). Run from a built
# checkout (npm ci && npm run build) as root. Keeps an existing /etc/meterbox/config.json.
#   sudo scripts/install.sh [--no-start]
set -euo pipefail
cd "$(dirname "$0")/.."

PREFIX=${PREFIX:-/opt/meterbox}
CONF_DIR=/etc/meterbox
STATE_DIR=/var/lib/meterbox
UNIT_DIR=${UNIT_DIR:-/etc/systemd/system}
START=1
[ "${1:-}" = "--no-start" ] && START=0

[ "$(id -u)" = 0 ] || { echo "install.sh: run as root (sudo)" >&2; exit 1; }
command -v node >/dev/null || { echo "install.sh: Node.js 20 or newer is needed (apt install nodejs from NodeSource)" >&2; exit 1; }
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || { echo "install.sh: Node.js $major found; 20 or newer is needed" >&2; exit 1; }
[ -f dist/cli/main.js ] || { echo "install.sh: no build here; run npm ci && npm run build first" >&2; exit 1; }

# The service user: no login, no home of its own.
if ! getent passwd meterbox >/dev/null; then
  useradd --system --user-group --home-dir "$STATE_DIR" --no-create-home --shell /usr/sbin/nologin meterbox
fi

install -d -m 0755 "$PREFIX"
rm -rf "$PREFIX/dist"
cp -a dist package.json "$PREFIX/"
[ -f package-lock.json ] && cp -a package-lock.json "$PREFIX/"
cp -a node_modules "$PREFIX/" 2>/dev/null || true
(cd "$PREFIX" && npm prune --omit=dev --no-audit --no-fund >/dev/null 2>&1) || true
cp -a fixtures config "$PREFIX/" 2>/dev/null || true
chown -R root:root "$PREFIX"
ln -sf "$PREFIX/dist/cli/main.js" /usr/local/bin/meterbox
chmod 0755 "$PREFIX/dist/cli/main.js"

install -d -m 0750 -o root -g meterbox "$CONF_DIR"
if [ ! -e "$CONF_DIR/config.json" ]; then
  install -m 0640 -o root -g meterbox config/meterbox.example.json "$CONF_DIR/config.json"
  echo "install.sh: wrote $CONF_DIR/config.json from the example: set agentId, provider and targets, then: meterbox config check"
else
  echo "install.sh: keeping the existing $CONF_DIR/config.json"
fi
install -d -m 0750 -o meterbox -g meterbox "$STATE_DIR"
# The credential store the unit loads (LoadCredential=): root's alone; systemd reads it for the service.
install -d -m 0700 -o root -g root "$CONF_DIR/credentials"

install -m 0644 systemd/meterbox.service "$UNIT_DIR/meterbox.service"
sed -i "s#/opt/meterbox/#$PREFIX/#" "$UNIT_DIR/meterbox.service"
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable meterbox.service
  if [ "$START" = 1 ]; then
    # As the .deb's postinst: start only a config that is valid, has its secrets, and is not the example's placeholder.
    if check=$(meterbox config check "$CONF_DIR/config.json" 2>&1) && ! printf '%s\n' "$check" | grep -q 'is a placeholder'; then systemctl restart meterbox.service
    else echo "install.sh: not started: the config is not ready yet (meterbox config check $CONF_DIR/config.json):"; printf '%s\n' "$check" | sed 's/^/  /'; fi
  fi
else
  echo "install.sh: systemd is not running here; the unit is installed but not enabled"
fi
echo "install.sh: done. Check with: meterbox doctor --config $CONF_DIR/config.json"
