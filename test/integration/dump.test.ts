/**
 * `meterbox dump` (CLI subprocess) of served fixtures: the snmprec it writes parses back, holds the
 * Printer-MIB objects, and served again gives the same Reading as the original device.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_FIXTURES } from '../../src/paths.js';
import { readDevice } from '../../src/reader/read-device.js';
import { listSnmprec, loadSnmprecFile, startFleet, type Fleet } from '../../src/simulator/fleet.js';
import { isUnder } from '../../src/snmp/oid.js';
import { parseSnmprec } from '../../src/snmp/snmprec.js';
import type { Varbind } from '../../src/snmp/values.js';
import { CLI_ARGV, runCli } from '../helpers/cli.js';
import { loopbackEndpoint } from '../helpers/net.js';

const FIXTURES = listSnmprec(DEVICE_FIXTURES).map((f) => ({ ...f, varbinds: loadSnmprecFile(f.path) }));
const COMMUNITY = 'dump-c0mmunity';
const AT = new Date('2026-01-02T03:04:05.000Z');
const STANDARD_ROOTS = ['1.3.6.1.2.1.1', '1.3.6.1.2.1.2', '1.3.6.1.2.1.25', '1.3.6.1.2.1.43', '1.3.6.1.4.1.2699.1.2'];

describe('meterbox dump', () => {
  let fleet: Fleet;
  let first = '';
  let port = 0;
  let dir = '';
  beforeAll(async () => {
    ({ first, port } = await loopbackEndpoint());
    dir = mkdtempSync(join(tmpdir(), 'meterbox-dump-'));
    fleet = await startFleet(
      FIXTURES.map((f) => ({ name: f.name, varbinds: f.varbinds })),
      { auth: { communities: [COMMUNITY] }, firstAddress: first, port },
    );
  });
  afterAll(async () => {
    await fleet?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // The fleet answers from this process: 1.5 s outlasts a starved event loop (the rule for agents in the test process).
  const read = (host: string, p: number) =>
    readDevice({ host, port: p, credentials: { version: '2c', community: COMMUNITY }, timeoutMs: 1500, retries: 0 }, { now: () => AT });

  it('writes the generic fixture to stdout: every standard object, byte for byte, and progress on stderr', async () => {
    const d = fleet.devices.find((x) => x.name === 'generic-color-laser');
    if (!d) throw new Error('generic-color-laser fixture is not served');
    const r = await runCli(['dump', d.host, '--port', String(d.port), '--community', COMMUNITY, '--timeout', '1500', '--retries', '0']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('1.3.6.1.2.1.43: ');
    expect(r.stderr).not.toContain(COMMUNITY);
    const parsed = parseSnmprec(r.stdout);
    expect(parsed.skipped).toEqual([]);
    const original = FIXTURES.find((f) => f.name === 'generic-color-laser')?.varbinds as Varbind[];
    // The generic fixture holds only standard subtrees, so the dump must reproduce it exactly.
    expect(parsed.varbinds).toEqual(original);
    expect(parsed.varbinds.filter((vb) => isUnder(vb.oid, '1.3.6.1.2.1.43')).length).toBeGreaterThan(40);
  });

  it('`meterbox dump … | head` ends quietly when the reader goes away: no EPIPE stack, exit 0', async () => {
    const d = fleet.devices.find((x) => x.name === 'generic-color-laser');
    if (!d) throw new Error('generic-color-laser fixture is not served');
    // head -n 0 exits at once, so every line dump writes meets a closed pipe (async: the agents live in this process).
    const cli = [process.execPath, ...CLI_ARGV].map((a) => `'${a}'`).join(' ');
    const script = `${cli} dump ${d.host} --port ${d.port} --community ${COMMUNITY} --timeout 1500 --retries 0 | head -n 0; echo "dump exit \${PIPESTATUS[0]}" >&2`;
    const { stderr } = await promisify(execFile)('bash', ['-c', script], { encoding: 'utf8' });
    expect(stderr).not.toMatch(/EPIPE|Unhandled|\n\s+at /);
    expect(stderr).toMatch(/dump exit 0\n$/);
  });

  it.each(FIXTURES.map((f) => [f.name, f] as const))('%s: dump -o file, serve the dump, same Reading', async (name, f) => {
    const d = fleet.devices.find((x) => x.name === name);
    if (!d) throw new Error(`${name} is not served`);
    const out = join(dir, `${name}.snmprec`);
    const r = await runCli(['dump', d.host, '--port', String(d.port), '--community', COMMUNITY, '--timeout', '1500', '--retries', '0', '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`written to ${out}`);

    const dumped = parseSnmprec(readFileSync(out, 'utf8'), out);
    expect(dumped.skipped).toEqual([]);
    // Everything the fixture has under the standard subtrees is in the dump, with the same value.
    const byOid = new Map(dumped.varbinds.map((vb) => [vb.oid, vb.value]));
    for (const vb of f.varbinds.filter((v) => STANDARD_ROOTS.some((root) => isUnder(v.oid, root)))) expect(byOid.get(vb.oid), vb.oid).toEqual(vb.value);
    const hasPrinterMib = f.varbinds.some((vb) => isUnder(vb.oid, '1.3.6.1.2.1.43'));
    expect(dumped.varbinds.some((vb) => isUnder(vb.oid, '1.3.6.1.2.1.43'))).toBe(hasPrinterMib);

    const { first: first2, port: port2 } = await loopbackEndpoint();
    const replay = await startFleet([{ name: `${name}-dump`, varbinds: dumped.varbinds }], { auth: { communities: [COMMUNITY] }, firstAddress: first2, port: port2 });
    try {
      // Both reads use the same host name so that host-derived fields (device.host, a host key) compare.
      const original = await read(d.host, d.port);
      const again = await read(replay.devices[0]?.host as string, port2);
      const { id: _a, device: devA, ...restA } = original.reading;
      const { id: _b, device: devB, ...restB } = again.reading;
      expect(restB).toEqual(restA);
      expect({ ...devB, host: devA.host, key: devB.keySource === 'host' ? devA.key : devB.key }).toEqual(devA);
    } finally {
      await replay.close();
    }
  });
});
