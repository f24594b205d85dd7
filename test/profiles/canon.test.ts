import { describe, expect, it } from 'vitest';
import { str, counter, oid, read } from '../helpers/mib.js';

const C = '1.3.6.1.4.1.1602.1.11.1.3.1.4';

describe('Canon profile', () => {
  it('adds up Black / Large and Black / Small when Total (Black 1) is missing', () => {
    const r = read({ '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.1602.4.2'), [`${C}.101`]: counter(5000), [`${C}.112`]: counter(100), [`${C}.113`]: counter(4900) });
    expect(r.counters).toEqual({ total: 5000, mono: 5000, largeMono: 100 });
    expect(r.sources.mono).toBe(`computed:${C}.112+${C}.113`);
  });

  it('reads only the Printer-MIB on models without the counter table', () => {
    const r = read({ '1.3.6.1.2.1.1.1.0': str('Canon LBP6670 /P'), '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.1602.4.2'), '1.3.6.1.4.1.1602.1.1.1.1.0': str('LBP6670') });
    expect(r.profile).toBe('canon@2');
    expect(r.device.model).toBe('LBP6670');
    expect(r.counters).toEqual({});
  });
});
