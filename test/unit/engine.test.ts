import { describe, expect, it } from 'vitest';
import { decodeCounters, readRecord } from '../../src/profiles/counters.js';
import { looksLikePrinter, selectProfile } from '../../src/profiles/match.js';
import { planRead } from '../../src/profiles/plan.js';
import type { Profile } from '../../src/profiles/types.js';
import { str, int, counter as c32, oid, view } from '../helpers/mib.js';

const base: Profile = { id: 'test', version: 1, vendor: 'Test', match: { sysObjectID: ['1.3.6.1.4.1.99'] }, fixtures: [] };
const LIFE = '1.3.6.1.2.1.43.10.2.1.4.1.1';
const UNIT = '1.3.6.1.2.1.43.10.2.1.3.1.1';

describe('counter rules', () => {
  it('takes the first alternative that yields a value, and names its OID', () => {
    const p: Profile = { ...base, counters: { total: [{ oid: '1.9.1' }, { oid: '1.9.2' }] } };
    expect(decodeCounters(view({ '1.9.2': c32(500) }), p)).toEqual({ counters: { total: 500 }, sources: { total: '1.9.2' }, units: {}, failedChecks: [], invalid: [] });
  });

  it('adds up OIDs only when all are present', () => {
    const p: Profile = { ...base, counters: { total: [{ sum: ['1.9.1', '1.9.2'] }] } };
    expect(decodeCounters(view({ '1.9.1': c32(10), '1.9.2': c32(5) }), p).counters.total).toBe(15);
    expect(decodeCounters(view({ '1.9.1': c32(10), '1.9.2': c32(5) }), p).sources.total).toBe('computed:1.9.1+1.9.2');
    expect(decodeCounters(view({ '1.9.1': c32(10) }), p).counters).toEqual({});
  });

  it('computes counters from other counters after the plain rules ran', () => {
    const p: Profile = { ...base, counters: { mono: [{ sumOf: ['printMono', 'copyMono'] }], printMono: [{ oid: '1.9.1' }], copyMono: [{ oid: '1.9.2' }] } };
    const r = decodeCounters(view({ '1.9.1': c32(7), '1.9.2': c32(3) }), p);
    expect(r.counters).toEqual({ mono: 10, printMono: 7, copyMono: 3 });
    expect(r.sources.mono).toBe('computed:printMono+copyMono');
  });

  it('finds a row of a name/value table', () => {
    const p: Profile = { ...base, counters: { color: [{ table: { names: '1.9.5', values: '1.9.9', match: '^full ?colou?r$' } }] } };
    const v = view({ '1.9.5.1': str('Black'), '1.9.5.2': str('Full Color'), '1.9.9.1': int(100), '1.9.9.2': int(42) });
    expect(decodeCounters(v, p)).toEqual({ counters: { color: 42 }, sources: { color: '1.9.9.2' }, units: {}, failedChecks: [], invalid: [] });
  });

  it('leaves out negative and non-numeric values (an absent counter is absent, not 0) and says which', () => {
    const p: Profile = { ...base, counters: { mono: [{ oid: '1.9.1' }], color: [{ oid: '1.9.2' }] } };
    const r = decodeCounters(view({ '1.9.1': int(-1), '1.9.2': str('n/a') }), p);
    expect(r.counters).toEqual({});
    expect(r.invalid).toEqual([
      { counter: 'mono', oid: '1.9.1', raw: '-1', reason: 'negative' },
      { counter: 'color', oid: '1.9.2', raw: 'n/a', reason: 'placeholder' },
    ]);
  });

  it('does not report an invalid value when another rule of the same counter yields one', () => {
    const p: Profile = { ...base, counters: { total: [{ oid: '1.9.1' }, { oid: '1.9.2' }] } };
    expect(decodeCounters(view({ '1.9.1': str('Total'), '1.9.2': c32(77) }), p)).toMatchObject({ counters: { total: 77 }, units: {}, failedChecks: [], invalid: [] });
  });

  it('falls back to the Printer-MIB life count only when it counts pages', () => {
    expect(decodeCounters(view({ [LIFE]: c32(1234), [UNIT]: int(7) }), undefined)).toEqual({ counters: { total: 1234 }, sources: { total: LIFE }, units: { total: 'impressions' }, failedChecks: [], invalid: [] });
    expect(decodeCounters(view({ [LIFE]: c32(1234), [UNIT]: int(4) /* micrometers */ }), undefined).counters).toEqual({});
  });

  it('prefers the profile total over the Printer-MIB one, and computes mono+color as a last resort', () => {
    const p: Profile = { ...base, counters: { total: [{ oid: '1.9.1' }], mono: [{ oid: '1.9.2' }], color: [{ oid: '1.9.3' }] } };
    expect(decodeCounters(view({ '1.9.1': c32(99), [LIFE]: c32(98) }), p).sources.total).toBe('1.9.1');
    const r = decodeCounters(view({ '1.9.2': c32(60), '1.9.3': c32(40) }), p);
    expect(r.counters.total).toBe(100);
    expect(r.sources.total).toBe('computed:mono+color');
  });
});

