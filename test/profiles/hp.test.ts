import { describe, expect, it } from 'vitest';
import { str, counter, oid, read } from '../helpers/mib.js';

const JETDIRECT = { '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.11.2.3.9.1'), '1.3.6.1.2.1.1.1.0': str('HP ETHERNET MULTI-ENVIRONMENT,SN:XXXXXXXXXX,FN:1A2B3C4,SVCID:12345,PID:HP LaserJet Pro M404dn') };

describe('HP profile', () => {
  it('falls back to the Printer-MIB life count when status-prt-eng is missing', () => {
    const r = read({ ...JETDIRECT, '1.3.6.1.2.1.43.10.2.1.3.1.1': { type: 'integer', value: 7 }, '1.3.6.1.2.1.43.10.2.1.4.1.1': counter(10338) });
    expect(r.profile).toBe('hp@2');
    expect(r.counters).toEqual({ total: 10338 });
    expect(r.sources).toEqual({ total: '1.3.6.1.2.1.43.10.2.1.4.1.1' });
  });

  it('keeps the serial-looking run of a serial-number with binary prefix bytes', () => {
    const r = read({ ...JETDIRECT, '1.3.6.1.4.1.11.2.3.9.4.2.1.1.3.3.0': str('\x01\x15PHBQA12345\x0a') });
    expect(r.device.serial).toBe('PHBQA12345');
  });

  it('does not claim other HP enterprise devices (switches)', () => {
    const r = read({ '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.11.2.3.7.11.160'), '1.3.6.1.2.1.1.1.0': str('HP J9773A 2530-24G-PoEP Switch') });
    expect(r.profile).toBe('standard@1');
  });
});
