/** The contract list rule the poll job, discovery and health share (src/reading/contract-list.ts). */
import { describe, expect, it } from 'vitest';
import { contractList } from '../../src/reading/contract-list.js';

describe('contract list (devices.allow)', () => {
  it('is absent when nothing is listed: every printer is under contract', () => {
    expect(contractList(undefined)).toBeUndefined();
    expect(contractList([])).toBeUndefined();
  });

  it('compares serials in their normalised form, and never covers a printer without a serial', () => {
    const c = contractList([' sn: abc 123 ', 'X9'])!;
    expect([...c.serials]).toEqual(['ABC123', 'X9']);
    expect(c.covers('ABC123')).toBe(true);
    expect(c.covers('abc123')).toBe(true);
    expect(c.covers('S/N: x9')).toBe(true);
    expect(c.covers('ABC124')).toBe(false);
    expect(c.covers(undefined)).toBe(false);
  });

  it('keeps a listed placeholder-looking value as typed, so it is reported missing rather than dropped', () => {
    const c = contractList(['000000', 'Q1'])!;
    expect(c.missing(['q1', undefined])).toEqual(['000000']);
    expect(c.missing([])).toEqual(['000000', 'Q1']);
  });
});
