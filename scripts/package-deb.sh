#!/usr/bin/env bash
# `npm run package:deb`: builds dist/meterbox_<version>_<arch>.deb with dpkg-deb --root-owner-group.
# The package holds the build and its production node_modules, pruned to what runs (better-sqlite3
# is native, so the .deb is for the architecture it was built on), under /opt/meterbox, the unit,
# and the example config. Its maintainer scripts create the meterbox user, enable the service and
# start it only once the config is real. DEB_VERSION overrides the version (upgrade tests).
# Depends on nodejs (>= 20): on Debian 12 / Raspberry Pi OS that is NodeSource's package.
set -euo pipefail
umask 022
cd "$(dirname "$0")/.."
command -v dpkg-deb >/dev/null || { echo "package-deb: dpkg-deb not found (apt install dpkg)" >&2; exit 1; }
[ -f dist/cli/main.js ] || { echo "package-deb: run npm run build first" >&2; exit 1; }

version=${DEB_VERSION:-$(node -p 'require("./package.json").version')}
arch=$(dpkg --print-architecture)
out=${OUT_DIR:-dist/deb}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
# mktemp makes its directory 0700; it becomes the archive's ./, which dpkg would apply to /.
chmod 0755 "$root"

install -d "$root/DEBIAN" "$root/opt/meterbox" "$root/lib/systemd/system" "$root/usr/bin" "$root/usr/share/doc/meterbox"
cp -a dist package.json package-lock.json "$root/opt/meterbox/"
# The version the daemon reports (package.json) is the package's, also when DEB_VERSION sets another.
node -e 'const f=process.argv[1], p=JSON.parse(require("fs").readFileSync(f,"utf8")); p.version=process.argv[2]; require("fs").writeFileSync(f, JSON.stringify(p, null, 2)+"\n")' "$root/opt/meterbox/package.json" "$version"
cp -a fixtures config "$root/opt/meterbox/"
# Production dependencies only, from this tree's lockfile.
(cd "$root/opt/meterbox" && cp -a "$OLDPWD/node_modules" . && npm prune --omit=dev --no-audit --no-fund >/dev/null 2>&1)
find "$root/opt/meterbox" -name '*.map' -delete
rm -rf "$root/opt/meterbox/dist/deb"

# Runtime files only. better-sqlite3 keeps its compiled addon, its JS and its licence: its build
# tree, the SQLite amalgamation and the C++ sources are most of the installed size otherwise.
nm="$root/opt/meterbox/node_modules"
bs="$nm/better-sqlite3"
[ -f "$bs/build/Release/better_sqlite3.node" ] || { echo "package-deb: better-sqlite3 is not built (npm ci first)" >&2; exit 1; }
find "$bs" -mindepth 1 -maxdepth 1 ! -name package.json ! -name lib ! -name build ! -name LICENSE -exec rm -rf {} +
find "$bs/build" -mindepth 1 -maxdepth 1 ! -name Release -exec rm -rf {} +
find "$bs/build/Release" -mindepth 1 -maxdepth 1 ! -name better_sqlite3.node -exec rm -rf {} +
# Every package: type declarations, TypeScript sources, source maps, docs, CI folders, caches.
find "$nm" \( -name '*.d.ts' -o -name '*.d.cts' -o -name '*.d.mts' -o -name '*.ts' -o -name '*.map' -o -name '*.md' -o -name '*.markdown' \) -type f -delete
find "$nm" \( -name .github -o -name .cache -o -name .vite -o -name .vitest \) -type d -prune -exec rm -rf {} +
# A package's own tests, examples, benchmarks and docs (its top level only: code never lives there), and net-snmp's RFC texts.
for pkg in "$nm"/* "$nm"/@*/*; do
  for d in test tests example examples benchmark benchmarks bench docs doc coverage; do [ -d "$pkg/$d" ] && rm -rf "${pkg:?}/$d"; done
done
rm -rf "$nm/net-snmp/ref"
find "$root/opt/meterbox" -mindepth 1 -type d -empty -delete
# Readable by all, writable by root only (the archive's modes are what dpkg installs).
chmod -R u+rwX,go+rX,go-w "$root/opt" "$root/usr" "$root/lib" 2>/dev/null || true
chmod 0755 "$root/opt/meterbox/dist/cli/main.js"
ln -s /opt/meterbox/dist/cli/main.js "$root/usr/bin/meterbox"
install -m 0644 systemd/meterbox.service "$root/lib/systemd/system/meterbox.service"
# Self-update: the agent hands a verified package to this root helper through its spool directory.
install -m 0644 systemd/meterbox-update.path "$root/lib/systemd/system/meterbox-update.path"
install -m 0644 systemd/meterbox-update.service "$root/lib/systemd/system/meterbox-update.service"
install -m 0644 README.md "$root/usr/share/doc/meterbox/README.md"

