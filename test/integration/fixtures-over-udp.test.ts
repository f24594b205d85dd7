/**
 * Every device fixture served over UDP and read with readDevice must give the Reading the profile
 * read path makes from the complete recording: proof that the read plan fetches everything it
 * uses, in few requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_FIXTURES } from '../../src/paths.js';
import { PROFILES } from '../../src/profiles/index.js';
import { planRead } from '../../src/profiles/plan.js';
import { readingFromRecording } from '../../src/reading/build.js';
import { selectProfile } from '../../src/profiles/match.js';
import { isUnder } from '../../src/snmp/oid.js';
import { readDevice } from '../../src/reader/read-device.js';
import { listSnmprec, loadSnmprecFile, startFleet, type Fleet } from '../../src/simulator/fleet.js';
import { loopbackEndpoint } from '../helpers/net.js';

const FIXTURES = listSnmprec(DEVICE_FIXTURES).map((f) => ({ ...f, varbinds: loadSnmprecFile(f.path) }));
/** With GETBULK; profiles that must walk with GETNEXT pay one request per object of the longest subtree. */
const MAX_REQUESTS = 12;
const AT = new Date('2026-01-02T03:04:05.000Z');

describe('fixtures read over UDP equal the Reading of the full recording', () => {
  let fleet: Fleet;
  beforeAll(async () => {
    const { first, port } = await loopbackEndpoint();
    fleet = await startFleet(
      FIXTURES.map((f) => ({ name: f.name, varbinds: f.varbinds })),
      { auth: { communities: ['public'] }, firstAddress: first, port },
    );
  });
  afterAll(async () => {
    await fleet?.close();
  });

  it('there are fixtures to check', () => {
    expect(FIXTURES.length).toBeGreaterThan(0);
  });

  it.each(FIXTURES.map((f) => [f.name, f] as const))('%s', async (name, f) => {
    const d = fleet.devices.find((x) => x.name === name);
    if (!d) throw new Error(`${name} is not served`);
    const before = d.agent.requests;
    // The fleet answers from this process: 1.5 s outlasts a starved event loop (the rule for agents in the test process).
    const { reading, stats } = await readDevice(
      { host: d.host, port: d.port, credentials: { version: '2c', community: 'public' }, timeoutMs: 1500, retries: 0 },
      { now: () => AT },
    );
    const full = readingFromRecording(new Map(f.varbinds.map((vb) => [vb.oid, vb.value])), PROFILES, d.host, AT);
    const { id: _a, ...got } = reading;
    const { id: _b, ...want } = full;
    expect(got).toEqual(want);
    expect(stats.skipped).toEqual([]);
    expect(stats.timeouts).toBe(0);
    const view = new Map(f.varbinds.map((vb) => [vb.oid, vb.value]));
    const plan = planRead(selectProfile(PROFILES, view));
    if (plan.quirks.bulk === false) {
      // GETNEXT walks all subtrees side by side: as many rounds as the longest has objects, plus the end and the GETs.
      const longest = Math.max(0, ...plan.walk.map((root) => f.varbinds.filter((vb) => isUnder(vb.oid, root)).length));
      expect(stats.requests).toBeLessThanOrEqual(longest + 1 + Math.ceil(plan.get.length / 48) + 2);
    } else {
      expect(stats.requests).toBeLessThanOrEqual(MAX_REQUESTS);
    }
    expect(d.agent.requests - before).toBe(stats.requests);
  });
});
