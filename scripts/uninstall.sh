#!/usr/bin/env bash
# Removes meterbox. Keeps the config (/etc/meterbox) and the outbox (/var/lib/meterbox) unless
# --purge is given, which also removes the meterbox user.
#   sudo scripts/uninstall.sh [--purge]
set -euo pipefail
PREFIX=${PREFIX:-/opt/meterbox}
UNIT_DIR=${UNIT_DIR:-/etc/systemd/system}
PURGE=0
[ "${1:-}" = "--purge" ] && PURGE=1
[ "$(id -u)" = 0 ] || { echo "uninstall.sh: run as root (sudo)" >&2; exit 1; }

if [ -d /run/systemd/system ]; then
  systemctl disable --now meterbox.service 2>/dev/null || true
fi
rm -f "$UNIT_DIR/meterbox.service"
[ -d /run/systemd/system ] && systemctl daemon-reload || true
rm -f /usr/local/bin/meterbox
rm -rf "$PREFIX"
if [ "$PURGE" = 1 ]; then
  rm -rf /etc/meterbox /var/lib/meterbox
  getent passwd meterbox >/dev/null && userdel meterbox || true
  getent group meterbox >/dev/null && groupdel meterbox 2>/dev/null || true
  echo "uninstall.sh: removed meterbox, its config, its data and its user"
else
  echo "uninstall.sh: removed meterbox; kept /etc/meterbox and /var/lib/meterbox (use --purge to remove them)"
fi
