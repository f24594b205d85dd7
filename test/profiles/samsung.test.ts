import { describe, expect, it } from 'vitest';
import { PROFILES } from '../../src/profiles/index.js';
import { planRead } from '../../src/profiles/plan.js';
import { str, read } from '../helpers/mib.js';

describe('Samsung profile', () => {
  it('recognises the SyncThru sysDescr and walks without GETBULK', () => {
    const r = read({ '1.3.6.1.2.1.1.1.0': str('SAMSUNG NETWORK PRINTER,ROM V1.01.00.25 03-18-2010;NIC V4.01.14') });
    expect(r.profile).toBe('samsung@1');
    expect(planRead(PROFILES.find((p) => p.id === 'samsung')).quirks.bulk).toBe(false);
  });
});
