import { describe, expect, it } from 'vitest';
import { runSeed, seeded } from '../helpers/random.js';

describe('seeded test randomness (test/helpers/random.ts)', () => {
  it('gives the same sequence for the same seed, and another for another seed', () => {
    const draw = (seed: number) => Array.from({ length: 5 }, seeded(seed));
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    for (const x of draw(7)) expect(x >= 0 && x < 1).toBe(true);
  });

  it('takes MBX_SEED to replay a run, and refuses one that is not a 32-bit whole number', () => {
    expect(runSeed({ MBX_SEED: '123456' })).toBe(123456);
    expect(Number.isInteger(runSeed({}))).toBe(true);
    for (const bad of ['-1', '1.5', 'abc', '4294967296']) expect(() => runSeed({ MBX_SEED: bad }), bad).toThrow(/MBX_SEED/);
  });
});
