import { describe, expect, it } from 'vitest';
import { decodeCounters } from '../../src/profiles/counters.js';
import type { Profile } from '../../src/profiles/types.js';
import { int, view } from '../helpers/mib.js';

const base: Profile = { id: 'test', version: 1, vendor: 'Test', match: { sysObjectID: ['1.3.6.1.4.1.99'] }, fixtures: [] };
/** A typed counter table: type codes in 1.9.2, values in 1.9.9. */
const colour = (all?: boolean): Profile => ({
  ...base,
  counters: { color: [{ table: { names: '1.9.2', values: '1.9.9', match: '^(402|403)$', ...(all === undefined ? {} : { all }) } }] },
});
const rows = view({ '1.9.2.1': int(401), '1.9.2.2': int(402), '1.9.2.3': int(403), '1.9.9.1': int(500), '1.9.9.2': int(30), '1.9.9.3': int(70) });

describe('table rule with all', () => {
  it('adds up every matching row and names each cell in the source', () => {
    expect(decodeCounters(rows, colour(true))).toEqual({ counters: { color: 100 }, sources: { color: 'computed:1.9.9.2+1.9.9.3' }, units: {}, failedChecks: [], invalid: [] });
  });

  it('reports a single matching row as that cell', () => {
    const one = view({ '1.9.2.1': int(401), '1.9.2.3': int(403), '1.9.9.1': int(500), '1.9.9.3': int(70) });
    expect(decodeCounters(one, colour(true))).toEqual({ counters: { color: 70 }, sources: { color: '1.9.9.3' }, units: {}, failedChecks: [], invalid: [] });
  });

  it('skips rows without a usable value and yields nothing when no row matches', () => {
    const partial = view({ '1.9.2.2': int(402), '1.9.2.3': int(403), '1.9.9.3': int(70) });
    expect(decodeCounters(partial, colour(true)).counters).toEqual({ color: 70 });
    expect(decodeCounters(view({ '1.9.2.1': int(401), '1.9.9.1': int(500) }), colour(true)).counters).toEqual({});
  });

  it('takes only the first matching row without it', () => {
    expect(decodeCounters(rows, colour()).counters).toEqual({ color: 30 });
  });
});
