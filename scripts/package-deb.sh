#!/usr/bin/env bash
# `npm run package:deb`: builds dist/meterbox_<version>_<arch>.deb with dpkg-deb --root-owner-group.
# The package holds the build and its production node_modules (better-sqlite3 is native, so the
# .deb is for the architecture it was built on) under /opt/meterbox, the unit, and the example
# config. Its maintainer scripts create the meterbox user and enable the service.
# Depends on nodejs (>= 20): on Debian 12 / Raspberry Pi OS that is NodeSource's package.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v dpkg-deb >/dev/null || { echo "package-deb: dpkg-deb not found (apt install dpkg)" >&2; exit 1; }
[ -f dist/cli/main.js ] || { echo "package-deb: run npm run build first" >&2; exit 1; }

version=$(node -p 'require("./package.json").version')
arch=$(dpkg --print-architecture)
out=${OUT_DIR:-dist/deb}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

install -d "$root/DEBIAN" "$root/opt/meterbox" "$root/lib/systemd/system" "$root/usr/bin" "$root/usr/share/doc/meterbox"
cp -a dist package.json package-lock.json "$root/opt/meterbox/"
cp -a fixtures config "$root/opt/meterbox/"
# Production dependencies only, from this tree's lockfile.
(cd "$root/opt/meterbox" && cp -a "$OLDPWD/node_modules" . && npm prune --omit=dev --no-audit --no-fund >/dev/null 2>&1)
find "$root/opt/meterbox" -name '*.map' -delete
rm -rf "$root/opt/meterbox/dist/bench" "$root/opt/meterbox/dist/deb"
chmod 0755 "$root/opt/meterbox/dist/cli/main.js"
ln -s /opt/meterbox/dist/cli/main.js "$root/usr/bin/meterbox"
install -m 0644 systemd/meterbox.service "$root/lib/systemd/system/meterbox.service"
install -m 0644 README.md "$root/usr/share/doc/meterbox/README.md"

installed_kb=$(du -sk "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: meterbox
Version: $version
Architecture: $arch
Maintainer: meterbox developers <meterbox@localhost>
Depends: nodejs (>= 20), adduser, systemd
Section: net
Priority: optional
Installed-Size: $installed_kb
Description: on-premise meter-reading agent for managed print services
 Finds printers and MFPs on the configured ranges, reads their page counters,
 supplies and status over SNMP, keeps every reading in a local SQLite outbox
 and delivers it over outbound HTTPS to the provider.
CONTROL
echo "/etc/meterbox/config.json" > "$root/DEBIAN/conffiles"
install -d "$root/etc/meterbox"
install -m 0640 config/meterbox.example.json "$root/etc/meterbox/config.json"

cat > "$root/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
  if ! getent passwd meterbox >/dev/null; then
    adduser --system --group --home /var/lib/meterbox --no-create-home --shell /usr/sbin/nologin meterbox
  fi
  chown root:meterbox /etc/meterbox /etc/meterbox/config.json
  chmod 0750 /etc/meterbox
  chmod 0640 /etc/meterbox/config.json
  install -d -m 0750 -o meterbox -g meterbox /var/lib/meterbox
  if [ -d /run/systemd/system ]; then
    systemctl daemon-reload || true
    systemctl enable meterbox.service || true
    if /usr/bin/meterbox config check /etc/meterbox/config.json >/dev/null 2>&1; then
      systemctl restart meterbox.service || true
    else
      echo "meterbox: edit /etc/meterbox/config.json (agentId, provider, targets), then: systemctl restart meterbox"
    fi
  fi
fi
exit 0
POSTINST
cat > "$root/DEBIAN/prerm" <<'PRERM'
#!/bin/sh
set -e
if [ -d /run/systemd/system ] && [ "$1" = remove ]; then
  systemctl disable --now meterbox.service || true
fi
exit 0
PRERM
cat > "$root/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
if [ "$1" = purge ]; then
  rm -rf /var/lib/meterbox /etc/meterbox
  if getent passwd meterbox >/dev/null; then deluser --system meterbox >/dev/null || true; fi
fi
exit 0
POSTRM
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm" "$root/DEBIAN/postrm"
mkdir -p "$out"
deb="$out/meterbox_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
