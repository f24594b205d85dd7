/**
 * The unit file and the .deb, as CI checks them: `systemd-analyze verify` with nothing on stderr,
 * `systemd-analyze security --offline` exposure, and the package's contents, control fields and
 * maintainer scripts (dpkg-deb -c / -I). Each part skips with a reason when its tool is missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/paths.js';

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const UNIT = join(PACKAGE_ROOT, 'systemd', 'meterbox.service');

describe('systemd/meterbox.service', () => {
  it('has what the issue lists', () => {
    const unit = readFileSync(UNIT, 'utf8');
    for (const line of [
      'Type=notify',
      'WatchdogSec=',
      'Restart=on-failure',
      'User=meterbox',
      'StateDirectory=meterbox',
      'ConfigurationDirectory=meterbox',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'ProtectHome=yes',
      'PrivateTmp=yes',
      'PrivateDevices=yes',
      'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX',
      'CapabilityBoundingSet=\n',
      'SystemCallFilter=@system-service',
      'MemoryMax=',
      'ExecReload=/bin/kill -HUP $MAINPID',
      'NotifyAccess=all',
    ]) expect(unit).toContain(line);
  });

  it.skipIf(!has('systemd-analyze'))('passes systemd-analyze verify with nothing on stderr', () => {
    const r = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8', cwd: join(PACKAGE_ROOT, 'systemd') });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it.skipIf(!has('systemd-analyze'))('is well hardened by systemd-analyze security --offline', () => {
    const r = spawnSync('systemd-analyze', ['security', '--offline=yes', UNIT], { encoding: 'utf8' });
    if (/unrecognized option|Unknown command/i.test(r.stderr)) return; // older systemd without --offline
    const m = /Overall exposure level for meterbox\.service: ([\d.]+)/.exec(r.stdout);
    expect(m, r.stdout.slice(-500) + r.stderr).not.toBeNull();
    expect(Number(m?.[1])).toBeLessThan(3);
  });
});

describe('npm run package:deb', () => {
  it.skipIf(!has('dpkg-deb'))('builds a .deb with the build, the unit, the config and maintainer scripts that create the user and enable the service', () => {
    const out = mkdtempSync(join(tmpdir(), 'mbx-deb-'));
    const deb = execFileSync('bash', [join(PACKAGE_ROOT, 'scripts', 'package-deb.sh')], { cwd: PACKAGE_ROOT, env: { ...process.env, OUT_DIR: out }, encoding: 'utf8' }).trim().split('\n').at(-1) as string;
    const info = execFileSync('dpkg-deb', ['-I', deb], { encoding: 'utf8' });
    expect(info).toMatch(/Package: meterbox/);
    expect(info).toMatch(/Depends: .*nodejs \(>= 20\)/);
    const contents = execFileSync('dpkg-deb', ['-c', deb], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const files = contents.split('\n');
    // --root-owner-group: everything is root:root in the archive.
    expect(files.filter((l) => l.trim() && !/ root\/root /.test(l))).toEqual([]);
    for (const p of ['./opt/meterbox/dist/cli/main.js', './lib/systemd/system/meterbox.service', './etc/meterbox/config.json', './opt/meterbox/config/meterbox.schema.json', './opt/meterbox/node_modules/better-sqlite3/', './usr/bin/meterbox -> /opt/meterbox/dist/cli/main.js']) {
      expect(files.some((l) => l.includes(p)), p).toBe(true);
    }
    expect(files.some((l) => l.includes('node_modules/vitest/'))).toBe(false);
    const ctl = mkdtempSync(join(tmpdir(), 'mbx-deb-ctl-'));
    execFileSync('dpkg-deb', ['-e', deb, ctl]);
    const postinst = readFileSync(join(ctl, 'postinst'), 'utf8');
    expect(postinst).toMatch(/adduser --system --group .*meterbox/);
    expect(postinst).toMatch(/systemctl enable meterbox\.service/);
    expect(readFileSync(join(ctl, 'postrm'), 'utf8')).toMatch(/purge[\s\S]*rm -rf \/var\/lib\/meterbox/);
    expect(readFileSync(join(ctl, 'conffiles'), 'utf8').trim()).toBe('/etc/meterbox/config.json');
    for (const s of ['postinst', 'prerm', 'postrm']) expect(spawnSync('sh', ['-n', join(ctl, s)]).status, s).toBe(0);
  }, 120_000);

  it('install.sh and uninstall.sh are valid shell and keep or purge the data as documented', () => {
    for (const s of ['install.sh', 'uninstall.sh', 'package-deb.sh']) expect(spawnSync('bash', ['-n', join(PACKAGE_ROOT, 'scripts', s)]).status, s).toBe(0);
    const un = readFileSync(join(PACKAGE_ROOT, 'scripts', 'uninstall.sh'), 'utf8');
    expect(un).toMatch(/--purge/);
    expect(readFileSync(join(PACKAGE_ROOT, 'scripts', 'install.sh'), 'utf8')).toMatch(/keeping the existing/);
  });
});
