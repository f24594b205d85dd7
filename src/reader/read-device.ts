/**
 * The reader: the one path every read of a device takes — `meterbox read`, `dump`, the poll job
 * and discovery alike: probe → select → plan → fetch → build.
 * - probe: one GET of the recognition objects (profiles/match.ts probeOids). Discovery sends its
 *   own (several credentials raced, a rate limit) and continues from its answers here.
 * - select: which profile the answers match and whether the host is a printer (`recognise`).
 * - plan → fetch: what the profile's read plan needs that the probe did not bring, with the
 *   profile's quirks (`fetchReadPlan`).
 * - build: the Reading and the data problems of the read (reading/build.ts).
 * The only place where SNMP I/O meets profiles/ and reading/; both stay pure.
 */
import { MeterboxError } from '../contract/errors.js';
import type { DeviceIdentity, Reading } from '../contract/reading.js';
import { PROFILES } from '../profiles/index.js';
import { looksLikePrinter, probeOids, selectProfile } from '../profiles/match.js';
import { planRead } from '../profiles/plan.js';
import { SYS } from '../profiles/standard-mib.js';
import type { Profile } from '../profiles/types.js';
import { inspectRead } from '../reading/build.js';
import { capString, cleanIdentity, STRING_LIMITS } from '../reading/clean.js';
import { decodeIdentity } from '../reading/identity.js';
import type { DataProblem } from '../reading/quality.js';
import { SnmpClient, type SnmpStats, type SnmpTarget } from '../snmp/client.js';
import { asText, type MibView, type SnmpValue } from '../snmp/values.js';

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

/** What the probe's answers say about a host. */
export type Recognition =
  /** Answered, but is a switch, a PC…: no Printer-MIB, hrDeviceType not printer, no profile matches. */
  | { printer: false; sysDescr?: string; sysObjectID?: string }
  /** A printer, with the profile that reads it (none: the Printer-MIB alone) and who it says it is. */
  | { printer: true; profile: Profile | undefined; identity: DeviceIdentity };

/** probe: the recognition objects, in one GET. */
export async function probe(client: SnmpClient, profiles: readonly Profile[] = PROFILES): Promise<Map<string, SnmpValue>> {
  return new Map(await client.get(probeOids(profiles)));
}

/** select: the profile the probe's answers match, and whether the host is a printer at all. Pure. */
export function recognise(answers: MibView, host: string, profiles: readonly Profile[] = PROFILES): Recognition {
  const profile = selectProfile(profiles, answers);
  if (!looksLikePrinter(answers, profile)) {
    const out: Recognition = { printer: false };
    const descr = asText(answers.get(SYS.descr));
    const objectID = answers.get(SYS.objectID);
    if (descr) out.sysDescr = capString(descr, STRING_LIMITS.sysDescr, 'sysDescr', []);
    if (objectID?.type === 'oid') out.sysObjectID = objectID.value;
    return out;
  }
  return { printer: true, profile, identity: cleanIdentity(decodeIdentity(answers, profile, host)) };
}

/** fetch: GET what `view` lacks of `plan.get`, walk `plan.walk`; the answers land in `view`. */
export async function fetchPlan(client: SnmpClient, view: Map<string, SnmpValue>, plan: { get: readonly string[]; walk: readonly string[] }): Promise<void> {
  const fetched = await client.get(plan.get.filter((oid) => !view.has(oid)));
  for (const [oid, v] of fetched) view.set(oid, v);
  const walked = await client.walkMany([...plan.walk]);
  for (const vbs of walked.values()) for (const vb of vbs) view.set(vb.oid, vb.value);
}

/** plan → fetch: what the profile's read plan needs that the probe did not bring, with its quirks. */
async function fetchReadPlan(client: SnmpClient, view: Map<string, SnmpValue>, profile: Profile | undefined): Promise<void> {
  const plan = planRead(profile);
  client.configure(plan.quirks);
  await fetchPlan(client, view, plan);
}

/** Every object some profile reads, and the probe's: what a recording (`meterbox dump`) must hold to read back the same. */
export function everyPlannedOid(profiles: readonly Profile[] = PROFILES): { get: string[]; walk: string[] } {
  const get = new Set(probeOids(profiles));
  const walk = new Set<string>();
  for (const p of profiles) {
    const plan = planRead(p);
    for (const o of plan.get) get.add(o);
    for (const o of plan.walk) walk.add(o);
  }
  return { get: [...get], walk: [...walk] };
}

/** plan → fetch → build on an open client, from the probe's answers in `view`. */
async function complete(client: SnmpClient, view: Map<string, SnmpValue>, profile: Profile | undefined, host: string, readAt: () => Date): Promise<{ reading: Reading; problems: DataProblem[] }> {
  await fetchReadPlan(client, view, profile);
  return inspectRead(view, profile, host, readAt(), client.stats.brokenWalks);
}

/**
 * plan → fetch → build for a host discovery has probed and recognised as a printer: it continues
 * from the probe's answers instead of asking again.
 */
export async function readAfterProbe(
  target: SnmpTarget,
  answers: ReadonlyMap<string, SnmpValue>,
  profile: Profile | undefined,
  readAt: () => Date,
  /** Told how many requests the read sent, also when it fails (for the rate limiter). */
  charge: (requests: number) => void = () => undefined,
): Promise<{ reading: Reading; problems: DataProblem[]; stats: SnmpStats }> {
  const client = new SnmpClient(target);
  try {
    return { ...(await complete(client, new Map(answers), profile, target.host, readAt)), stats: client.stats };
  } finally {
    charge(client.stats.requests);
    client.close();
  }
}

/** The whole path for one host: probe → select → plan → fetch → build. Throws MBX_NOT_A_PRINTER for a host that is not one. */
export async function readDevice(target: SnmpTarget, opts: ReadOptions = {}): Promise<ReadResult> {
  const profiles = opts.profiles ?? PROFILES;
  const started = Date.now();
  const client = new SnmpClient(target);
  try {
    const view = await probe(client, profiles);
    const seen = recognise(view, target.host, profiles);
    if (!seen.printer) {
      throw new MeterboxError(
        'MBX_NOT_A_PRINTER',
        `${target.host}: answers SNMP but is not a printer (no Printer-MIB, hrDeviceType is not printer, no vendor profile matches)` +
          (seen.sysDescr ? `; sysDescr: ${seen.sysDescr.slice(0, 80)}` : ''),
        { host: target.host },
      );
    }
    const { reading, problems } = await complete(client, view, seen.profile, target.host, opts.now ?? (() => new Date()));
    return { reading, problems, stats: client.stats, ms: Date.now() - started };
  } finally {
    client.close();
  }
}
