/**
 * isoMillis (src/billing/iso-time.ts) reads the stores' ISO times by hand for the billing export;
 * it must give what Date.parse gives for every string, in the canonical form or not.
 */
import { describe, expect, it } from 'vitest';
import { isoMillis } from '../../src/billing/index.js';
import { seeded } from '../helpers/random.js';

describe('isoMillis', () => {
  it('equals Date.parse on canonical times, near-canonical ones and garbage', () => {
    const cases = [
      '2026-01-01T00:00:00.000Z',
      '2026-12-31T23:59:59.999Z',
      '2026-02-28T12:34:56.789Z',
      '2026-02-29T00:00:00.000Z', // rolls over (no 29 February in 2026): Date.parse's answer, whatever it is
      '2026-02-30T00:00:00.000Z',
      '2026-04-31T10:00:00.000Z',
      '2026-13-01T00:00:00.000Z',
      '2026-00-10T00:00:00.000Z',
      '2026-01-00T00:00:00.000Z',
      '2026-01-01T24:00:00.000Z',
      '2026-01-01T23:60:00.000Z',
      '2026-01-01T23:59:60.000Z',
      '0050-01-01T00:00:00.000Z',
      '0999-06-15T08:00:00.000Z',
      '2026-01-01T00:00:00Z',
      '2026-01-01T00:00:00.000+02:00',
      '2026-01-01 00:00:00.000Z',
      '2026-01-01T00:00:00.00AZ',
      '2026-0a-01T00:00:00.000Z',
      '+02026-01-01T00:00:00.000Z',
      '',
      'not a time at all, 24 ch',
    ];
    for (const s of cases) expect(isoMillis(s), s).toBe(Date.parse(s));
  });

  it('equals Date.parse on random times over two centuries', () => {
    const rnd = seeded(12);
    for (let i = 0; i < 20_000; i++) {
      const s = new Date(Date.UTC(1950, 0, 1) + Math.floor(rnd() * 200 * 365.25 * 86_400_000)).toISOString();
      expect(isoMillis(s), s).toBe(Date.parse(s));
    }
  });
});
