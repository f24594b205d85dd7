/**
 * Seeded randomness for tests, so that a run that failed can be run again with the same choices.
 * Not for anything secret.
 */
import { randomInt } from 'node:crypto';

/** A small deterministic PRNG (mulberry32, public domain): the same seed gives the same sequence in [0, 1). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** This run's seed: MBX_SEED when set (to replay a run), otherwise a fresh random one. Print it. */
export function runSeed(env: NodeJS.ProcessEnv = process.env): number {
  const given = env.MBX_SEED;
  if (given === undefined || given === '') return randomInt(0, 2 ** 32);
  const n = Number(given);
  if (!Number.isInteger(n) || n < 0 || n >= 2 ** 32) throw new Error(`MBX_SEED must be a whole number from 0 to 4294967295, not ${JSON.stringify(given)}`);
  return n;
}
