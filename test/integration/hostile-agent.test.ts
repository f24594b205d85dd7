/**
 * A hostile agent on real UDP: negative, huge, string and placeholder counters, a walk that goes
 * back on itself, control characters (C0 and C1) and a 60 KB sysDescr. meterbox must never crash,
 * never emit a Reading that docs/provider-api.yaml refuses, and turn every problem into an event
 * (store), a heartbeat count and a line in `meterbox read`.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HR, PRT, SYS } from '../../src/profiles/standard-mib.js';
import type { Profile } from '../../src/profiles/types.js';
import { readDevice } from '../../src/reader/read-device.js';
import { apiValidators } from '../../src/receiver/schema.js';
import { Outbox } from '../../src/store/outbox.js';
import { readStatus } from '../../src/store/status.js';
import { buildHeartbeatBody } from '../../src/upload/heartbeat.js';
import { runCli } from '../helpers/cli.js';
import { startHostileAgent, type HostileAgent, type HostileValue } from '../helpers/hostile-agent.js';
import { loopbackEndpoint } from '../helpers/net.js';
import { silent, tempDir } from '../store/helpers.js';

const ENT = '1.3.6.1.4.1.99998';
const text = (s: string | Buffer): HostileValue => ({ type: 'octets', value: Buffer.isBuffer(s) ? s : Buffer.from(s, 'latin1') });
const int = (value: number): HostileValue => ({ type: 'integer', value });
const c32 = (value: number): HostileValue => ({ type: 'counter32', value });
const SUPPLY_DESCR = `${PRT.suppliesEntry}.6.1`;
/** ESC [2J (clear screen), a C1 CSI (0x9B) and NUL, as a broken or malicious firmware might send. */
const CONTROLS = Buffer.from([0x1b, 0x5b, 0x32, 0x4a, 0x9b, 0x00]);

/** A test profile reading five counters at OIDs the hostile agent fills with bad values (and one good). */
const HOSTILE_PROFILE: Profile = {
  id: 'hostile-test',
  version: 1,
  vendor: 'Hostile',
  match: { sysObjectID: [ENT] },
  fixtures: [],
  counters: {
    mono: [{ oid: `${ENT}.1.1.0` }],
    color: [{ oid: `${ENT}.1.2.0` }],
    copy: [{ oid: `${ENT}.1.3.0` }],
    scan: [{ oid: `${ENT}.1.4.0` }],
  },
};

function hostileMib(objectID: string, lifeCount: HostileValue): Map<string, HostileValue> {
  return new Map<string, HostileValue>([
    [SYS.descr, text(Buffer.concat([Buffer.from('Hostile Jet 9000 '), CONTROLS, Buffer.alloc(60_000, 0x41)]))],
    [SYS.objectID, { type: 'oid', value: objectID }],
    [SYS.name, text(Buffer.concat([Buffer.from('jet'), CONTROLS, Buffer.from([0x85, 0x9f]), Buffer.from('-3f')]))],
    [SYS.location, text('x'.repeat(3000))],
    [`${HR.deviceType}.1`, { type: 'oid', value: HR.typePrinter }],
    [`${PRT.generalSerialNumber}.1`, text(Buffer.concat([Buffer.from('HX'), CONTROLS, Buffer.from('-0042')]))],
    [`${PRT.markerCounterUnit}.1.1`, int(7)],
    [`${PRT.markerLifeCount}.1.1`, lifeCount],
    [`${ENT}.1.1.0`, { type: 'counter64', value: 2n ** 64n - 1n }],
    [`${ENT}.1.2.0`, text('lots')],
    [`${ENT}.1.3.0`, c32(2 ** 32 - 1)],
    [`${ENT}.1.4.0`, c32(42)],
    [`${SUPPLY_DESCR}.1`, text(Buffer.concat([Buffer.from('Toner '), CONTROLS, Buffer.alloc(20_000, 0x42)]))],
    [`${SUPPLY_DESCR}.2`, text('Drum')],
    [`${PRT.suppliesEntry}.9.1.1`, int(40)],
    [`${PRT.suppliesEntry}.9.1.2`, int(50)],
    [`${PRT.suppliesEntry}.8.1.1`, int(100)],
    [`${PRT.suppliesEntry}.8.1.2`, int(100)],
  ]);
}

/** After the first supply description the agent answers the same OID again: a walk that goes in a circle. */
const LOOP = new Map([[`${SUPPLY_DESCR}.1`, `${SUPPLY_DESCR}.1`]]);

let tmp: ReturnType<typeof tempDir>;
let vendor: HostileAgent;
let standard: HostileAgent;

beforeAll(async () => {
  tmp = tempDir('mbx-hostile-');
  const a = await loopbackEndpoint();
  vendor = await startHostileAgent(a.first, a.port, hostileMib(`${ENT}.2.1`, int(-5)), LOOP);
  const b = await loopbackEndpoint();
  // Matches no vendor profile: the standard Printer-MIB path, whose only counter is a word.
  standard = await startHostileAgent(b.first, b.port, hostileMib('1.3.6.1.4.1.99997.1', text('N/A')), LOOP);
});
afterAll(async () => {
  await vendor?.close();
  await standard?.close();
  tmp?.cleanup();
});

const target = (a: HostileAgent) => ({ host: a.host, port: a.port, credentials: { version: '2c' as const, community: 'public' }, timeoutMs: 1500, retries: 1 });

