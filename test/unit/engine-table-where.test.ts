import { describe, expect, it } from 'vitest';
import { decodeCounters } from '../../src/profiles/counters.js';
import { planRead } from '../../src/profiles/plan.js';
import type { Profile } from '../../src/profiles/types.js';
import type { SnmpValue } from '../../src/snmp/values.js';
import { int } from '../helpers/mib.js';

const E = '1.3.6.1.4.1.99999.5.1';

const profile: Profile = {
  id: 'test',
  version: 1,
  vendor: 'Test',
  match: {},
  counters: {
    total: [{ table: { names: `${E}.2`, values: `${E}.4`, match: '^1$', where: { column: `${E}.3`, match: '^4$' } } }],
    mono: [{ table: { names: `${E}.2`, values: `${E}.4`, match: '^2$', where: { column: `${E}.3`, match: '^4$' } } }],
  },
  fixtures: [],
};

describe('table rule with `where`', () => {
  it('picks the row whose other column matches too, and walks that column', () => {
    const view = new Map<string, SnmpValue>([
      [`${E}.2.1`, int(1)], [`${E}.3.1`, int(5)], [`${E}.4.1`, int(90)],
      [`${E}.2.2`, int(1)], [`${E}.3.2`, int(4)], [`${E}.4.2`, int(120)],
      [`${E}.2.3`, int(2)], [`${E}.3.3`, int(5)], [`${E}.4.3`, int(60)],
    ]);
    expect(decodeCounters(view, profile)).toEqual({ counters: { total: 120 }, sources: { total: `${E}.4.2` }, units: {}, failedChecks: [], invalid: [] });
    expect(planRead(profile).walk).toEqual(expect.arrayContaining([`${E}.2`, `${E}.3`, `${E}.4`]));
  });
});
