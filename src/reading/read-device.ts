/**
 * Reads one device: probe, choose a profile, fetch what it needs in as few round trips as the
 * device allows, and build the Reading. The only place where SNMP I/O meets the profile engine.
 */
import { MeterboxError } from '../contract/errors.js';
import { PROFILES } from '../profiles/index.js';
import { inspectRead, looksLikePrinter, planRead, probeOids, selectProfile } from '../profiles/engine.js';
import type { Profile } from '../profiles/types.js';
import { SYS } from '../profiles/standard-mib.js';
import { SnmpClient, type SnmpStats, type SnmpTarget } from '../snmp/client.js';
import { asText, type SnmpValue } from '../snmp/values.js';
import type { DataProblem } from './quality.js';
import type { Reading } from '../contract/reading.js';


export interface ReadOptions {
  profiles?: readonly Profile[];
  now?: () => Date;
}

export interface ReadResult {
  reading: Reading;
  /** What was wrong with the data (invalid counters, broken walks, …); the reading is complete otherwise. */
  problems: DataProblem[];
  stats: SnmpStats;
  ms: number;
}

/**
 * After the probe: fetch what the profile's plan needs that the probe did not bring, into `view`.
 * Shared by `read` and discovery, which keeps its probe answers.
 */
export async function fetchReadPlan(client: SnmpClient, view: Map<string, SnmpValue>, profile: Profile | undefined): Promise<void> {
  const plan = planRead(profile);
  client.configure(plan.quirks);
  const fetched = await client.get(plan.get.filter((oid) => !view.has(oid)));
  for (const [oid, v] of fetched) view.set(oid, v);
  const walked = await client.walkMany(plan.walk);
  for (const vbs of walked.values()) for (const vb of vbs) view.set(vb.oid, vb.value);
}

export async function readDevice(target: SnmpTarget, opts: ReadOptions = {}): Promise<ReadResult> {
  const profiles = opts.profiles ?? PROFILES;
  const started = Date.now();
  const client = new SnmpClient(target);
  try {
    const view = new Map<string, SnmpValue>(await client.get(probeOids(profiles)));
    const profile = selectProfile(profiles, view);
    if (view.size === 0 || !looksLikePrinter(view, profile)) {
      const descr = asText(view.get(SYS.descr));
      throw new MeterboxError(
        'MBX_NOT_A_PRINTER',
        `${target.host}: answers SNMP but is not a printer (no Printer-MIB, hrDeviceType is not printer, no vendor profile matches)` +
          (descr ? `; sysDescr: ${descr.slice(0, 80)}` : ''),
        { host: target.host },
      );
    }
    await fetchReadPlan(client, view, profile);
    const readAt = (opts.now ?? (() => new Date()))();
    const { reading, problems } = inspectRead(view, profile, target.host, readAt, client.stats.brokenWalks);
    return { reading, problems, stats: client.stats, ms: Date.now() - started };
  } finally {
    client.close();
  }
}