describe('a hostile agent', () => {
  it('yields a valid Reading with the good counter, and a problem for each bad thing', async () => {
    const { reading, problems } = await readDevice(target(vendor), { profiles: [HOSTILE_PROFILE] });
    expect(apiValidators().check('Reading', reading)).toEqual([]);
    expect(reading.counters).toEqual({ scan: 42 });
    const invalid = problems.filter((p) => p.kind === 'counter.invalid').map((p) => [p.counter, p.reason, p.raw, p.oid]);
    expect(invalid).toEqual(
      expect.arrayContaining([
        ['total', 'negative', '-5', `${PRT.markerLifeCount}.1.1`],
        ['mono', 'too large', String(2n ** 64n - 1n), `${ENT}.1.1.0`],
        ['color', 'not a number', 'lots', `${ENT}.1.2.0`],
        ['copy', 'placeholder', '4294967295', `${ENT}.1.3.0`],
      ]),
    );
    for (const p of problems.filter((x) => x.kind === 'counter.invalid')) expect(p).toMatchObject({ host: vendor.host, profile: 'hostile-test@1' });
    expect(problems).toContainEqual(expect.objectContaining({ kind: 'snmp.walk-broken', host: vendor.host, oid: `${SUPPLY_DESCR}.1` }));
    expect(problems).toContainEqual(expect.objectContaining({ kind: 'reading.truncated', field: 'device.sysDescr', max: 512 }));
    // Strings: no control character anywhere, every field within its limit.
    const json = JSON.stringify(reading);
    // eslint-disable-next-line no-control-regex
    expect(json).not.toMatch(/[\u0000-\u001f\u007f-\u009f]|\\u00[01][0-9a-f]|\\u009[0-9a-f]/i);
    expect(reading.device.sysDescr?.length).toBe(512);
    expect(reading.device.sysName).toBe('jet [2J -3f'); // ESC, CSI and NUL gone: harmless text remains
    // Every row of the other columns, although the agent answers GETBULK with fewer varbinds than asked.
    expect(reading.supplies.map((s) => s.level)).toEqual([40, 50]);
    expect(json.length).toBeLessThan(10_000);
  });

  it('no counter at all on the standard path: reading.no-counters, and the Reading still goes out', async () => {
    const { reading, problems } = await readDevice(target(standard));
    expect(apiValidators().check('Reading', reading)).toEqual([]);
    expect(reading.counters).toEqual({});
    expect(problems.map((p) => p.kind)).toEqual(expect.arrayContaining(['counter.invalid', 'reading.no-counters', 'snmp.walk-broken', 'reading.truncated']));
  });

  it('stores the problems as events once per device (not on every poll), counts them in the heartbeat and status', async () => {
    const o = new Outbox(join(tmp.dir, 'outbox.db'), { log: silent });
    const kindsOf = (m: Record<string, number>) => Object.keys(m).sort();
    for (let poll = 0; poll < 3; poll++) {
      const reads = [await readDevice(target(vendor), { profiles: [HOSTILE_PROFILE] }), await readDevice(target(standard))];
      const res = o.record(
        reads.map((r) => r.reading),
        new Map(reads.map((r) => [r.reading.id, r.problems])),
      );
      expect(res.stored).toBe(2);
      if (poll === 0) expect(kindsOf(res.dataEvents)).toEqual(['counter.invalid', 'reading.no-counters', 'reading.truncated', 'snmp.walk-broken']);
      else expect(res.dataEvents).toEqual({});
    }
    const store = o.current;
    if (!store) throw new Error('outbox not open');
    const events = store.events.unreported(100);
    const invalid = events.filter((e) => e.kind === 'counter.invalid');
    expect(invalid).toHaveLength(5); // four on the vendor device, one on the standard one
    expect(invalid[0]?.data).toMatchObject({ host: expect.any(String), oid: expect.any(String), raw: expect.any(String), profile: expect.any(String) });
    const body = buildHeartbeatBody({ version: 't', uptimeSeconds: 1, deviceCount: 2 }, { agentId: 'box-1', now: new Date(), events });
    expect(apiValidators().check('HeartbeatRequest', body)).toEqual([]);
    expect(body.dataQuality).toMatchObject({ 'counter.invalid': 5, 'snmp.walk-broken': 2, 'reading.no-counters': 1 });
    const st = readStatus(store.path);
    expect(st.dataQuality.events['counter.invalid']).toBe(5);
    expect(st.dataQuality.devices).toHaveLength(2);
    // A counter that the device reported before and no longer does.
    const good = await readDevice(target(vendor), { profiles: [HOSTILE_PROFILE] });
    const without = { ...good.reading, counters: {}, sources: {} };
    expect(o.record([without], new Map([[without.id, good.problems]])).dataEvents).toEqual({ 'counter.missing': 1 });
    o.close();
  });

  it('meterbox read shows the problems instead of "exposes no page counter", and never prints a control character', async () => {
    const r = await runCli(['read', standard.host, '--port', String(standard.port), '--community', 'public', '--timeout', '1500']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('exposes no page counter');
    expect(r.stdout).toContain('no valid page counter: see the problems below');
    expect(r.stdout).toMatch(/counter\.invalid +total at 1\.3\.6\.1\.2\.1\.43\.10\.2\.1\.4\.1\.1: placeholder/);
    expect(r.stdout).toMatch(/snmp\.walk-broken/);
    // eslint-disable-next-line no-control-regex
    expect(r.stdout + r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    const j = await runCli(['read', standard.host, '--port', String(standard.port), '--community', 'public', '--timeout', '1500', '--json']);
    expect(j.code, j.stderr).toBe(0);
    expect(apiValidators().check('Reading', JSON.parse(j.stdout))).toEqual([]);
    expect(j.stderr).toMatch(/reading\.no-counters/);
  });
});
