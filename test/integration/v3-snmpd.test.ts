/**
 * SNMPv3 against an independent agent: Debian's net-snmp `snmpd` on 127.0.0.1 with a temporary
 * config and persistent dir. Proves our USM works beyond our own simulator, and that v3 failures
 * which a real agent reports (wrong digest, unknown user) surface as MBX_SNMP_AUTH / exit 5 at once.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMeterboxError } from '../../src/contract/errors.js';
import { SnmpClient } from '../../src/snmp/client.js';
import type { V3Credentials } from '../../src/snmp/credentials.js';
import { asText } from '../../src/snmp/values.js';
import { runCli } from '../helpers/cli.js';
import { sweep } from '../../src/discovery/sweep.js';
import { expandTargets } from '../../src/net/targets.js';
import { freeUdpPort } from '../helpers/ports.js';
import { findSnmpd, SNMPD_SYS_DESCR as SYS_DESCR, startSnmpd, type RunningSnmpd } from '../helpers/snmpd.js';
import { execStartArgv } from '../helpers/unit.js';
import { DaemonProcess, freeTcpPort, tempDir, writeConfig } from '../daemon/harness.js';

const SNMPD = findSnmpd();
const HOST = '127.0.0.1';

const SHA256: V3Credentials = { version: '3', user: 'meter256', level: 'authPriv', authProtocol: 'sha256', authKey: 'Auth-Key-256-x9', privProtocol: 'aes', privKey: 'Priv-Key-aes-q7' };
const MD5DES: V3Credentials = { version: '3', user: 'metermd5', level: 'authPriv', authProtocol: 'md5', authKey: 'Auth-Key-md5-k3', privProtocol: 'des', privKey: 'Priv-Key-des-w2' };

const cliV3 = (u: V3Credentials) => [
  '--snmp-version', '3', '--v3-user', u.user, '--v3-level', u.level,
  '--v3-auth-proto', u.authProtocol as string, '--v3-auth-key', u.authKey as string,
  '--v3-priv-proto', u.privProtocol as string, '--v3-priv-key', u.privKey as string,
];

describe.skipIf(!SNMPD)(`SNMPv3 against Debian snmpd${SNMPD ? '' : ' (skipped: snmpd is not installed; apt-get install snmpd)'}`, () => {
  let port = 0;
  let snmpd: RunningSnmpd | undefined;

  const client = (credentials: V3Credentials, over: { timeoutMs?: number; retries?: number } = {}) =>
    new SnmpClient({ host: HOST, port, credentials, timeoutMs: over.timeoutMs ?? 1000, retries: over.retries ?? 0 });

  beforeAll(async () => {
    port = await freeUdpPort(HOST);
    snmpd = await startSnmpd(HOST, port, [SHA256, MD5DES]);
  });

  afterAll(async () => {
    await snmpd?.close();
  });

  it('authPriv sha256+aes: SnmpClient reads and walks the system group', async () => {
    const c = client(SHA256);
    try {
      const got = await c.get(['1.3.6.1.2.1.1.1.0', '1.3.6.1.2.1.1.2.0', '1.3.6.1.2.1.1.5.0', '1.3.6.1.2.1.1.6.0']);
      expect(asText(got.get('1.3.6.1.2.1.1.1.0'))).toBe(SYS_DESCR);
      expect(got.get('1.3.6.1.2.1.1.2.0')).toEqual({ type: 'oid', value: expect.stringMatching(/^1\.3\.6\.1\.4\.1\.8072\./) });
      expect(asText(got.get('1.3.6.1.2.1.1.5.0'))).toBe('snmpd-under-test');
      expect(asText(got.get('1.3.6.1.2.1.1.6.0'))).toBe('loopback');
      const walked = await c.walk('1.3.6.1.2.1.1');
      expect(walked.map((v) => v.oid)).toContain('1.3.6.1.2.1.1.3.0');
      expect(walked.every((v) => v.oid.startsWith('1.3.6.1.2.1.1.'))).toBe(true);
      expect(c.stats.timeouts).toBe(0);
    } finally {
      c.close();
    }
  });

  it('meterbox read with sha256+aes gets through v3 and says snmpd is not a printer (exit 4)', async () => {
    const r = await runCli(['read', HOST, '--port', String(port), ...cliV3(SHA256), '--timeout', '1000', '--retries', '0', '--json']);
    expect(r.stderr).toContain('MBX_NOT_A_PRINTER');
    expect(r.stderr).toContain(SYS_DESCR);
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
  });

  it('meterbox read with md5+des works when Node has the OpenSSL legacy provider (exit 4)', async () => {
    const r = await runCli(['read', HOST, '--port', String(port), ...cliV3(MD5DES), '--timeout', '1000', '--retries', '0', '--json'], {
      env: { NODE_OPTIONS: '--openssl-legacy-provider' },
    });
    expect(r.stderr).toContain(SYS_DESCR);
    expect(r.code).toBe(4);
  });

  it('a wrong auth key is MBX_SNMP_AUTH from the agent\'s report, without waiting for a timeout', async () => {
    const c = client({ ...SHA256, authKey: 'Wrong-Auth-Key-1' }, { timeoutMs: 2000, retries: 1 });
    const err = await c.get(['1.3.6.1.2.1.1.1.0']).catch((e: unknown) => e);
    c.close();
    expect(isMeterboxError(err, 'MBX_SNMP_AUTH')).toBe(true);
    expect(c.stats.timeouts).toBe(0);
  });

  it('meterbox read with a wrong auth key exits 5', async () => {
    const r = await runCli(['read', HOST, '--port', String(port), ...cliV3({ ...SHA256, authKey: 'Wrong-Auth-Key-1' }), '--timeout', '2000', '--retries', '1', '--json']);
    expect(r.code).toBe(5);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('MBX_SNMP_AUTH');
    expect(r.stderr).not.toContain('Wrong-Auth-Key-1');
  });

  it('an unknown user is MBX_SNMP_AUTH', async () => {
    const c = client({ ...SHA256, user: 'nobody-here' }, { timeoutMs: 2000, retries: 1 });
    const err = await c.get(['1.3.6.1.2.1.1.1.0']).catch((e: unknown) => e);
    c.close();
    expect(isMeterboxError(err, 'MBX_SNMP_AUTH')).toBe(true);
    expect(c.stats.timeouts).toBe(0);
  });

  it('a wrong privacy key gets no answer from snmpd: MBX_SNMP_TIMEOUT naming the v3 credentials', async () => {
    const c = client({ ...SHA256, privKey: 'Wrong-Priv-Key-1' }, { timeoutMs: 300, retries: 0 });
    const err = await c.get(['1.3.6.1.2.1.1.1.0']).catch((e: unknown) => e);
    c.close();
    expect(isMeterboxError(err, 'MBX_SNMP_TIMEOUT')).toBe(true);
    expect((err as Error).message).toContain('v3 credentials');
  });

  it('discovery: a wrong v3 key fails that credential at once and the next one is used; alone it fails fast without hanging the sweep', async () => {
    const targets = await expandTargets([{ target: HOST }]);
    const wrong = { name: 'v3-wrong', credentials: { ...SHA256, authKey: 'Wrong-Auth-Key-1' } };
    const right = { name: 'v3-right', credentials: SHA256 };
    const both = await sweep({ targets, credentials: [wrong, right], port, timeoutMs: 2000, retries: 1, ratePerSecond: 0 });
    expect(both.others).toEqual([expect.objectContaining({ host: HOST, kind: 'not-a-printer', credential: 'v3-right' })]);

    const alone = await sweep({ targets, credentials: [wrong], port, timeoutMs: 2000, retries: 1, ratePerSecond: 0 });
    expect(alone.others).toEqual([expect.objectContaining({ host: HOST, kind: 'failed', error: expect.objectContaining({ code: 'MBX_SNMP_AUTH' }) })]);
    expect(JSON.stringify(alone)).not.toContain('Wrong-Auth-Key-1');
  });

  it('meterbox run started as the unit starts it (its ExecStart) reads an SNMPv3 md5+des agent', async () => {
    // Without the unit's --openssl-legacy-provider the daemon could not encrypt DES: snmpd would count as
    // answered-but-failed. With it, the probe gets through and snmpd is seen for what it is: not a printer.
    const dir = tempDir();
    const config = join(dir, 'config.json');
    writeConfig(config, {
      agentId: 'des-box',
      provider: { url: `https://127.0.0.1:${await freeTcpPort()}`, token: 'tok-des-7a1c9e' },
      credentials: [{ name: 'des', version: '3', user: MD5DES.user, authProtocol: 'md5', authKey: MD5DES.authKey, privProtocol: 'des', privKey: MD5DES.privKey }],
      targets: [HOST],
      snmp: { port, timeoutMs: 1000, retries: 0 },
      schedules: { discovery: '0 0 1 1 *', poll: '0 0 1 1 *', upload: '0 0 1 1 *', heartbeat: '0 0 1 1 *', retention: '0 0 1 1 *' },
      storage: { path: join(dir, 'outbox.db') },
      health: { port: 0 },
    });
    const daemon = new DaemonProcess(config, {}, execStartArgv(config));
    try {
      // The start-up discovery waits a random part of min(30 s, the jitter) (production jitter, 120 s here): up to
      // 30 s before the sweep, so a 20 s bound failed about one run in three. A generous bound, not a speed check.
      const done = await daemon.waitForLog((l) => l.component === 'job.discovery' && l.msg === 'job done', 60_000, 'discovery');
      expect(done).toMatchObject({ addresses: 1, answered: 1, printers: 0, nonPrinters: 1, credentialsRefused: 0 });
      const hb = daemon.lines().find((l) => l.msg === 'meterbox starting');
      expect(hb?.des).toBe(true);
    } finally {
      daemon.kill();
    }
  }, 90_000);
});
