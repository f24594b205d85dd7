/** Data problems with plain values: counter checks, string cleaning and caps, problem events and their dedupe. */
import { describe, expect, it } from 'vitest';
import { decodeCounters } from '../../src/profiles/counters.js';
import { inspectRead } from '../../src/reading/build.js';
import type { Profile } from '../../src/profiles/types.js';
import { cleanReading, LIST_LIMITS, STRING_LIMITS } from '../../src/reading/clean.js';
import { checkCounter } from '../../src/profiles/counters.js';
import { problemKey } from '../../src/reading/quality.js';
import type { SnmpValue } from '../../src/snmp/values.js';
import { cleanText } from '../../src/snmp/values.js';
import { problemEvents } from '../../src/store/problems.js';
import { makeReading } from '../store/helpers.js';

const int = (value: number): SnmpValue => ({ type: 'integer', value });
const c32 = (value: number): SnmpValue => ({ type: 'counter32', value });
const c64 = (value: bigint): SnmpValue => ({ type: 'counter64', value });
const str = (s: string): SnmpValue => ({ type: 'octets', value: Buffer.from(s, 'latin1') });

describe('checkCounter', () => {
  it('accepts non-negative integers, also sent as text or Counter64', () => {
    expect(checkCounter(c32(0))).toEqual({ ok: true, value: 0 });
    expect(checkCounter(str(' 12345 '))).toEqual({ ok: true, value: 12345 });
    expect(checkCounter(c64(9_007_199_254_740_991n))).toEqual({ ok: true, value: Number.MAX_SAFE_INTEGER });
  });
  it.each([
    ['negative', int(-5), '-5'],
    ['negative', str('-12'), '-12'],
    ['too large', c64(2n ** 63n), String(2n ** 63n)],
    ['too large', c64(2n ** 64n - 1n), String(2n ** 64n - 1n)],
    ['not a number', str('12abc'), '12abc'],
    ['not a number', { type: 'oid', value: '1.3.6' } as SnmpValue, '1.3.6'],
    ['not a number', { type: 'null' } as SnmpValue, 'null'],
    ['placeholder', c32(2 ** 32 - 1), '4294967295'],
    ['placeholder', int(2 ** 31 - 1), '2147483647'],
    ['placeholder', str('N/A'), 'N/A'],
    ['placeholder', str(''), ''],
  ] as [string, SnmpValue, string][])('refuses a value: %s', (reason, v, raw) => {
    expect(checkCounter(v)).toEqual({ ok: false, reason, raw });
  });
  it('shows a hostile raw value safely: controls out, at most 64 characters', () => {
    const r = checkCounter(str(`\u001b[2J${'9'.repeat(100)}x`));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    // eslint-disable-next-line no-control-regex
    expect(r.raw).not.toMatch(/\u001b/);
    expect(r.raw.length).toBeLessThanOrEqual(64);
  });
});

describe('a table sum with an unreadable row', () => {
  it('yields no value rather than too low a one, and names the row', () => {
    const p: Profile = { id: 't', version: 1, vendor: 'T', match: {}, fixtures: [], counters: { color: [{ table: { names: '1.9.2', values: '1.9.9', match: 'colou?r', all: true } }] } };
    const v = new Map<string, SnmpValue>([
      ['1.9.2.1', str('Full Color')],
      ['1.9.2.2', str('Single Color')],
      ['1.9.9.1', c32(100)],
      ['1.9.9.2', str('err')],
    ]);
    expect(decodeCounters(v, p)).toEqual({ counters: {}, sources: {}, units: {}, failedChecks: [], invalid: [{ counter: 'color', oid: '1.9.9.2', raw: 'err', reason: 'not a number' }] });
  });
});

