import { describe, expect, it } from 'vitest';
import { compareOids, isUnder, suffixAfter } from '../../src/snmp/oid.js';

describe('OID order', () => {
  it('compares arc by arc, not as text', () => {
    expect(compareOids('1.3.6.1.2', '1.3.6.1.10')).toBe(-1);
    expect(compareOids('1.3.6.1.10', '1.3.6.1.2')).toBe(1);
    expect(compareOids('1.3.6.1', '1.3.6.1')).toBe(0);
    expect(compareOids('.1.3.6.1', '1.3.6.1')).toBe(0);
    expect(compareOids('1.3.6', '1.3.6.1')).toBe(-1);
    expect(compareOids('1.3.6.1.0', '1.3.6')).toBe(1);
    expect(compareOids('1.3.6.1.4.1.4294967295', '1.3.6.1.4.1.4294967296')).toBe(-1);
  });
  it('sorts like a numeric arc comparison', () => {
    const oids = ['1.3.6.1.2.1.43.11.1.1.9.1.10', '1.3.6.1.2.1.43.11.1.1.9.1.2', '1.3.6.1.2.1.43.11.1.1.9', '1.3.6.1.2.1.1'];
    expect([...oids].sort(compareOids)).toEqual(['1.3.6.1.2.1.1', '1.3.6.1.2.1.43.11.1.1.9', '1.3.6.1.2.1.43.11.1.1.9.1.2', '1.3.6.1.2.1.43.11.1.1.9.1.10']);
  });
  it('knows subtrees and table indexes', () => {
    expect(isUnder('1.3.6.1.2.1.43.5.1.1.17.1', '1.3.6.1.2.1.43.5.1.1.17')).toBe(true);
    expect(isUnder('1.3.6.1.2.1.43.5.1.1.170.1', '1.3.6.1.2.1.43.5.1.1.17')).toBe(false);
    expect(isUnder('1.3.6.1.2.1.43.5.1.1.17', '1.3.6.1.2.1.43.5.1.1.17')).toBe(false);
    expect(suffixAfter('1.3.6.1.2.1.43.11.1.1.9.1.3', '1.3.6.1.2.1.43.11.1.1.9')).toBe('1.3');
  });
});