describe('TLV records', () => {
  it('reads a value by code, honouring each record length', () => {
    const blob = Buffer.from('000104000003e8' + '6701010a' + '01010400000190', 'hex');
    expect(readRecord(blob, 0x00)).toBe(1000);
    expect(readRecord(blob, 0x67)).toBe(10);
    expect(readRecord(blob, 0x01)).toBe(400);
    expect(readRecord(blob, 0x02)).toBeUndefined();
  });
  it('stops at a truncated record instead of reading past the end', () => {
    expect(readRecord(Buffer.from('0001040000', 'hex'), 0x00)).toBeUndefined();
  });
});

describe('recognition', () => {
  it('matches by sysObjectID prefix on arc boundaries, sysDescr or an answering OID', () => {
    const a: Profile = { ...base, id: 'a', match: { sysObjectID: ['1.3.6.1.4.1.99'] } };
    const b: Profile = { ...base, id: 'b', match: { sysDescr: ['^Acme '] } };
    const c: Profile = { ...base, id: 'c', match: { anyOid: ['1.3.6.1.4.1.77.1.0'] } };
    const all = [a, b, c];
    expect(selectProfile(all, view({ '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.99.5') }))?.id).toBe('a');
    expect(selectProfile(all, view({ '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.999.5') }))).toBeUndefined();
    expect(selectProfile(all, view({ '1.3.6.1.2.1.1.1.0': str('ACME Laser 9') }))?.id).toBe('b');
    expect(selectProfile(all, view({ '1.3.6.1.4.1.77.1.0': str('x') }))?.id).toBe('c');
  });
  it('tells printers from other SNMP agents', () => {
    expect(looksLikePrinter(view({ '1.3.6.1.2.1.1.1.0': str('Cisco IOS') }), undefined)).toBe(false);
    expect(looksLikePrinter(view({ [LIFE]: c32(1) }), undefined)).toBe(true);
    expect(looksLikePrinter(view({ '1.3.6.1.2.1.25.3.2.1.2.1': oid('1.3.6.1.2.1.25.3.1.5') }), undefined)).toBe(true);
  });
});

describe('read plan', () => {
  it('GETs scalar rules, walks table rules and carries the quirks', () => {
    const p: Profile = { ...base, quirks: { bulk: false }, counters: { total: [{ oid: '1.9.1.0' }], color: [{ table: { names: '1.9.5', values: '1.9.9', match: 'x' } }] } };
    const plan = planRead(p);
    expect(plan.get).toContain('1.9.1.0');
    // Standard table entries are walked column by column, side by side: one request per row without GETBULK.
    expect(plan.walk).toEqual(expect.arrayContaining(['1.9.5', '1.9.9', '1.3.6.1.2.1.43.11.1.1.6', '1.3.6.1.2.1.43.11.1.1.9']));
    expect(plan.walk).not.toContain('1.3.6.1.2.1.43.11.1.1');
    expect(plan.quirks.bulk).toBe(false);
  });
});
