/**
 * `meterbox read` end to end: the built CLI as a subprocess against simulated printers (real UDP
 * agents) on this file's own loopback block. Exit codes are the contract in src/cli/exit-codes.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROFILES } from '../../src/profiles/index.js';
import { readingFromRecording } from '../../src/reading/build.js';
import { loadSnmprecFile, loopbackAddress, startFleet, type DeviceSpec, type Fleet, type FleetDevice } from '../../src/simulator/fleet.js';
import { parseSnmprec } from '../../src/snmp/snmprec.js';
import type { V3Credentials } from '../../src/snmp/credentials.js';
import type { Reading } from '../../src/contract/reading.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { fixturePath } from '../helpers/fixtures.js';
import { loopbackEndpoint } from '../helpers/net.js';
import { seeded } from '../helpers/random.js';

const COMMUNITY = 'c0mm-S3cret-7f2a';
const USERS: V3Credentials[] = [
  { version: '3', user: 'meter256', level: 'authPriv', authProtocol: 'sha256', authKey: 'Auth-Key-256-x9', privProtocol: 'aes', privKey: 'Priv-Key-aes-q7' },
  { version: '3', user: 'metermd5', level: 'authPriv', authProtocol: 'md5', authKey: 'Auth-Key-md5-k3', privProtocol: 'des', privKey: 'Priv-Key-des-w2' },
  { version: '3', user: 'meter512', level: 'authPriv', authProtocol: 'sha512', authKey: 'Auth-Key-512-z8', privProtocol: 'aes256b', privKey: 'Priv-Key-256b-m4' },
];
const SECRETS = [COMMUNITY, ...USERS.flatMap((u) => [u.authKey as string, u.privKey as string])];

const SWITCH = parseSnmprec(
  [
    '1.3.6.1.2.1.1.1.0|4|Cisco IOS Software, C2960 Software (C2960-LANBASEK9-M), Version 15.0(2)SE11',
    '1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.9.1.1208',
    '1.3.6.1.2.1.1.3.0|67|99887766',
    '1.3.6.1.2.1.1.4.0|4|netops@example.test',
    '1.3.6.1.2.1.1.5.0|4|sw-floor2',
    '1.3.6.1.2.1.1.6.0|4|Floor 2 IDF',
  ].join('\n'),
).varbinds;

const generic = loadSnmprecFile(fixturePath('generic-color-laser'));
const SPECS: DeviceSpec[] = [
  { name: 'generic', varbinds: generic },
  { name: 'switch', varbinds: SWITCH },
  { name: 'bulk-silent', varbinds: generic, faults: { bulk: 'silent' } },
  { name: 'bulk-generr', varbinds: generic, faults: { bulk: 'genErr' } },
  { name: 'bulk-out-of-order', varbinds: generic, faults: { bulk: 'out-of-order' } },
  { name: 'too-big', varbinds: generic, faults: { maxGetOids: 5 } },
  { name: 'malformed', varbinds: generic, faults: { malformed: true } },
  { name: 'lossy', varbinds: generic, faults: { latencyMs: 15, dropRate: 0.3, random: seeded(20240611) } },
];

let fleet: Fleet;
let silentHost: string;
const dev = (name: string): FleetDevice => {
  const d = fleet.devices.find((x) => x.name === name);
  if (!d) throw new Error(`no device ${name}`);
  return d;
};

function expectedReading(host: string): Omit<Reading, 'id' | 'readAt'> {
  const { id: _id, readAt: _readAt, ...rest } = readingFromRecording(new Map(generic.map((vb) => [vb.oid, vb.value])), PROFILES, host);
  return rest;
}

function parseOne(r: CliResult): Reading {
  const parsed = JSON.parse(r.stdout) as Reading;
  expect(Array.isArray(parsed)).toBe(false);
  expect(typeof parsed.id).toBe('string');
  return parsed;
}

function noSecrets(r: CliResult): void {
  for (const s of SECRETS) {
    expect(r.stdout).not.toContain(s);
    expect(r.stderr).not.toContain(s);
  }
}

const read = (d: { host: string; port: number }, ...extra: string[]) =>
  // The agents answer from this process: a timeout that a busy machine cannot outlast by accident.
  runCli(['read', d.host, '--port', String(d.port), '--timeout', '1500', '--retries', '0', ...extra]);

const v3Args = (u: V3Credentials) => [
  '--snmp-version', '3', '--v3-user', u.user, '--v3-level', u.level,
  '--v3-auth-proto', u.authProtocol as string, '--v3-auth-key', u.authKey as string,
  '--v3-priv-proto', u.privProtocol as string, '--v3-priv-key', u.privKey as string,
];

describe('meterbox read (CLI subprocess)', () => {
  beforeAll(async () => {
    const { first, port } = await loopbackEndpoint();
    fleet = await startFleet(SPECS, { auth: { communities: [COMMUNITY], users: USERS }, firstAddress: first, port });
    // An address in this file's block where nothing listens.
    silentHost = loopbackAddress(first, 200);
  });
  afterAll(async () => {
    await fleet?.close();
  });

  it('v2c --json: exit 0, exactly one Reading with the fixture counters, serial and supplies, no secrets', async () => {
    const d = dev('generic');
    const r = await read(d, '--community', COMMUNITY, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const reading = parseOne(r);
    expect(reading.counters).toEqual({ total: 48213 });
    expect(reading.device.serial).toBe('GCL4100-000123');
    expect(reading.device.host).toBe(d.host);
    expect(reading.supplies.map((s) => [s.description, s.level])).toEqual([
      ['Black Toner Cartridge', 62],
      ['Cyan Toner Cartridge', 8],
      ['Magenta Toner Cartridge', 45],
      ['Yellow Toner Cartridge', -3],
      ['Waste Toner Box', -3],
    ]);
    const { id: _id, readAt, ...rest } = reading;
    expect(Number.isNaN(Date.parse(readAt))).toBe(false);
    expect(rest).toEqual(expectedReading(d.host));
    noSecrets(r);
  });

  it.each(USERS.filter((u) => u.privProtocol !== 'des').map((u) => [`${u.authProtocol}+${u.privProtocol}`, u] as const))('v3 authPriv %s: exit 0, same Reading, no keys in the output', async (_label, u) => {
    const d = dev('generic');
    const r = await read(d, ...v3Args(u), '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { id: _id, readAt: _readAt, ...rest } = parseOne(r);
    expect(rest).toEqual(expectedReading(d.host));
    noSecrets(r);
  });

  it('v3 md5+des: run without the OpenSSL legacy provider (bare `node main.js`), DES is refused with a clear usage error (exit 2)', async () => {
    // Node 20's OpenSSL 3 has no DES unless started with --openssl-legacy-provider; the agent here (this test
    // process) has none either, so the positive md5+des read runs against snmpd in v3-snmpd.test.ts.
    const u = USERS.find((x) => x.privProtocol === 'des') as V3Credentials;
    const d = dev('generic');
    const r = await runCli(['read', d.host, '--port', String(d.port), ...v3Args(u), '--timeout', '1000', '--retries', '0', '--json'], { nodeFlags: [] });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('MBX_USAGE');
    expect(r.stderr).toContain('--openssl-legacy-provider');
    noSecrets(r);
  });

  it('human mode prints the serial, the counter table with units and the supplies', async () => {
    const r = await read(dev('generic'), '--community', COMMUNITY);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/serial\s+GCL4100-000123/);
    expect(r.stdout).toContain('Counters');
    expect(r.stdout).toMatch(/total\s*│?\s*48,213\s*│?\s*impressions/);
    expect(r.stdout).toContain('Supplies');
    for (const s of ['Black Toner Cartridge', 'Cyan Toner Cartridge', 'Waste Toner Box']) expect(r.stdout).toContain(s);
    expect(r.stdout).toMatch(/\d+ SNMP requests in \d+ ms/);
    noSecrets(r);
  });

  it('v1 reads the same Reading with GETNEXT walks', async () => {
    const d = dev('generic');
    const r = await read(d, '--snmp-version', '1', '--community', COMMUNITY, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { id: _id, readAt: _readAt, ...rest } = parseOne(r);
    expect(rest).toEqual(expectedReading(d.host));
  });

  it('nothing listening: exit 3, the host is named', async () => {
    const r = await runCli(['read', silentHost, '--port', String(fleet.port), '--timeout', '300', '--retries', '0', '--json']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(silentHost);
    expect(r.stderr).toContain('MBX_SNMP_TIMEOUT');
  });

  it('wrong community: the agent stays silent, exit 3 with a hint at the community', async () => {
    const d = dev('generic');
    const r = await runCli(['read', d.host, '--port', String(d.port), '--community', 'not-the-right-one', '--timeout', '300', '--retries', '0', '--json']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(d.host);
    expect(r.stderr).toMatch(/community/i);
  });

  it('an agent that is not a printer: exit 4', async () => {
    const r = await read(dev('switch'), '--community', COMMUNITY, '--json');
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('MBX_NOT_A_PRINTER');
    expect(r.stderr).toContain('Cisco IOS');
  });

  it.each([
    ['--snmp-version 4', ['--snmp-version', '4'], '--snmp-version'],
    ['--timeout abc', ['--timeout', 'abc'], '--timeout'],
    ['--port 0', ['--port', '0'], '--port'],
    ['v3 authPriv without a privacy key', ['--v3-user', 'meter256', '--v3-level', 'authPriv', '--v3-auth-key', 'Auth-Key-256-x9'], '--v3-priv-key'],
    ['v3 auth key shorter than 8', ['--v3-user', 'meter256', '--v3-level', 'authNoPriv', '--v3-auth-key', 'short'], 'auth key'],
  ])('bad usage (%s): exit 2 naming the field', async (_label, args, field) => {
    const r = await runCli(['read', '127.0.0.1', ...args, '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(field);
  });

  describe('device faults', () => {
    it.each(['bulk-silent', 'bulk-generr', 'bulk-out-of-order'])('%s: GETBULK is abandoned for GETNEXT and the read is complete', async (name) => {
      const d = dev(name);
      const json = await read(d, '--community', COMMUNITY, '--json');
      expect(json.code).toBe(0);
      const { id: _id, readAt: _readAt, ...rest } = parseOne(json);
      expect(rest).toEqual(expectedReading(d.host));
      const human = await read(d, '--community', COMMUNITY);
      expect(human.code).toBe(0);
      expect(human.stdout).toContain('GETBULK broken, walked with GETNEXT');
    });

    it('tooBig on GETs with more than 5 OIDs: split GETs, complete read', async () => {
      const d = dev('too-big');
      const before = d.agent.requests;
      const r = await read(d, '--community', COMMUNITY, '--json');
      expect(r.code).toBe(0);
      const { id: _id, readAt: _readAt, ...rest } = parseOne(r);
      expect(rest).toEqual(expectedReading(d.host));
      // The probe alone (6 OIDs) had to be split at least once.
      expect(d.agent.requests - before).toBeGreaterThan(3);
    });

    it('replies that are not SNMP: MBX_SNMP_MALFORMED, exit 1', async () => {
      const d = dev('malformed');
      const before = d.agent.requests;
      const r = await runCli(['read', d.host, '--port', String(d.port), '--community', COMMUNITY, '--timeout', '1500', '--retries', '0', '--json']);
      expect(r.stderr).toContain('MBX_SNMP_MALFORMED');
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      // It gives up at once rather than splitting the probe OID by OID.
      expect(d.agent.requests - before).toBe(1);
    });

    it('latency and 30% loss: retries 3 still read everything', async () => {
      const d = dev('lossy');
      const before = d.agent.requests;
      const r = await runCli(['read', d.host, '--port', String(d.port), '--community', COMMUNITY, '--timeout', '800', '--retries', '3']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/serial\s+GCL4100-000123/);
      const logical = Number(/(\d+) SNMP requests/.exec(r.stdout)?.[1]);
      // Some requests were dropped and retransmitted: the agent saw more datagrams than the client's requests.
      expect(d.agent.requests - before).toBeGreaterThan(logical);
    });
  });
});
