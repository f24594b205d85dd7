/**
 * The heartbeat: POST /v1/heartbeat with what the provider needs to see that the box is alive
 * and healthy. Its answer may carry commands; only the allow-list (`read-now`, `discover-now`)
 * reaches the daemon, anything else is ignored and logged. A command with an id is acted on once
 * (the provider re-sends it until it is acknowledged) and acknowledged in the next heartbeat after
 * `onCommand` has finished; one that failed is not acknowledged, so it comes again. Ids live in
 * memory: after a restart an unacknowledged command runs again, which read-now and discover-now
 * allow. Independent of the readings' fate:
 * it succeeds while readings are being rejected, and a success lifts the uploader's 401/403 block.
 */
import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { MeterboxError } from '../contract/errors.js';
import { DATA_LOSS_KINDS, DATA_QUALITY_KINDS } from '../contract/events.js';
import { isStoreFailure, storeError } from '../store/database.js';
import type { StoredEvent } from '../store/events.js';
import { parseRetryAfter } from './backoff.js';
import { classifyHttpFailure, isCertificateError } from './classify.js';
import { API_PREFIX, SIGNED_DOCUMENT_KINDS, isAllowedCommand, type HeartbeatCommandName, type HeartbeatRequest, type SignedDocumentKind, type WireEvent } from './protocol.js';
import { probeCertificate } from './tls-probe.js';
import { ProviderLink } from './provider-link.js';
import type { DeliveryStore, HeartbeatOptions, HeartbeatResult, HeartbeatSnapshot } from './types.js';
import { serverMessage } from './uploader.js';

/** The wire body, pure: the snapshot plus the agent id, the clock and the store's events. */
export function buildHeartbeatBody(snapshot: HeartbeatSnapshot, ctx: { agentId: string; now: Date; events?: readonly StoredEvent[]; acks?: readonly string[] } = { agentId: 'unknown', now: new Date() }): HeartbeatRequest {
  const events: WireEvent[] = (ctx.events ?? []).slice(0, 50).map((e) => ({
    seq: e.seq,
    at: e.at,
    kind: e.kind,
    severity: e.severity,
    message: e.message.slice(0, 500),
    ...(e.deviceKey ? { deviceKey: e.deviceKey } : {}),
  }));
  const dataLoss: Record<string, number> = {};
  const dataQuality: Record<string, number> = {};
  let lostReadings = 0;
  for (const e of ctx.events ?? []) {
    if ((DATA_LOSS_KINDS as readonly string[]).includes(e.kind)) dataLoss[e.kind] = (dataLoss[e.kind] ?? 0) + 1;
    if ((DATA_QUALITY_KINDS as readonly string[]).includes(e.kind)) dataQuality[e.kind] = (dataQuality[e.kind] ?? 0) + 1;
    const lost = e.data?.lost;
    if (typeof lost === 'number' && Number.isInteger(lost) && lost > 0) lostReadings += lost;
  }
  const int = (n: number) => Math.max(0, Math.round(n));
  return {
    agentId: ctx.agentId,
    version: snapshot.version,
    clock: ctx.now.toISOString(),
    uptimeSeconds: Math.max(0, snapshot.uptimeSeconds),
    outbox: snapshot.outbox ?? { depth: 0 },
    deviceCount: int(snapshot.deviceCount),
    ...(snapshot.lastPoll ? { lastPoll: snapshot.lastPoll } : {}),
    ...(snapshot.lastDiscovery ? { lastDiscovery: snapshot.lastDiscovery } : {}),
    recentErrors: snapshot.recentErrors ?? {},
    dataLoss,
    events,
    ...(Object.keys(dataQuality).length > 0 ? { dataQuality } : {}),
    ...(lostReadings > 0 ? { lostReadings } : {}),
    ...(snapshot.diskFreeBytes !== undefined ? { diskFreeBytes: int(snapshot.diskFreeBytes) } : {}),
    ...(snapshot.diskNeedBytes !== undefined ? { diskNeedBytes: int(snapshot.diskNeedBytes) } : {}),
    ...(snapshot.health ? { health: { status: snapshot.health.status, reasons: snapshot.health.reasons.slice(0, 20).map((r) => r.slice(0, 500)) } } : {}),
    ...(snapshot.extra ? { extra: snapshot.extra } : {}),
    acks: [...(ctx.acks ?? [])],
    ...(snapshot.remote && (snapshot.remote.config || snapshot.remote.update) ? { remote: snapshot.remote } : {}),
  };
}