describe('clean strings', () => {
  it('removes C0, DEL and C1 controls (a Latin-1 device sends 0x80–0x9F)', () => {
    expect(cleanText('A\u0000B\u001bC\u007fD\u0085E\u009bF')).toBe('A B C D E F');
  });
  it('caps every string at its documented length, says what was cut, and keys the device by the cut serial', () => {
    const r = makeReading(1, '2026-11-22T00:00:00Z');
    r.device.sysDescr = 'd'.repeat(65_536);
    r.device.serial = 'S'.repeat(1000);
    r.device.sysLocation = `room\u009b2J${'x'.repeat(300)}`;
    r.supplies = Array.from({ length: 300 }, (_, i) => ({ index: i, description: 'é'.repeat(400), kind: 'toner' as const, level: 1, max: 1, state: 'ok' as const }));
    r.status.console = Array.from({ length: 100 }, () => 'line');
    const { reading, cuts } = cleanReading(r);
    expect(reading.device.sysDescr).toHaveLength(STRING_LIMITS.sysDescr);
    expect(reading.device.serial).toHaveLength(STRING_LIMITS.other);
    expect(reading.device.key).toBe(`generic:${'S'.repeat(STRING_LIMITS.other)}`);
    expect(reading.device.sysLocation).not.toMatch(/\u009b/);
    expect(reading.supplies).toHaveLength(LIST_LIMITS.supplies);
    expect(Array.from(reading.supplies[0]?.description ?? '')).toHaveLength(STRING_LIMITS.other);
    expect(reading.status.console).toHaveLength(LIST_LIMITS.console);
    expect(cuts).toEqual(
      expect.arrayContaining([
        { field: 'device.sysDescr', length: 65_536, max: 512 },
        { field: 'device.serial', length: 1000, max: 256 },
        { field: 'supplies', length: 300, max: 256 },
        { field: 'status.console', length: 100, max: 64 },
        { field: 'supplies[0].description', length: 400, max: 256 },
      ]),
    );
    expect(JSON.stringify(reading).length).toBeLessThan(200_000);
  });
});

describe('problems of a read', () => {
  it('a device that answers but yields no counter: reading.no-counters, and the invalid value behind it', () => {
    const v = new Map<string, SnmpValue>([['1.3.6.1.2.1.43.10.2.1.4.1.1', int(-7)]]);
    const { reading, problems } = inspectRead(v, undefined, '127.0.0.9', new Date('2026-11-22T00:00:00Z'));
    expect(reading.counters).toEqual({});
    expect(problems.map((p) => p.kind)).toEqual(['counter.invalid', 'reading.no-counters']);
    expect(problems[0]).toMatchObject({ host: '127.0.0.9', oid: '1.3.6.1.2.1.43.10.2.1.4.1.1', raw: '-7', reason: 'negative', profile: 'standard@1', counter: 'total' });
  });
});

describe('problem events (store)', () => {
  const r1 = makeReading(1, '2026-11-22T00:00:00Z');
  const invalid = { kind: 'counter.invalid' as const, host: r1.device.host, counter: 'color' as const, oid: '1.9.2', raw: '-1', reason: 'negative', message: 'm' };
  it('raises an event when a problem appears, not again while it lasts, and again after it went away', () => {
    const first = problemEvents(r1, [invalid], { keys: [] });
    expect(first.events.map((e) => e.kind)).toEqual(['counter.invalid']);
    expect(first.events[0]).toMatchObject({ severity: 'warning', deviceKey: r1.device.key, data: { oid: '1.9.2', raw: '-1', readingId: r1.id } });
    expect(problemEvents(r1, [invalid], { keys: first.keys }).events).toEqual([]);
    const gone = problemEvents(r1, [], { keys: first.keys });
    expect(gone.keys).toEqual([]);
    expect(problemEvents(r1, [invalid], { keys: gone.keys }).events).toHaveLength(1);
    expect(first.keys).toEqual([problemKey(invalid)]);
  });
  it('counter.missing when a counter the device reported before is gone, unless it is reported invalid', () => {
    const r = makeReading(1, '2026-11-22T01:00:00Z');
    delete r.counters.color;
    const missing = problemEvents(r, [], { counters: { total: 10, color: 3 }, keys: [] });
    expect(missing.events).toEqual([expect.objectContaining({ kind: 'counter.missing', data: expect.objectContaining({ counter: 'color' }) })]);
    expect(problemEvents(r, [invalid], { counters: { total: 10, color: 3 }, keys: [] }).events.map((e) => e.kind)).toEqual(['counter.invalid']);
  });
});
