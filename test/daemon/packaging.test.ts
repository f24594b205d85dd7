/**
 * The unit file and the .deb, as CI checks them: `systemd-analyze verify` with nothing on stderr,
 * `systemd-analyze security --offline` exposure, the unit's settings that must match the code (Node
 * flags, the config exit code, the credential store), and the package's contents, modes, size,
 * control fields and maintainer scripts (dpkg-deb -c / -I). Booting the package is
 * test/system/installed.test.ts. Each part skips with a reason when its tool is missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { NODE_ENVIRONMENT, NODE_FLAGS } from '../../src/node-flags.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { CREDENTIAL_STORE, RemoteSchema } from '../../src/config/schema.js';
import { UNIT_FILE, unitDirectives } from '../helpers/unit.js';

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const UNIT = UNIT_FILE;

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

  it('starts Node as the CLI does, does not restart on an invalid config, lets V8 start, and loads the credential store', () => {
    const d = unitDirectives();
    const exec = (d.get('ExecStart')?.[0] ?? '').split(/\s+/);
    expect(exec.slice(0, 1 + NODE_FLAGS.length)).toEqual(['/usr/bin/node', ...NODE_FLAGS]);
    expect(exec.slice(1 + NODE_FLAGS.length)).toEqual(['/opt/meterbox/dist/cli/main.js', 'run', '--config', '/etc/meterbox/config.json']);
    // The unit's environment has NODE_ENVIRONMENT, and the shebang of the installed command carries the same environment and flags.
    const environment = Object.entries(NODE_ENVIRONMENT).map(([k, v]) => `${k}=${v}`);
    for (const setting of environment) expect(d.get('Environment')).toContain(setting);
    expect(readFileSync(join(PACKAGE_ROOT, 'src', 'cli', 'main.ts'), 'utf8').split('\n')[0]).toBe(`#!/usr/bin/env -S ${[...environment, 'node', ...NODE_FLAGS].join(' ')}`);
    expect(d.get('RestartPreventExitStatus')).toEqual([String(EXIT.config)]);
    expect(d.get('SystemCallFilter')).toEqual(['@system-service', 'pkey_alloc pkey_free pkey_mprotect']);
    expect(d.get('LoadCredential')).toEqual([`meterbox:${CREDENTIAL_STORE}`]);
    expect(d.get('EnvironmentFile')).toEqual(['-/etc/meterbox/environment']);
  });

  it.skipIf(!has('systemd-analyze'))('passes systemd-analyze verify with nothing on stderr', () => {
    const r = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8', cwd: join(PACKAGE_ROOT, 'systemd') });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it.skipIf(!has('systemd-analyze'))('the self-update units (meterbox-update.path and .service) pass systemd-analyze verify with nothing on stderr', () => {
    const dir = join(PACKAGE_ROOT, 'systemd');
    const r = spawnSync('systemd-analyze', ['verify', join(dir, 'meterbox-update.path'), join(dir, 'meterbox-update.service')], { encoding: 'utf8', cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // The path the .path unit watches is the spool the daemon writes by default.
    expect(readFileSync(join(dir, 'meterbox-update.path'), 'utf8')).toContain(`PathExists=${RemoteSchema.parse({}).update.spoolDir}/request`);
  });

  it.skipIf(!has('systemd-analyze'))('is well hardened by systemd-analyze security --offline', () => {
    const r = spawnSync('systemd-analyze', ['security', '--offline=yes', UNIT], { encoding: 'utf8' });
    if (/unrecognized option|Unknown command/i.test(r.stderr)) return; // older systemd without --offline
    const m = /Overall exposure level for meterbox\.service: ([\d.]+)/.exec(r.stdout);
    expect(m, r.stdout.slice(-500) + r.stderr).not.toBeNull();
    expect(Number(m?.[1])).toBeLessThanOrEqual(2.0);
  });
});

describe('npm run package:deb', () => {
  it.skipIf(!has('dpkg-deb'))('builds a .deb of runtime files only (≤ 20 MB installed), 0755 directories, and maintainer scripts that start only a real config', () => {
    const out = mkdtempSync(join(tmpdir(), 'mbx-deb-'));
    const deb = execFileSync('bash', [join(PACKAGE_ROOT, 'scripts', 'package-deb.sh')], { cwd: PACKAGE_ROOT, env: { ...process.env, OUT_DIR: out }, encoding: 'utf8' }).trim().split('\n').at(-1) as string;
    const info = execFileSync('dpkg-deb', ['-I', deb], { encoding: 'utf8' });
    expect(info).toMatch(/Package: meterbox/);
    expect(info).toMatch(/Depends: .*nodejs \(>= 20\)/);
    // ExecReload runs /bin/kill, which is procps' (a minimal Debian has none).
    expect(info).toMatch(/Depends: .*\bprocps\b/);
    const installedKb = Number(/Installed-Size: (\d+)/.exec(info)?.[1]);
    console.log(`package:deb: ${deb}: ${statSync(deb).size} bytes, Installed-Size ${installedKb} KiB`);
    expect(installedKb).toBeGreaterThan(1000);
    expect(installedKb).toBeLessThanOrEqual(20_000);
    const contents = execFileSync('dpkg-deb', ['-c', deb], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const files = contents.split('\n').filter((l) => l.trim());
    // --root-owner-group: everything is root:root in the archive.
    expect(files.filter((l) => !/ root\/root /.test(l))).toEqual([]);
    // Every directory 0755, the archive's own ./ included (dpkg applies it to /).
    expect(files.filter((l) => l.startsWith('d') && !l.startsWith('drwxr-xr-x'))).toEqual([]);
    expect(files.some((l) => /^drwxr-xr-x .* \.\/$/.test(l))).toBe(true);
    for (const p of ['./opt/meterbox/dist/cli/main.js', './lib/systemd/system/meterbox.service', './lib/systemd/system/meterbox-update.path', './lib/systemd/system/meterbox-update.service', './etc/meterbox/config.json', './opt/meterbox/config/meterbox.schema.json', './opt/meterbox/node_modules/better-sqlite3/build/Release/better_sqlite3.node', './opt/meterbox/node_modules/better-sqlite3/lib/index.js', './usr/bin/meterbox -> /opt/meterbox/dist/cli/main.js']) {
      expect(files.some((l) => l.includes(p)), p).toBe(true);
    }
    // No build intermediates, sources, dev packages or caches.
    for (const bad of [/node_modules\/vitest\//, /better-sqlite3\/(deps|src)\//, /better-sqlite3\/build\/Release\/(obj|.*\.a$)/, /\.d\.ts$/, /\.map$/, /sqlite3\.c$/, /\.o$/, /\/\.cache\//]) {
      expect(files.filter((l) => bad.test(l)), String(bad)).toEqual([]);
    }
    const root = mkdtempSync(join(tmpdir(), 'mbx-deb-root-'));
    execFileSync('dpkg-deb', ['-x', deb, root]);
    // The installed example's "$schema" points at a file the package installs.
    const schema = /"\$schema": "file:\/\/([^"]+)"/.exec(readFileSync(join(root, 'etc', 'meterbox', 'config.json'), 'utf8'))?.[1];
    expect(schema).toBe('/opt/meterbox/config/meterbox.schema.json');
    expect(existsSync(join(root, schema as string))).toBe(true);
    const ctl = mkdtempSync(join(tmpdir(), 'mbx-deb-ctl-'));
    execFileSync('dpkg-deb', ['-e', deb, ctl]);
    const postinst = readFileSync(join(ctl, 'postinst'), 'utf8');
    expect(postinst).toMatch(/adduser --system --group .*meterbox/);
    expect(postinst).toMatch(/systemctl enable meterbox\.service/);
    expect(postinst).toMatch(/install -d -m 0700 -o root -g root \/etc\/meterbox\/credentials/);
    expect(postinst).toMatch(/meterbox config check "\$conf"[\s\S]*is a placeholder[\s\S]*systemctl restart/);
    expect(readFileSync(join(ctl, 'prerm'), 'utf8')).toMatch(/upgrade\) systemctl stop meterbox\.service/);
    expect(readFileSync(join(ctl, 'postrm'), 'utf8')).toMatch(/purge[\s\S]*rm -rf \/var\/lib\/meterbox \/etc\/meterbox/);
    expect(readFileSync(join(ctl, 'conffiles'), 'utf8').trim()).toBe('/etc/meterbox/config.json');
    for (const s of ['postinst', 'prerm', 'postrm']) expect(spawnSync('sh', ['-n', join(ctl, s)]).status, s).toBe(0);
    for (const d of [out, root, ctl]) rmSync(d, { recursive: true, force: true });
  }, 180_000);

  it('install.sh and uninstall.sh are valid shell and keep or purge the data as documented', () => {
    for (const s of ['install.sh', 'uninstall.sh', 'package-deb.sh']) expect(spawnSync('bash', ['-n', join(PACKAGE_ROOT, 'scripts', s)]).status, s).toBe(0);
    const un = readFileSync(join(PACKAGE_ROOT, 'scripts', 'uninstall.sh'), 'utf8');
    expect(un).toMatch(/--purge/);
    expect(readFileSync(join(PACKAGE_ROOT, 'scripts', 'install.sh'), 'utf8')).toMatch(/keeping the existing/);
  });
});
