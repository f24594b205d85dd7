/**
 * What the jobs do, as functions of their inputs: the poll (read every known device, store the
 * cycle in one transaction) and the discovery sweep (find printers, update the device registry,
 * store their readings). The scheduler decides when; these decide nothing about time.
 */
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import { isMeterboxError, type ErrorCounts } from '../contract/errors.js';
import type { ResolvedConfig, ResolvedCredential } from '../config/load.js';
import { preferFirst, type NamedCredentials } from '../discovery/credentials.js';
import type { DeviceRegistry } from '../discovery/registry.js';
import { sweep, type SweepSummary } from '../discovery/sweep.js';
import { expandTargets } from '../net/targets.js';
import { contractList } from '../reading/contract-list.js';
import { readDevice } from '../reader/read-device.js';
import type { DataProblem } from '../reading/quality.js';
import type { Reading } from '../contract/reading.js';
import type { Outbox } from '../store/outbox.js';

export interface KnownDevice {
  key: string;
  host: string;
  /** When the outbox last stored a reading of it; absent when only discovery knows it. */
  lastReadingAt?: string;
}

export interface PollSummary {
  at: string;
  durationMs: number;
  devices: number;
  ok: number;
  failed: number;
  stored: number;
  held: number;
  errors: ErrorCounts;
  /** Data-quality events raised by this cycle, by kind (counter.invalid, snmp.walk-broken, …). */
  dataEvents: Record<string, number>;
}

function named(creds: readonly ResolvedCredential[]): NamedCredentials[] {
  return creds.map((c) => ({ name: c.name, credentials: c.credentials }));
}


/** Reads every known device with the credential that worked last first; stores the cycle. */
export async function pollDevices(opts: {
  cfg: ResolvedConfig;
  devices: readonly KnownDevice[];
  outbox: Outbox;
  /** host → credential name that worked last; updated here. */
  hints: Map<string, string>;
  log: Logger;
  signal: AbortSignal;
  onRead?: (ok: boolean, code?: string) => void;
}): Promise<PollSummary> {
  const started = Date.now();
  const { cfg, log } = opts;
  const snmp = cfg.config.snmp;
  const sets = named(cfg.credentials);
  const contract = contractList(cfg.config.devices.allow);
  const limit = pLimit(snmp.pollConcurrency);
  const readings: Reading[] = [];
  const problems = new Map<string, DataProblem[]>();
  const errors: ErrorCounts = {};
  let failed = 0;
  const hosts = [...new Set(opts.devices.map((d) => d.host))];
  await Promise.all(
    hosts.map((host) =>
      limit(async () => {
        if (opts.signal.aborted) return;
        let lastErr: unknown;
        for (const c of preferFirst(sets, opts.hints.get(host))) {
          if (opts.signal.aborted) return;
          try {
            const { reading, problems: found } = await readDevice({ host, port: snmp.port, credentials: c.credentials, timeoutMs: snmp.timeoutMs, retries: snmp.retries });
            opts.hints.set(host, c.name);
            opts.onRead?.(true);
            if (contract && !contract.covers(reading.device.serial)) {
              log.info({ host, key: reading.device.key }, 'device not under contract (devices.allow); reading not kept');
              return;
            }
            readings.push(reading);
            if (found.length > 0) problems.set(reading.id, found);
            return;
          } catch (err) {
            lastErr = err;
            // Silence and auth failures may be the wrong credential: try the next set.
            if (isMeterboxError(err, 'MBX_SNMP_TIMEOUT') || isMeterboxError(err, 'MBX_SNMP_AUTH')) continue;
            break;
          }
        }
        failed++;
        const code = isMeterboxError(lastErr) ? lastErr.code : 'MBX_SNMP_ERROR';
        errors[code] = (errors[code] ?? 0) + 1;
        opts.onRead?.(false, code);
        log.warn({ host, code, err: lastErr instanceof Error ? lastErr.message : String(lastErr) }, 'device read failed');
      }),
    ),
  );
  const rec = readings.length > 0 ? opts.outbox.record(readings, problems) : { stored: 0, held: 0, ids: [], dataEvents: {} };
  if ('error' in rec && rec.error) log.error({ code: rec.error.code, held: rec.held }, 'poll cycle not stored; readings held in memory');
  for (const list of problems.values()) for (const p of list) log.debug({ host: p.host, kind: p.kind, oid: p.oid, counter: p.counter, raw: p.raw, reason: p.reason, field: p.field }, p.message);
  return { at: new Date(started).toISOString(), durationMs: Date.now() - started, devices: hosts.length, ok: readings.length, failed, stored: rec.stored, held: rec.held, errors, dataEvents: rec.dataEvents };
}

export interface DiscoverySummary {
  at: string;
  durationMs: number;
  printers: number;
  notUnderContract: number;
  stored: number;
  dataEvents: Record<string, number>;
  summary: SweepSummary;
}

/** Sweeps the configured targets, stores the readings of printers under contract, updates the registry. */
export async function discoverDevices(opts: {
  cfg: ResolvedConfig;
  outbox: Outbox;
  registry: DeviceRegistry;
  hints: Map<string, string>;
  log: Logger;
  signal: AbortSignal;
}): Promise<DiscoverySummary> {
  const started = Date.now();
  const { cfg } = opts;
  const snmp = cfg.config.snmp;
  const targets = await expandTargets(cfg.targets, cfg.config.exclude, {
    maxAddresses: snmp.maxAddresses,
    estimate: { concurrency: snmp.discoveryConcurrency, timeoutMs: snmp.timeoutMs, retries: snmp.retries },
    overLimitAdvice: `raise snmp.maxAddresses in ${cfg.file} if you really mean it`,
  });
  const allow = cfg.config.devices.allow;
  const res = await sweep({
    targets,
    credentials: named(cfg.credentials),
    port: snmp.port,
    concurrency: snmp.discoveryConcurrency,
    ratePerSecond: snmp.ratePerSecond,
    timeoutMs: snmp.timeoutMs,
    retries: snmp.retries,
    registry: opts.registry,
    ...(allow && allow.length > 0 ? { allow } : {}),
    signal: opts.signal,
  });
  const events = opts.registry.applySweep(res.observations);
  for (const o of res.observations) opts.hints.set(o.host, o.credential);
  // The sweep lands in the device registry (the devices table) before its readings: a device it
  // found at a new address is one move, recorded once, whichever observation comes first.
  try {
    opts.outbox.current?.devices.saveSweep(opts.registry.devices(), events);
  } catch (err) {
    opts.log.warn({ err: (err as Error).message }, 'could not save the sweep to the device registry; the next sweep saves it');
  }
  const readings = res.printers.flatMap((p) => (p.reading ? [p.reading] : []));
  const problems = new Map(res.printers.flatMap((p) => (p.reading && p.problems ? [[p.reading.id, p.problems] as const] : [])));
  const rec = readings.length > 0 ? opts.outbox.record(readings, problems) : { stored: 0, dataEvents: {} };
  return { at: new Date(started).toISOString(), durationMs: Date.now() - started, printers: res.printers.length, notUnderContract: res.notUnderContract.length, stored: rec.stored, dataEvents: rec.dataEvents, summary: res.summary };
}
