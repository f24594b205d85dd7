/**
 * Recordings of real printers (../shared/realdata, never copied into this repository), each served
 * over UDP by our simulator and read with readDevice, checked against expected.json with the rules
 * of ../shared/tools/realdata-check: vendor, serial (or: no placeholder serial), total, split
 * counters, and at least one supply where the recording has supplies.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { readDevice } from '../../src/reader/read-device.js';
import type { CounterName, Reading } from '../../src/contract/reading.js';
import { startFleet, type Fleet } from '../../src/simulator/fleet.js';
import { parseSnmprec } from '../../src/snmp/snmprec.js';
import { loopbackEndpoint } from '../helpers/net.js';

const REALDATA = join(PACKAGE_ROOT, '..', 'shared', 'realdata');
const PRESENT = existsSync(join(REALDATA, 'expected.json'));

interface Expected {
  file: string;
  vendor: string;
  model?: string;
  serial?: string | string[] | null;
  serial_anonymised?: boolean;
  total?: number[];
  counters?: Partial<Record<CounterName, number>>;
  minSupplies?: number;
  kind?: string;
}

const recordings: Expected[] = PRESENT ? (JSON.parse(readFileSync(join(REALDATA, 'expected.json'), 'utf8')) as { recordings: Expected[] }).recordings : [];

/** realdata-check's norm(): upper case, letters and digits only. */
const norm = (s: unknown): string => String(s).toUpperCase().replace(/[^A-Z0-9]/g, '');

/** realdata-check's vendor_ok(): a word of the expected vendor appears in ours, or ours inside the expected name. */
function vendorOk(want: string, got: string | undefined): boolean {
  const words = want.toLowerCase().replace(/[()]/g, ' ').split(/\s+/).filter((t) => t !== '' && t !== 'oem');
  const g = (got ?? '').toLowerCase();
  return words.some((t) => g.includes(t)) || (g !== '' && want.toLowerCase().includes(g));
}

/** Every way `reading` misses `exp`, as realdata-check words it; empty when it passes. */
function check(exp: Expected, reading: Reading): string[] {
  const fails: string[] = [];
  const dev = reading.device;
  const ctr = reading.counters;
  if (!vendorOk(exp.vendor, dev.vendor)) fails.push(`vendor ${JSON.stringify(dev.vendor)} != ${JSON.stringify(exp.vendor)}`);
  if (exp.serial && !exp.serial_anonymised) {
    const ok = Array.isArray(exp.serial) ? exp.serial : [exp.serial];
    if (!ok.map(norm).includes(norm(dev.serial ?? ''))) fails.push(`serial ${JSON.stringify(dev.serial)} not in ${JSON.stringify(ok)}`);
  }
  if (exp.serial === null && !exp.serial_anonymised && dev.serial && /^0*$/.test(norm(dev.serial))) {
    fails.push(`serial ${JSON.stringify(dev.serial)} is a placeholder, not a key`);
  }
  if (exp.total && exp.total.length > 0 && !exp.total.includes(ctr.total as number)) fails.push(`total ${ctr.total} not in ${JSON.stringify(exp.total)}`);
  for (const [k, v] of Object.entries(exp.counters ?? {})) {
    if (ctr[k as CounterName] !== v) fails.push(`${k} ${ctr[k as CounterName]} != ${v}`);
  }
  if (exp.minSupplies && reading.supplies.length < 1) fails.push('no supplies reported');
  return fails;
}

describe.skipIf(!PRESENT)(`real-device recordings served by the simulator${PRESENT ? '' : ` (skipped: ${REALDATA} is absent)`}`, () => {
  let fleet: Fleet;
  const skippedLines = new Map<string, number>();

  beforeAll(async () => {
    const specs = recordings.map((r) => {
      const parsed = parseSnmprec(readFileSync(join(REALDATA, r.file), 'utf8'), r.file);
      // Corrupt lines (e.g. okilan_9450g's bad value) are skipped by the parser, as a real walk would lose them.
      skippedLines.set(r.file, parsed.skipped.length);
      return { name: r.file, varbinds: parsed.varbinds };
    });
    const { first, port } = await loopbackEndpoint();
    fleet = await startFleet(specs, { auth: { communities: ['public'] }, firstAddress: first, port });
  });
  afterAll(async () => {
    await fleet?.close();
  });

  it('the checker itself rejects a wrong vendor, serial, total, counter and missing supplies', () => {
    const exp: Expected = { file: 'x', vendor: 'Konica Minolta', serial: 'A5C0021012345', total: [100], counters: { mono: 60 }, minSupplies: 2 };
    const reading = {
      device: { vendor: 'Kyocera', serial: 'A5C0021012346' },
      counters: { total: 101, mono: 61 },
      supplies: [],
    } as unknown as Reading;
    expect(check(exp, reading)).toHaveLength(5);
    const good = { device: { vendor: 'Konica Minolta', serial: 'a5c0021012345' }, counters: { total: 100, mono: 60 }, supplies: [{}] } as unknown as Reading;
    expect(check(exp, good)).toEqual([]);
    expect(check({ file: 'x', vendor: 'HP', serial: null }, { ...good, device: { vendor: 'HP', serial: '000000000' } } as unknown as Reading)).toEqual([
      'serial "000000000" is a placeholder, not a key',
    ]);
  });

  it.each(recordings.map((r) => [basename(r.file, '.snmprec'), r] as const))('%s', async (_name, exp) => {
    const d = fleet.devices.find((x) => x.name === exp.file);
    if (!d) throw new Error(`${exp.file} is not served`);
    const { reading, stats } = await readDevice({ host: d.host, port: d.port, credentials: { version: '2c', community: 'public' }, timeoutMs: 1000, retries: 1 });
    expect(stats.timeouts).toBe(0);
    expect(check(exp, reading)).toEqual([]);
  });
});

if (!PRESENT) console.warn(`realdata: skipped, ${REALDATA} (../shared/realdata beside the repository) is absent`);
