/**
 * Debian's net-snmp `snmpd` as an independent SNMPv3 peer: a temporary config with the given users,
 * run in the foreground on one loopback address, ready once a v3 GET succeeds. Used by the v3 tests
 * and by the installed-system test (the container shares the host's network).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { SnmpClient } from '../../src/snmp/client.js';
import type { V3Credentials } from '../../src/snmp/credentials.js';

export function findSnmpd(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const d of dirs) {
    const p = join(d, 'snmpd');
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

export const SNMPD_SYS_DESCR = 'meterbox v3 test snmpd';

/** net-snmp's spelling of our protocol names in createUser. */
const AUTH: Record<string, string> = { md5: 'MD5', sha: 'SHA', sha224: 'SHA-224', sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' };
const PRIV: Record<string, string> = { des: 'DES', aes: 'AES' };

export interface RunningSnmpd {
  host: string;
  port: number;
  log(): string;
  close(): Promise<void>;
}

export async function startSnmpd(host: string, port: number, users: readonly V3Credentials[]): Promise<RunningSnmpd> {
  const binary = findSnmpd();
  if (!binary) throw new Error('snmpd is not installed (apt-get install snmpd)');
  const dir = mkdtempSync(join(tmpdir(), 'meterbox-snmpd-'));
  // createUser is read from the main config: with -C, snmpd does not load users from the persistent file
  // at start-up. The persistent dir still keeps snmpd's engineBoots etc. out of /var/lib/snmp.
  writeFileSync(
    join(dir, 'snmpd.conf'),
    [
      `agentAddress udp:${host}:${port}`,
      ...users.map((u) => `createUser ${u.user} ${AUTH[u.authProtocol ?? 'sha']} "${u.authKey}" ${PRIV[u.privProtocol ?? 'aes']} "${u.privKey}"`),
      ...users.map((u) => `rouser ${u.user} priv`),
      `sysDescr ${SNMPD_SYS_DESCR}`,
      'sysName snmpd-under-test',
      'sysLocation loopback',
      '',
    ].join('\n'),
  );
  let log = '';
  const child: ChildProcess = spawn(binary, ['-C', '-c', join(dir, 'snmpd.conf'), '-f', '-Lo'], {
    env: { ...process.env, MIBS: '', SNMP_PERSISTENT_DIR: join(dir, 'persist') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((res) => child.once('exit', () => res()));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // Ready when a v3 GET with an AES user succeeds (this process may not do DES).
  const probe = users.find((u) => u.privProtocol !== 'des') ?? users[0];
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) {
      await close();
      throw new Error(`snmpd exited with ${child.exitCode}: ${log}`);
    }
    const c = new SnmpClient({ host, port, credentials: probe as V3Credentials, timeoutMs: 200, retries: 0 });
    try {
      await c.get(['1.3.6.1.2.1.1.1.0']);
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        await close();
        throw new Error(`snmpd did not answer on ${host}:${port}: ${String(err)}\n${log}`);
      }
    } finally {
      c.close();
    }
  }
  return { host, port, log: () => log, close };
}
