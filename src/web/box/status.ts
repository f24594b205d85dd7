/**
 * The status page's data: one JSON document built from the agent's own figures (health verdict,
 * job states) and its outbox (devices with their last reading, recent events, the delivery
 * audit). Times are absolute (ISO), so the page computes ages and the document changes only when
 * something happened: the page then gets a 304 and redraws nothing. Every secret of the config is
 * masked in the finished text, whatever field it might have slipped into.
 */
import { createHash } from 'node:crypto';
import { SecretMasker } from '../../config/redact.js';
import type { JobState } from '../../daemon/scheduler.js';
import type { StatusSnapshot } from '../../store/status.js';
import type { Store } from '../../store/store.js';
import type { Alert, Counters, CounterSources, DeviceStatus, Reading, Supply } from '../../contract/reading.js';
import { COUNTER_NAMES } from '../../contract/reading.js';
import type { BoxSource } from './types.js';

export interface BoxCounter {
  name: string;
  value: number;
  /** The OID it was read from, or computed:… */
  source?: string;
}

export interface BoxDevice {
  key: string;
  host: string;
  vendor: string;
  brand?: string;
  model?: string;
  serial?: string;
  underContract: boolean;
  lastReadingAt?: string;
  counters: BoxCounter[];
  supplies: Supply[];
  alerts: Alert[];
  status: Pick<DeviceStatus, 'device' | 'printer'>;
  /** Data-quality problems of its last reading (counter.invalid, snmp.walk-broken, …). */
  problems: string[];
}

export interface Attempt {
  at: string;
  ok: boolean;
  text: string;
}

export interface BoxStatus {
  agent: { id: string; version: string; startedAt: string };
  health: { status: string; reasons: string[]; warnings: string[] };
  provider: {
    url: string;
    lastUpload?: Attempt;
    lastHeartbeat?: Attempt;
    lastDelivery?: { at: string; count: number };
    outbox: { pending: number; oldestPendingAt?: string; rejected: number; delivered: number } | null;
    errors: { at: string; what: string; text: string }[];
  };
  lastPoll?: Attempt;
  devices: BoxDevice[];
  events: { seq: number; at: string; kind: string; severity: string; deviceKey?: string; message: string }[];
}

/** The provider URL as a person should see it: scheme, host and path, never user info or a query. */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '(not a URL)';
  }
}

function attempt(j: JobState | undefined, describe: (s: Record<string, unknown>) => string): Attempt | undefined {
  if (!j?.lastFinishedAt) return undefined;
  const failed = j.lastFailure !== undefined && j.lastFailure.at === j.lastFinishedAt;
  if (failed) return { at: j.lastFinishedAt, ok: false, text: j.lastFailure?.reason ?? 'failed' };
  if (j.lastSuccessAt !== j.lastFinishedAt) return { at: j.lastFinishedAt, ok: true, text: 'nothing to do this time (backing off or idle)' };
  return { at: j.lastFinishedAt, ok: true, text: describe(j.lastSummary ?? {}) };
}

const n = (v: unknown) => (typeof v === 'number' ? v : 0);

/**
 * What the document shows of the outbox (its status snapshot and each device's last reading),
 * read again only when the outbox has changed since: a page left open asks every few seconds,
 * and most of those answers are a 304 that should cost a couple of pragmas, not 200 JSON
 * parses. "Changed" is SQLite's own count of rows this connection wrote (total_changes()) and
 * data_version, which moves when another connection (a `meterbox` command on the same file)
 * committed. A device whose last reading is the same as last time keeps its parsed reading.
 */
export class OutboxView {
  private kept?: { store: Store; marker: string; snapshot: StatusSnapshot; last: Map<string, { at: string; reading: Reading }> };

  read(store: Store): { snapshot: StatusSnapshot; last: ReadonlyMap<string, { at: string; reading: Reading }> } {
    const marker = `${String(store.db.prepare('SELECT total_changes()').pluck().get())}:${String(store.db.pragma('data_version', { simple: true }))}`;
    const k = this.kept;
    if (k && k.store === store && k.marker === marker) return k;
    const snapshot = store.status(30);
    const last = lastReadings(store, snapshot.devices, k?.store === store ? k.last : undefined);
    this.kept = { store, marker, snapshot, last };
    return this.kept;
  }
}

/**
 * The last reading of each device, through the outbox's partial indexes (one per state) on
 * read_at: a handful of index lookups per device, however many readings the outbox holds; a
 * device whose last reading is the one already parsed keeps it.
 */
function lastReadings(store: Store, devices: readonly { key: string; lastReadingAt?: string }[], before?: ReadonlyMap<string, { at: string; reading: Reading }>): Map<string, { at: string; reading: Reading }> {
  const q = store.db.prepare(
    `SELECT body FROM readings WHERE state = 'pending' AND read_at = @at AND device_key = @key
     UNION ALL SELECT body FROM readings WHERE state = 'delivered' AND read_at = @at AND device_key = @key
     UNION ALL SELECT body FROM readings WHERE state = 'rejected' AND read_at = @at AND device_key = @key LIMIT 1`,
  );
  const out = new Map<string, { at: string; reading: Reading }>();
  for (const d of devices) {
    if (!d.lastReadingAt) continue;
    const had = before?.get(d.key);
    if (had?.at === d.lastReadingAt) {
      out.set(d.key, had);
      continue;
    }
    const row = q.get({ at: d.lastReadingAt, key: d.key }) as { body: string } | undefined;
    if (!row) continue;
    try {
      out.set(d.key, { at: d.lastReadingAt, reading: JSON.parse(row.body) as Reading });
    } catch {
      // a damaged body: the device is listed without its last reading
    }
  }
  return out;
}

