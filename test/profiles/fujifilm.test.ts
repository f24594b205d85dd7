import { describe, expect, it } from 'vitest';
import { str, oid, read } from '../helpers/mib.js';

describe('fujifilm profile', () => {
  it('keeps Fuji Xerox devices under Fujifilm with their brand, not under Xerox', () => {
    const r = read({
      '1.3.6.1.2.1.1.1.0': str('FUJI XEROX DocuCentre-VI C2264'),
      '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.297.1.11.93.1.48.1.1'),
      '1.3.6.1.2.1.43.5.1.1.17.1': str('111111'),
    });
    expect(r.profile).toBe('fujifilm@1');
    expect(r.device).toMatchObject({ vendor: 'Fujifilm', brand: 'Fuji Xerox', model: 'DocuCentre-VI C2264', key: 'fujifilm:111111' });
  });

  it('reads the model from sysDescr without the maker', () => {
    const r = read({ '1.3.6.1.2.1.1.1.0': str('FUJIFILM Apeos C7580'), '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.297.1.11.93.2.1.2.3.5') });
    expect(r.device).toMatchObject({ vendor: 'Fujifilm', model: 'Apeos C7580' });
    expect(r.device.brand).toBeUndefined();
  });
});
