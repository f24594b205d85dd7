/**
 * The sweep: every address of the targets, interleaved across targets, probed by a bounded pool
 * of workers under a global packets-per-second cap; printers are then read in full.
 * Owns: scheduling, classification (printer / not a printer / silent / failed), the contract
 * filter, and the summary. Uses: net/targets (addresses), discovery/probe (the probe under the
 * rate limit), reader (recognition and the full read, the path every read takes),
 * discovery/registry (credential hints; the caller applies the sweep to it).
 */
import { isMeterboxError, MeterboxError } from '../contract/errors.js';
import { PROFILES } from '../profiles/index.js';
import { probeOids } from '../profiles/match.js';
import type { Profile } from '../profiles/types.js';
import { contractList } from '../reading/contract-list.js';
import type { DataProblem } from '../reading/quality.js';
import type { DeviceIdentity, Reading } from '../contract/reading.js';
import { readAfterProbe, recognise } from '../reader/read-device.js';
import { interleave, type ExpandedTarget } from '../net/targets.js';
import { credentialsFor, preferFirst, type NamedCredentials } from './credentials.js';
import { probeHost } from './probe.js';
import { TokenBucket, type Clock } from './rate.js';
import { compareHosts as compare, type DeviceRegistry, type Observation } from './registry.js';

export const SWEEP_DEFAULTS = { concurrency: 128, ratePerSecond: 500, timeoutMs: 2000, retries: 1, port: 161 } as const;

export interface SweepOptions {
  targets: readonly ExpandedTarget[];
  /** Every credential set, in the configured order; each target may name a subset. */
  credentials: readonly NamedCredentials[];
  port?: number;
  concurrency?: number;
  /** Packets per second over the whole sweep; 0 for no cap. */
  ratePerSecond?: number;
  timeoutMs?: number;
  retries?: number;
  /**
   * Per-request timeout of the full read of a printer (default: the probe timeout, at least 2 s).
   * The host has just answered, so a short sweep timeout must not fail its read under load.
   */
  readTimeoutMs?: number;
  profiles?: readonly Profile[];
  /** Credentials that worked before are tried first. */
  registry?: DeviceRegistry;
  /** Serials under contract; when set, other printers are listed as seen, without counters. */
  allow?: readonly string[];
  onProgress?: (p: SweepProgress) => void;
  clock?: Clock;
  now?: () => Date;
  signal?: AbortSignal;
}

export interface SweepProgress {
  done: number;
  total: number;
  printers: number;
  answered: number;
  elapsedMs: number;
}

export interface ErrorInfo {
  code: string;
  message: string;
}

export interface FoundPrinter {
  host: string;
  label?: string;
  credential: string;
  device: DeviceIdentity;
  /** The full read; absent for devices not under contract, and when the read failed (see error). */
  reading?: Reading;
  /** Data problems of the read (invalid counters, broken walks, …), when there were any. */
  problems?: DataProblem[];
  error?: ErrorInfo;
}

export interface OtherHost {
  host: string;
  label?: string;
  /** not-a-printer: answered, and is a switch, PC…; failed: answered but no credential could be used. */
  kind: 'not-a-printer' | 'failed';
  credential?: string;
  sysDescr?: string;
  sysObjectID?: string;
  error?: ErrorInfo;
}

export interface SweepSummary {
  addresses: number;
  answered: number;
  printers: number;
  /** Printers found that are not on the contract list (only with an allow list). */
  notUnderContract: number;
  nonPrinters: number;
  failed: number;
  silent: number;
  /** SNMP requests sent, retries included. */
  packets: number;
  ms: number;
  startedAt: string;
  concurrency: number;
  ratePerSecond: number;
  timeoutMs: number;
  retries: number;
}

export interface SweepResult {
  printers: FoundPrinter[];
  /** Printers seen that the contract does not cover: identity only, never counters. */
  notUnderContract: FoundPrinter[];
  others: OtherHost[];
  summary: SweepSummary;
  /** For the registry: every printer found, under contract or not. */
  observations: Observation[];
}

function info(err: unknown): ErrorInfo {
  if (err instanceof MeterboxError) return { code: err.code, message: err.message };
  return { code: 'MBX_SNMP_ERROR', message: String((err as Error)?.message ?? err) };
}

