import { describe, expect, it } from 'vitest';
import { makeSynthetic } from '../../src/simulator/synthetic.js';
import { loadSnmprecFile } from '../../src/simulator/fleet.js';
import { readingFromRecording } from '../../src/reading/build.js';
import { PROFILES } from '../../src/profiles/index.js';
import { fixturePath } from '../helpers/fixtures.js';
import { listSnmprec } from '../../src/simulator/fleet.js';
import { DEVICE_FIXTURES } from '../../src/paths.js';

const HOUR = 3_600_000;

function readingAt(name: string, ordinal: number, hoursLater: number) {
  const syn = makeSynthetic(loadSnmprecFile(fixturePath(name)), { ordinal, pagesPerHour: 1000, startedAt: 0 });
  syn.advance(hoursLater * HOUR);
  return { syn, reading: readingFromRecording(new Map(syn.data.entries().map((vb) => [vb.oid, vb.value])), PROFILES) };
}

describe('synthetic devices', () => {
  it('gets a unique serial and MAC per ordinal', () => {
    const a = readingAt('generic-color-laser', 1, 0).reading.device;
    const b = readingAt('generic-color-laser', 2, 0).reading.device;
    expect(a.serial).toBe('SIM00001');
    expect(b.serial).toBe('SIM00002');
    expect(a.mac).not.toBe(b.mac);
  });

  // Every counter the profile reads must move forward, whether it is a plain OID, a table cell or a TLV record.
  it.each(listSnmprec(DEVICE_FIXTURES).map((f) => f.name))('%s: every counter grows with time and none goes back', (name) => {
    const before = readingAt(name, 7, 0).reading.counters;
    const after = readingAt(name, 7, 24).reading.counters;
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    for (const [k, v] of Object.entries(before)) {
      const now = after[k as keyof typeof after] as number;
      expect(now, k).toBeGreaterThanOrEqual(v);
      if (v > 0) expect(now, `${name} ${k} should grow`).toBeGreaterThan(v);
    }
  });
});
