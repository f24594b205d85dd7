/**
 * systemd/meterbox-receiver.service, as CI lints unit files: `systemd-analyze verify` with nothing
 * on stderr and a low `security --offline` exposure, plus what the production recipe relies on (no
 * secret on the command line, port 443 without root, V8's pkey calls allowed). Each check skips
 * with a reason where systemd-analyze is missing (CI installs systemd).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/paths.js';

const UNIT = join(PACKAGE_ROOT, 'systemd', 'meterbox-receiver.service');
const analyzer = spawnSync('sh', ['-c', 'command -v systemd-analyze']).status === 0;
const skip = analyzer ? '' : ' (skipped: systemd-analyze is not installed; apt install systemd)';

describe('systemd/meterbox-receiver.service', () => {
  it('reads the database URL from the environment file, binds 443 without root, and allows the pkey calls', () => {
    const unit = readFileSync(UNIT, 'utf8');
    for (const line of ['EnvironmentFile=/etc/meterbox-receiver/env', 'receiver --listen 0.0.0.0:443', '$MBX_RECEIVER_ARGS', 'AmbientCapabilities=CAP_NET_BIND_SERVICE', 'User=meterbox-receiver', 'SystemCallFilter=@system-service pkey_alloc pkey_free pkey_mprotect', 'Restart=on-failure']) {
      expect(unit).toContain(line);
    }
    expect(unit).not.toMatch(/ExecStart=.*--db/);
  });

  it.skipIf(!analyzer)(`passes systemd-analyze verify with nothing on stderr${skip}`, () => {
    const r = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8', cwd: join(PACKAGE_ROOT, 'systemd') });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.trim()).toBe('');
  });

  it.skipIf(!analyzer)(`is well hardened by systemd-analyze security --offline${skip}`, () => {
    const r = spawnSync('systemd-analyze', ['security', '--offline=yes', UNIT], { encoding: 'utf8' });
    const level = Number(/Overall exposure level for \S+: (\d+(?:\.\d+)?)/.exec(r.stdout)?.[1]);
    expect(level).toBeLessThanOrEqual(2.5);
  });
});