export async function sweep(opts: SweepOptions): Promise<SweepResult> {
  const concurrency = opts.concurrency ?? SWEEP_DEFAULTS.concurrency;
  const ratePerSecond = opts.ratePerSecond ?? SWEEP_DEFAULTS.ratePerSecond;
  const timeoutMs = opts.timeoutMs ?? SWEEP_DEFAULTS.timeoutMs;
  const retries = opts.retries ?? SWEEP_DEFAULTS.retries;
  const port = opts.port ?? SWEEP_DEFAULTS.port;
  const readTimeoutMs = opts.readTimeoutMs ?? Math.max(timeoutMs, 2000);
  const profiles = opts.profiles ?? PROFILES;
  const now = opts.now ?? (() => new Date());
  const bucket = new TokenBucket(ratePerSecond, undefined, opts.clock);
  const oids = probeOids(profiles);
  const started = performance.now();
  const startedAt = now().toISOString();
  // Resolved up front so that an unknown credential name fails before the first packet.
  const perTarget = opts.targets.map((t) => credentialsFor(opts.credentials, t.spec.credentials, t.label ?? t.spec.target));
  const contract = contractList(opts.allow);

  const total = opts.targets.reduce((n, t) => n + t.count, 0);
  const printers: FoundPrinter[] = [];
  const notUnderContract: FoundPrinter[] = [];
  const others: OtherHost[] = [];
  const observations: Observation[] = [];
  let done = 0;
  let answered = 0;
  let silent = 0;
  const progress = () => opts.onProgress?.({ done, total, printers: printers.length + notUnderContract.length, answered, elapsedMs: performance.now() - started });

  const addresses = interleave(opts.targets);
  const worker = async (): Promise<void> => {
    for (;;) {
      if (opts.signal?.aborted) return;
      const next = addresses.next();
      if (next.done) return;
      const { host, target, label } = next.value;
      const creds = preferFirst(perTarget[target] as NamedCredentials[], opts.registry?.credentialHint(host));
      const outcome = await probeHost(host, creds, { port, timeoutMs, retries, oids, bucket });
      const where = label ? { label } : {};
      if (outcome.kind === 'silent') silent++;
      else if (outcome.kind === 'failed') {
        answered++;
        others.push({ host, ...where, kind: 'failed', error: info(outcome.error) });
      } else {
        answered++;
        const seen = recognise(outcome.view, host, profiles);
        if (!seen.printer) {
          const o: OtherHost = { host, ...where, kind: 'not-a-printer', credential: outcome.credential.name };
          if (seen.sysDescr) o.sysDescr = seen.sysDescr;
          if (seen.sysObjectID) o.sysObjectID = seen.sysObjectID;
          others.push(o);
        } else {
          const found: FoundPrinter = { host, ...where, credential: outcome.credential.name, device: seen.identity };
          try {
            const { reading, problems } = await readAfterProbe(
              { host, port, credentials: outcome.credential.credentials, timeoutMs: readTimeoutMs, retries },
              outcome.view,
              seen.profile,
              now,
              (n) => bucket.charge(n),
            );
            found.device = reading.device;
            found.reading = reading;
            if (problems.length > 0) found.problems = problems;
          } catch (err) {
            if (!isMeterboxError(err)) throw err;
            found.error = info(err);
          }
          observations.push({ host, device: found.device, credential: found.credential, ...where });
          if (contract && !contract.covers(found.device.serial)) {
            delete found.reading;
            delete found.problems;
            notUnderContract.push(found);
          } else printers.push(found);
        }
      }
      done++;
      progress();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, total)) }, () => worker()));

  const byHost = (a: { host: string }, b: { host: string }) => compare(a.host, b.host);
  printers.sort(byHost);
  notUnderContract.sort(byHost);
  others.sort(byHost);
  return {
    printers,
    notUnderContract,
    others,
    observations,
    summary: {
      addresses: total,
      answered,
      printers: printers.length,
      notUnderContract: notUnderContract.length,
      nonPrinters: others.filter((o) => o.kind === 'not-a-printer').length,
      failed: others.filter((o) => o.kind === 'failed').length,
      silent,
      packets: bucket.taken,
      ms: Math.round(performance.now() - started),
      startedAt,
      concurrency,
      ratePerSecond,
      timeoutMs,
      retries,
    },
  };
}
