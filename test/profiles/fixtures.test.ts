/**
 * Table-driven profile test: every recording in fixtures/devices/ read through the read path (reading/build.ts)
 * gives exactly the Reading in its `<name>.reading.json` (fixtures/README.md). A new vendor is a
 * profile data file, a recording and its JSON; this file needs no change.
 *
 * After a deliberate profile change, `npm run fixtures:update` rewrites the JSON from the read path
 * (MBX_FIXTURES_UPDATE=1); review the result with `git diff fixtures/` before committing it.
 */
import { describe, expect, it } from 'vitest';
import { PROFILES } from '../../src/profiles/index.js';
import { expectedForm, expectedNames, fixtureNames, FIXTURE_HOST, loadExpected, readFixture, writeExpected } from '../helpers/fixtures.js';

const UPDATE = process.env.MBX_FIXTURES_UPDATE === '1';
/** CI checks the expectations; it never rewrites them. */
const IN_CI = Boolean(process.env.CI);
/** Not the epoch, so a Reading that ignored the time it was given would show. */
const AT = new Date('2026-01-02T03:04:05.678Z');
const FIXTURES = fixtureNames();

describe('device fixtures (fixtures/devices/<name>.snmprec + <name>.reading.json)', () => {
  it('there are fixtures, and expectations are never rewritten in CI', () => {
    expect(FIXTURES.length).toBeGreaterThan(0);
    expect(UPDATE && IN_CI, 'MBX_FIXTURES_UPDATE is set in CI').toBe(false);
  });

  it('every .reading.json belongs to a recording', () => {
    const recordings = new Set(FIXTURES);
    expect(expectedNames().filter((n) => !recordings.has(n)), 'expected readings without a .snmprec').toEqual([]);
  });

  it.each(FIXTURES)('%s gives exactly the Reading in its .reading.json', (name) => {
    const reading = readFixture(name, AT);
    // The two fields the JSON leaves out: the time given, and an id (UUIDv7) that carries it.
    expect(reading.readAt).toBe(AT.toISOString());
    expect(reading.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(reading.id.replace(/-/g, '').slice(0, 12), 16)).toBe(AT.getTime());
    expect(reading.device.host).toBe(FIXTURE_HOST);

    const got = expectedForm(reading);
    if (UPDATE && !IN_CI && writeExpected(name, got)) console.log(`fixtures:update: rewrote fixtures/devices/${name}.reading.json`);
    const want = loadExpected(name);
    if (!want) throw new Error(`fixtures/devices/${name}.reading.json is missing: run \`npm run fixtures:update\`, then check every value in it against the device`);
    expect(got, `${name}: the Reading read (+) differs from ${name}.reading.json (-); if the profile change is deliberate, run \`npm run fixtures:update\``).toEqual(want);
  });

  it('each profile is proven by the fixtures it names', () => {
    for (const p of PROFILES) {
      for (const file of p.fixtures) {
        const name = file.replace(/\.snmprec$/, '');
        expect(loadExpected(name)?.profile, `${p.id} names ${file}`).toBe(`${p.id}@${p.version}`);
      }
    }
  });
});
