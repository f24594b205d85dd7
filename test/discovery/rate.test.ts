/** The packets-per-second cap, on a fake clock (the only thing faked). */
import { describe, expect, it } from 'vitest';
import { TokenBucket, type Clock } from '../../src/discovery/rate.js';

function fakeClock(): Clock & { t: number } {
  const c = {
    t: 0,
    now: () => c.t,
    sleep: async (ms: number) => {
      c.t += ms;
    },
  };
  return c;
}

describe('TokenBucket', () => {
  it('lets a burst through, then holds the rate', async () => {
    const clock = fakeClock();
    const b = new TokenBucket(500, 25, clock);
    for (let i = 0; i < 25; i++) await b.take();
    expect(clock.t).toBe(0);
    for (let i = 0; i < 500; i++) await b.take();
    expect(clock.t).toBeGreaterThanOrEqual(999);
    expect(clock.t).toBeLessThanOrEqual(1001);
    expect(b.taken).toBe(525);
  });
  it('makes later takers wait off packets charged afterwards (a full read)', async () => {
    const clock = fakeClock();
    const b = new TokenBucket(100, 1, clock);
    await b.take();
    b.charge(50);
    await b.take();
    expect(clock.t).toBeGreaterThanOrEqual(500);
    expect(b.taken).toBe(52);
  });
  it('has no cap at rate 0', async () => {
    const clock = fakeClock();
    const b = new TokenBucket(0, 1, clock);
    for (let i = 0; i < 1000; i++) await b.take(3);
    expect(clock.t).toBe(0);
    expect(b.taken).toBe(3000);
  });
});