/** Most command ids remembered as acted on (oldest forgotten first). */
const REMEMBERED_COMMANDS = 500;

export class Heartbeat extends ProviderLink<HeartbeatOptions> {
  /** Command ids being acted on or done (done ids wait in `acksDue` until a heartbeat carries them). */
  private readonly commandIds = new Map<string, 'running' | 'done' | 'ignored'>();
  private readonly acksDue = new Set<string>();

  /** Throws MBX_UPLOAD_CONFIG / MBX_TLS_CLIENT_CERT when the options cannot work. */
  constructor(opts: HeartbeatOptions) {
    super(opts, 'heartbeat');
  }

  /** Fills outbox depth, disk free and events from the store where the snapshot leaves them out. */
  private complete(snapshot: HeartbeatSnapshot, store: DeliveryStore | undefined): HeartbeatSnapshot {
    const out = { ...snapshot };
    const now = this.now();
    if (!out.outbox && store) {
      const c = store.readings.counts();
      out.outbox = {
        depth: c.pending,
        rejected: c.rejected,
        ...(c.oldestPendingAt ? { oldestPendingAgeSeconds: Math.max(0, Math.round((now.getTime() - Date.parse(c.oldestPendingAt)) / 1000)) } : {}),
      };
    }
    const dir = this.opts.diskPath ?? (store ? dirname(store.path) : undefined);
    if (out.diskFreeBytes === undefined && dir) {
      try {
        const fs = statfsSync(dir);
        out.diskFreeBytes = fs.bavail * fs.bsize;
      } catch {
        // not reported
      }
    }
    return out;
  }

  /** Sends one heartbeat; never throws. Allow-listed commands go to `onCommand`. */
  async sendOnce(snapshot: HeartbeatSnapshot): Promise<HeartbeatResult> {
    const result: HeartbeatResult = { ok: false, commands: [], ignored: [], eventsReported: 0 };
    let store: DeliveryStore | undefined;
    let events: StoredEvent[] = [];
    let bytes = 0;
    try {
      store = this.store();
      events = store ? store.events.unreported(50) : [];
      const now = this.now();
      const acking = [...this.acksDue];
      const body = buildHeartbeatBody(this.complete(snapshot, store), { agentId: this.opts.agentId, now, events, acks: acking });
      const json = Buffer.from(JSON.stringify(body));
      bytes = json.length;
      const out = await this.transport.post(`${API_PREFIX}/heartbeat`, json, {});
      const audit = { kind: 'heartbeat' as const, count: 0, bytes, ms: out.ms };
      if (out.ok && out.answer.status >= 200 && out.answer.status < 300) {
        const answer = this.parseAnswer(out.answer.body);
        result.ok = true;
        result.status = out.answer.status;
        if (answer.serverTime) result.clockSkewMs = Date.parse(answer.serverTime) - now.getTime();
        if (store) {
          try {
            store.events.markReported(events.map((e) => e.seq));
            result.eventsReported = events.length;
            store.deliveries.record({ ...audit, status: out.answer.status });
          } catch (err) {
            // The provider has them; they go again with the next heartbeat (it sees their seq twice).
            const e = storeError(err, store.path, 'marking events reported');
            this.log.warn({ code: e.code, events: events.length }, e.message);
          }
        }
        for (const id of acking) this.acksDue.delete(id);
        result.acked = acking.length;
        result.uploadsResumed = this.opts.uploader?.heartbeatSucceeded() === true;
        this.log.debug({ status: out.answer.status, ms: out.ms, events: events.length }, 'heartbeat delivered');
        for (const c of answer.commands) {
          if (!isAllowedCommand(c.name)) {
            result.ignored.push(String(c.name));
            if (c.id !== undefined && this.commandIds.has(c.id)) continue; // warned about it already
            if (c.id !== undefined) this.remember(c.id, 'ignored');
            this.log.warn({ command: String(c.name).slice(0, 100), id: c.id }, 'heartbeat answer asked for a command that is not on the allow-list (read-now, discover-now); ignored');
            continue;
          }
          if (c.id !== undefined && this.commandIds.has(c.id)) {
            // Sent again because our ack has not reached the provider yet: not acted on twice.
            if (this.commandIds.get(c.id) === 'done') this.acksDue.add(c.id);
            this.log.debug({ command: c.name, id: c.id }, 'command already acted on; not repeated');
            continue;
          }
          result.commands.push(c.name);
          this.log.info({ command: c.name, id: c.id }, 'provider asked for a command');
          this.act(c.name, c.id);
        }
        for (const kind of SIGNED_DOCUMENT_KINDS) {
          if (answer.documents[kind] === undefined) continue;
          result.documents = [...(result.documents ?? []), kind];
          this.opts.onDocument?.(kind, answer.documents[kind]);
        }
        return result;
      }
      const f = out.ok
        ? classifyHttpFailure({
            status: out.answer.status,
            serverMessage: serverMessage(out.answer.body),
            retryAfterMs: parseRetryAfter(out.answer.headers['retry-after'], now),
            batchSize: 0,
            url: this.opts.url,
            agentId: this.opts.agentId,
          })
        : classifyHttpFailure({
            ...out.failure,
            batchSize: 0,
            url: this.opts.url,
            agentId: this.opts.agentId,
            ...(this.opts.caFile ? { caFile: this.opts.caFile } : {}),
            ...(isCertificateError(out.failure.errCode) ? { tlsDetail: (await probeCertificate(this.opts.url, this.transport.proxy, now, out.failure.errCode)) ?? '' } : {}),
          });
      result.status = out.ok ? out.answer.status : undefined;
      result.error = new MeterboxError(f.code, `heartbeat: ${f.message.replace(/; uploads are paused.*$/, '')}`, { url: this.opts.url, agentId: this.opts.agentId });
      store?.deliveries.record({ ...audit, ...(result.status !== undefined ? { status: result.status } : {}), error: `${f.code}: ${f.message}`.slice(0, 1000) });
      this.log.warn({ code: f.code, status: result.status }, result.error.message);
      return result;
    } catch (err) {
      result.error = err instanceof MeterboxError ? err : isStoreFailure(err) ? storeError(err, store?.path ?? 'outbox', 'reading events for the heartbeat') : new MeterboxError('MBX_UPLOAD_NETWORK', `heartbeat failed: ${(err as Error).message}`, {}, { cause: err });
      this.log.warn({ code: result.error.code }, result.error.message);
      return result;
    }
  }