# As dpkg-gencontrol counts it: each file's size in KiB, rounded up, plus one per directory or link.
installed_kb=$(find "$root" -path "$root/DEBIAN" -prune -o -mindepth 1 -printf '%y %s\n' | awk '{ n += ($1 == "f") ? int(($2 + 1023) / 1024) : 1 } END { print n }')
cat > "$root/DEBIAN/control" <<CONTROL
Package: meterbox
Version: $version
Architecture: $arch
Maintainer: meterbox developers <meterbox@localhost>
Depends: nodejs (>= 20), adduser, systemd, procps
Recommends: dpkg-repack
Section: net
Priority: optional
Installed-Size: $installed_kb
Description: on-premise meter-reading agent for managed print services
 Finds printers and MFPs on the configured ranges, reads their page counters,
 supplies and status over SNMP, keeps every reading in a local SQLite outbox
 and delivers it over outbound HTTPS to the provider.
CONTROL
echo "/etc/meterbox/config.json" > "$root/DEBIAN/conffiles"
install -d -m 0755 "$root/etc/meterbox"
# The example, with its "$schema" pointing at the schema as installed (the editor check works in /etc too).
sed 's#"\$schema": "./meterbox.schema.json"#"$schema": "file:///opt/meterbox/config/meterbox.schema.json"#' config/meterbox.example.json > "$root/etc/meterbox/config.json"
grep -q '"$schema": "file:///opt/meterbox/config/meterbox.schema.json"' "$root/etc/meterbox/config.json" || { echo "package-deb: the example's \$schema was not rewritten" >&2; exit 1; }
chmod 0640 "$root/etc/meterbox/config.json"

cat > "$root/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
conf=/etc/meterbox/config.json
if [ "$1" = configure ]; then
  if ! getent passwd meterbox >/dev/null; then
    adduser --system --group --home /var/lib/meterbox --no-create-home --shell /usr/sbin/nologin meterbox
  fi
  # The service (user meterbox) reads the config and secret files: 0640 root:meterbox. The credential
  # store is root's alone: systemd reads it for the service (LoadCredential=).
  chown root:meterbox /etc/meterbox "$conf"
  chmod 0750 /etc/meterbox
  chmod 0640 "$conf"
  install -d -m 0700 -o root -g root /etc/meterbox/credentials
  install -d -m 0750 -o meterbox -g meterbox /var/lib/meterbox
  if [ -d /run/systemd/system ]; then
    systemctl daemon-reload || true
    systemctl enable meterbox.service >/dev/null 2>&1 || true
    systemctl enable --now meterbox-update.path >/dev/null 2>&1 || true
    # Start only a config that is real: valid, with its secrets in place (config check reads the credential
    # store and the environment file as the unit hands them over), and not the example's placeholder.
    if check=$(/usr/bin/meterbox config check "$conf" 2>&1) && ! printf '%s\n' "$check" | grep -q 'is a placeholder'; then
      systemctl restart meterbox.service || true
    else
      echo "meterbox: installed and enabled, not started: $conf is not ready yet."
      printf '%s\n' "$check" | sed 's/^/  /'
      echo "  Set agentId, provider.url and targets; put the provider token in /etc/meterbox/credentials/token"
      echo "  (root:root 0600; the config names it { \"credential\": \"token\" }) or in a file 0640 root:meterbox."
      echo "  Then: meterbox config check && systemctl start meterbox"
    fi
  fi
fi
exit 0
POSTINST
cat > "$root/DEBIAN/prerm" <<'PRERM'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
  case "$1" in
    # Removal: stop and disable. Upgrade: stop, so the old version closes its outbox before its files are replaced.
    remove) systemctl disable --now meterbox.service meterbox-update.path || true ;;
    upgrade) systemctl stop meterbox.service || true ;;
  esac
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
  if getent group meterbox >/dev/null; then delgroup --system meterbox >/dev/null 2>&1 || true; fi
  rm -rf /var/lib/meterbox-update
  if [ -d /run/systemd/system ]; then systemctl reset-failed meterbox.service meterbox-update.service 2>/dev/null || true; fi
fi
exit 0
POSTRM
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm" "$root/DEBIAN/postrm"
mkdir -p "$out"
deb="$out/meterbox_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
