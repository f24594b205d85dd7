/**
 * The contract's constants are configuration, not code: the defaults are the contract's, a bad
 * value is refused with the field named, and the schema can be embedded in the config file.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BillingContractSchema, DEFAULT_CONTRACT, parseContract } from '../../src/billing/index.js';
import { isMeterboxError } from '../../src/contract/errors.js';

describe('billing contract', () => {
  it("defaults to the contract's own figures", () => {
    // "An A3 document is worth two units … Two scans are worth one unit … no page for three months".
    expect(DEFAULT_CONTRACT).toMatchObject({ unitsPerA4Side: 1, unitsPerLargeSide: 2, scansPerUnit: 2, idleDays: 90, trailingDays: 90 });
    expect(parseContract(undefined)).toEqual(DEFAULT_CONTRACT);
    expect(parseContract({})).toEqual(DEFAULT_CONTRACT);
  });

  it('takes a partial contract and fills in the rest', () => {
    const c = parseContract({ unitsPerLargeSide: 3, spike: { factor: 5 } });
    expect(c.unitsPerLargeSide).toBe(3);
    expect(c.spike).toEqual({ ...DEFAULT_CONTRACT.spike, factor: 5 });
    expect(c.scansPerUnit).toBe(2);
  });

  it('refuses bad values with MBX_CONFIG_INVALID, naming every field', () => {
    let caught: unknown;
    try {
      parseContract({ scansPerUnit: 0, spike: { factor: 0.5 }, idleDays: 'ninety', unitsPerA3: 2 });
    } catch (err) {
      caught = err;
    }
    expect(isMeterboxError(caught, 'MBX_CONFIG_INVALID')).toBe(true);
    const message = (caught as Error).message;
    expect(message).toContain('billing.scansPerUnit: scans per unit: a whole number ≥ 1');
    expect(message).toContain('billing.spike.factor: spike factor: a number ≥ 1');
    expect(message).toContain('billing.idleDays');
    expect(message).toContain('unitsPerA3');
  });

  it('names the path it is embedded at', () => {
    expect(() => parseContract({ gapHours: -1 }, 'contracts.acme')).toThrow(/contracts\.acme\.gapHours/);
  });

  it('gives a JSON Schema with the defaults, for the config file', () => {
    const schema = z.toJSONSchema(BillingContractSchema, { io: 'input' }) as { properties: Record<string, { default?: unknown; description?: string }>; additionalProperties: boolean };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.unitsPerLargeSide?.default).toBe(2);
    expect(schema.properties.scansPerUnit?.description).toMatch(/floor/);
  });
});