  private remember(id: string, state: 'running' | 'ignored'): void {
    this.commandIds.set(id, state);
    while (this.commandIds.size > REMEMBERED_COMMANDS) this.commandIds.delete(this.commandIds.keys().next().value as string);
  }

  /** Runs a command without holding up the heartbeat; its id is acknowledged once `onCommand` has finished. */
  private act(name: HeartbeatCommandName, id: string | undefined): void {
    if (id !== undefined) this.remember(id, 'running');
    let running: void | Promise<void>;
    try {
      running = this.opts.onCommand?.(name, id !== undefined ? { id } : {});
    } catch (err) {
      running = Promise.reject(err);
    }
    Promise.resolve(running).then(
      () => {
        if (id === undefined) return;
        this.commandIds.set(id, 'done');
        this.acksDue.add(id);
      },
      (err: unknown) => {
        if (id !== undefined) this.commandIds.delete(id); // not acknowledged: the provider sends it again
        this.log.error({ command: name, id, err: (err as Error).message }, 'command failed');
      },
    );
  }

  private parseAnswer(text: string): { serverTime?: string; commands: { id?: string; name: string }[]; documents: Partial<Record<SignedDocumentKind, unknown>> } {
    try {
      const v = JSON.parse(text) as { serverTime?: unknown; commands?: unknown; config?: unknown; update?: unknown };
      const commands = Array.isArray(v.commands)
        ? v.commands
            .filter((c): c is { id?: unknown; name: unknown } => typeof c === 'object' && c !== null && 'name' in c)
            .map((c) => ({ name: String(c.name), ...(typeof c.id === 'string' ? { id: c.id } : {}) }))
        : [];
      const documents: Partial<Record<SignedDocumentKind, unknown>> = {};
      for (const kind of SIGNED_DOCUMENT_KINDS) if (v[kind] !== undefined && v[kind] !== null) documents[kind] = v[kind];
      return { ...(typeof v.serverTime === 'string' ? { serverTime: v.serverTime } : {}), commands, documents };
    } catch {
      this.log.warn('heartbeat answer is not JSON; no commands taken');
      return { commands: [], documents: {} };
    }
  }
}

export type { HeartbeatCommandName };