function counters(c: Counters, sources: CounterSources): BoxCounter[] {
  return COUNTER_NAMES.flatMap((name) => {
    const value = c[name];
    if (value === undefined) return [];
    const source = sources[name];
    return [{ name, value, ...(source ? { source } : {}) }];
  });
}

export function buildStatus(src: BoxSource, outbox: OutboxView = new OutboxView()): BoxStatus {
  const jobs = new Map(src.jobs().map((j) => [j.name, j]));
  const v = src.verdict();
  const store = src.store();
  const errors: BoxStatus['provider']['errors'] = [];
  for (const name of ['upload', 'heartbeat', 'poll', 'discovery']) {
    const f = jobs.get(name)?.lastFailure;
    if (f) errors.push({ at: f.at, what: name, text: f.reason });
  }
  let snapshot: StatusSnapshot | undefined;
  let devices: BoxDevice[] = [];
  if (store) {
    try {
      const view = outbox.read(store);
      snapshot = view.snapshot;
      for (const d of snapshot.recentDeliveries) if (d.error) errors.push({ at: d.at, what: d.kind === 'readings' ? 'upload' : 'heartbeat', text: d.error });
      const problems = new Map(snapshot.dataQuality.devices.map((d) => [d.key, d.problems]));
      devices = snapshot.devices.map((d) => {
        const r = view.last.get(d.key)?.reading;
        return {
          key: d.key,
          host: r?.device.host ?? d.host,
          vendor: d.vendor,
          ...(r?.device.brand ? { brand: r.device.brand } : {}),
          ...(d.model ? { model: d.model } : {}),
          ...(d.serial ? { serial: d.serial } : {}),
          underContract: src.underContract(d.serial),
          ...(d.lastReadingAt ? { lastReadingAt: d.lastReadingAt } : {}),
          counters: r ? counters(r.counters, r.sources ?? {}) : [],
          supplies: r?.supplies ?? [],
          alerts: r?.status.alerts ?? [],
          status: { ...(r?.status.device ? { device: r.status.device } : {}), ...(r?.status.printer ? { printer: r.status.printer } : {}) },
          problems: problems.get(d.key) ?? [],
        };
      });
    } catch (err) {
      errors.push({ at: new Date().toISOString(), what: 'outbox', text: `could not read the outbox: ${(err as Error).message}` });
    }
  }
  // The same failure seen by the job and in the audit is said once; newest first.
  const seen = new Set<string>();
  const unique = errors
    .sort((a, b) => b.at.localeCompare(a.at))
    .filter((e) => {
      const k = e.text.replace(/^MBX_[A-Z_]+: /, '').replace(/ \[MBX_[A-Z_]+\]$/, '').slice(0, 120);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .slice(0, 6);
  const o = snapshot?.outbox;
  return {
    agent: { id: src.agentId(), version: src.version, startedAt: src.startedAt.toISOString() },
    health: { status: v.status, reasons: v.reasons, warnings: v.warnings },
    provider: {
      url: shownUrl(src.providerUrl()),
      ...optional('lastUpload', attempt(jobs.get('upload'), (s) => (n(s.delivered) > 0 ? `${n(s.delivered)} reading(s) delivered in ${n(s.batches)} request(s)` : 'nothing pending: every reading was already delivered'))),
      ...optional('lastHeartbeat', attempt(jobs.get('heartbeat'), (s) => `accepted by the provider (HTTP ${String(s.status ?? 200)})`)),
      ...optional('lastDelivery', snapshot?.lastDelivery),
      outbox: o ? { pending: o.pending, rejected: o.rejected, delivered: o.delivered, ...(o.oldestPendingAt ? { oldestPendingAt: o.oldestPendingAt } : {}) } : null,
      errors: unique,
    },
    ...optional('lastPoll', attempt(jobs.get('poll'), (s) => `${n(s.ok)} of ${n(s.devices)} device(s) read, ${n(s.stored)} reading(s) stored`)),
    devices,
    events: (snapshot?.recentEvents ?? []).map((e) => ({ seq: e.seq, at: e.at, kind: e.kind, severity: e.severity, ...(e.deviceKey ? { deviceKey: e.deviceKey } : {}), message: e.message })),
  };
}

function optional<K extends string, T>(key: K, value: T | undefined): Partial<Record<K, T>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, T>);
}

/**
 * The document as sent, built on request (nothing is built while nobody looks): JSON with every
 * configured secret masked, and its ETag. The outbox's part is kept until the outbox changes
 * (OutboxView), and the masked text and its hash until the JSON or the secrets change, so a page
 * refreshing itself on an unchanged box costs a few cheap reads.
 */
export class StatusDocument {
  private readonly outbox = new OutboxView();
  private sent?: { json: string; secrets: readonly string[]; body: { text: string; etag: string } };

  constructor(private readonly src: BoxSource) {}

  body(): { text: string; etag: string } {
    const json = JSON.stringify(buildStatus(this.src, this.outbox));
    const secrets = this.src.secrets();
    const s = this.sent;
    if (s && s.json === json && s.secrets.length === secrets.length && s.secrets.every((x, i) => x === secrets[i])) return s.body;
    const text = new SecretMasker(secrets).mask(json);
    const body = { text, etag: `"${createHash('sha256').update(text).digest('base64url').slice(0, 22)}"` };
    this.sent = { json, secrets: [...secrets], body };
    return body;
  }
}
