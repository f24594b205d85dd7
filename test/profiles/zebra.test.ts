import { describe, expect, it } from 'vitest';
import { str, oid, read } from '../helpers/mib.js';

describe('Zebra profile', () => {
  it('recognises an ESI ZebraNet print server and falls back to its serial and model', () => {
    const r = read({
      '1.3.6.1.2.1.1.1.0': str('ZebraNet PrintServer'),
      '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.683.6.0'),
      '1.3.6.1.4.1.683.1.5.0': str('7060001'),
      '1.3.6.1.4.1.683.6.2.3.2.1.15.1': str('ZTC GK420d'),
    });
    expect(r.profile).toBe('zebra@1');
    expect(r.device).toMatchObject({ vendor: 'Zebra', model: 'ZTC GK420d', serial: '7060001' });
    expect(r.counters).toEqual({});
  });
});
