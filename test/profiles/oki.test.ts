import { describe, expect, it } from 'vitest';
import { str, oid, read } from '../helpers/mib.js';

describe('OKI profile', () => {
  it('takes the model from the printer the OkiLAN server is attached to, and keys by MAC without a serial', () => {
    const r = read({
      '1.3.6.1.2.1.1.1.0': str('OKI OkiLAN 9450g Rev.00.69 10/100/1000BASE Ethernet PrintServer: Attached to MC883 Rev.07.87 : Copyright'),
      '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.2001.1.1.1.1'),
      '1.3.6.1.2.1.2.2.1.6.1': { type: 'octets', value: Buffer.from('02005e7a1099', 'hex') },
    });
    expect(r.profile).toBe('oki@1');
    expect(r.device).toMatchObject({ vendor: 'OKI', model: 'MC883', key: 'oki:mac:02:00:5e:7a:10:99', keySource: 'mac' });
  });
});
