/**
 * What both stores share, pure: turning raw rows into the public row types, the staleness rule,
 * the texts of events and the bodies of webhook alerts. The stores only move rows.
 */
import type { AgentRow, CommandRow, CommandState, DeviceRow, ReceiverEvent, StoredReading, TokenRow } from '../types.js';
import type { MeterRow, StoredToken } from './types.js';
import type { WireEvent } from '../../contract/events.js';

/** A timestamp from either store (ISO text from SQLite, Date from pg) as ISO text. */
export function iso(v: unknown): string | undefined {
  if (v === null || v === undefined || v === '') return undefined;
  return v instanceof Date ? v.toISOString() : String(v);
}

/** JSON from either store (text from SQLite, already parsed jsonb from pg). */
export function json<T>(v: unknown): T | undefined {
  if (v === null || v === undefined) return undefined;
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}

export interface RawAgent {
  agent_id: string;
  last_seen: unknown;
  version: string | null;
  last_heartbeat: unknown;
  readings: number | string;
  last_reading_at: unknown;
  stale_since: unknown;
}

/**
 * Agents that ever spoke plus `known` ones (tokens) that never did, sorted by id. An agent is
 * stale when its last heartbeat is older than `staleAfterSeconds`, or when it never sent one.
 */
export function agentRows(rows: readonly RawAgent[], now: Date, staleAfterSeconds: number, known: readonly string[]): AgentRow[] {
  const byId = new Map<string, RawAgent>(rows.map((r) => [r.agent_id, r]));
  for (const id of known) if (!byId.has(id)) byId.set(id, { agent_id: id, last_seen: null, version: null, last_heartbeat: null, readings: 0, last_reading_at: null, stale_since: null });
  return [...byId.values()]
    .sort((a, b) => (a.agent_id < b.agent_id ? -1 : a.agent_id > b.agent_id ? 1 : 0))
    .map((r) => {
      const lastSeen = iso(r.last_seen);
      const since = lastSeen ? Math.max(0, (now.getTime() - Date.parse(lastSeen)) / 1000) : undefined;
      const stale = since === undefined || since > staleAfterSeconds;
      const staleSince = iso(r.stale_since);
      const hb = json<Record<string, unknown>>(r.last_heartbeat);
      const lastReadingAt = iso(r.last_reading_at);
      return {
        agentId: r.agent_id,
        ...(lastSeen ? { lastSeen } : {}),
        ...(since !== undefined ? { secondsSinceSeen: Math.round(since) } : {}),
        stale,
        ...(stale && staleSince ? { staleSince } : {}),
        ...(r.version ? { version: r.version } : {}),
        ...(hb ? { lastHeartbeat: hb } : {}),
        readings: Number(r.readings),
        ...(lastReadingAt ? { lastReadingAt } : {}),
      };
    });
}

export interface RawDevice {
  agent_id: string;
  device_key: string;
  vendor: string | null;
  model: string | null;
  serial: string | null;
  readings: number | string;
  last_read_at: unknown;
  last_counters: unknown;
}

export function deviceRow(r: RawDevice): DeviceRow {
  const lastReadAt = iso(r.last_read_at);
  const c = json<Record<string, number>>(r.last_counters);
  return {
    key: r.device_key,
    agentId: r.agent_id,
    ...(r.vendor ? { vendor: r.vendor } : {}),
    ...(r.model ? { model: r.model } : {}),
    ...(r.serial ? { serial: r.serial } : {}),
    readings: Number(r.readings),
    ...(lastReadAt ? { lastReadAt } : {}),
    ...(c ? { lastCounters: c } : {}),
  };
}

export interface RawEvent {
  seq: number | string;
  agent_id: string;
  at: unknown;
  kind: string;
  device_key: string | null;
  message: string;
  data: unknown;
  agent_seq?: number | string | null;
  severity?: string | null;
}

export function eventRow(r: RawEvent): ReceiverEvent {
  const data = json<Record<string, unknown>>(r.data);
  return {
    seq: Number(r.seq),
    agentId: r.agent_id,
    at: iso(r.at) ?? '',
    kind: r.kind,
    message: r.message,
    ...(r.device_key ? { deviceKey: r.device_key } : {}),
    ...(data ? { data } : {}),
    ...(r.severity === 'info' || r.severity === 'warning' || r.severity === 'error' ? { severity: r.severity } : {}),
    ...(r.agent_seq !== null && r.agent_seq !== undefined ? { agentSeq: Number(r.agent_seq) } : {}),
  };
}

export interface RawReading {
  agent_id: string;
  reading_id: string;
  device_key: string;
  read_at: unknown;
  received_at: unknown;
  body: unknown;
}

export function storedReading(r: RawReading): StoredReading {
  return { id: r.reading_id, agentId: r.agent_id, deviceKey: r.device_key, readAt: iso(r.read_at) ?? '', receivedAt: iso(r.received_at) ?? '', body: json<Record<string, unknown>>(r.body) ?? {} };
}

/** One reading per (agent, device): the first of each, in the order given. */
export function oneEach(rows: readonly StoredReading[]): StoredReading[] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const k = `${r.agentId}\u0000${r.deviceKey}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export interface RawMeter {
  reading_id: string;
  read_at: unknown;
  serial: string | null;
  source?: string | null;
  counters: unknown;
  sources: unknown;
  units: unknown;
  supplies?: unknown;
}

/**
 * Meter rows of one query: a device's `sources` and `units` are nearly always the same text from
 * reading to reading, so each distinct text is parsed once and the rows share the object (the
 * billing core also skips re-reading an object it has seen: an identity check).
 */
export function meterRows(rows: readonly RawMeter[]): MeterRow[] {
  const parsed = new Map<unknown, unknown>();
  const shared = <T>(v: unknown): T | undefined => {
    if (typeof v !== 'string') return json<T>(v);
    if (!parsed.has(v)) parsed.set(v, json<T>(v));
    return parsed.get(v) as T | undefined;
  };
  return rows.map((r) => meterRow(r, shared));
}

export function meterRow(r: RawMeter, parse: <T>(v: unknown) => T | undefined = json): MeterRow {
  const sources = parse<Record<string, string>>(r.sources);
  const units = parse<Record<string, string>>(r.units);
  const supplies = json<MeterRow['supplies']>(r.supplies);
  return {
    id: r.reading_id,
    readAt: iso(r.read_at) ?? '',
    ...(r.serial ? { serial: r.serial } : {}),
    ...(r.source ? { source: r.source } : {}),
    counters: json<Record<string, number>>(r.counters) ?? {},
    ...(sources ? { sources } : {}),
    ...(units ? { units } : {}),
    ...(supplies ? { supplies } : {}),
  };
}

/** Agent events as one JSON parameter, with a time each store can take (a malformed one becomes the heartbeat's). */
export function agentEventsJson(events: readonly WireEvent[] | undefined, at: string): string {
  return JSON.stringify(
    (events ?? []).map((e) => ({
      seq: e.seq,
      at: Number.isFinite(Date.parse(e.at)) ? new Date(e.at).toISOString() : at,
      kind: e.kind,
      severity: e.severity,
      message: e.message,
      deviceKey: e.deviceKey ?? null,
    })),
  );
}

export interface RawCommand {
  agent_id: string;
  command_id: string;
  name: string;
  created_at: unknown;
  expires_at: unknown;
  sent_count: number | string;
  last_sent_at: unknown;
  acked_at: unknown;
  ack: string | null;
  expired_at: unknown;
}

export function commandRow(r: RawCommand): CommandRow {
  const sent = Number(r.sent_count);
  const ackedAt = iso(r.acked_at);
  const expiredAt = iso(r.expired_at);
  const lastSentAt = iso(r.last_sent_at);
  const state: CommandState = expiredAt ? 'expired' : ackedAt ? 'acked' : sent > 0 ? 'sent' : 'pending';
  return {
    id: r.command_id,
    agentId: r.agent_id,
    name: r.name,
    state,
    createdAt: iso(r.created_at) ?? '',
    expiresAt: iso(r.expires_at) ?? '',
    sent,
    ...(lastSentAt ? { lastSentAt } : {}),
    ...(ackedAt ? { ackedAt } : {}),
    ...(r.ack === 'agent' || r.ack === 'legacy' ? { ack: r.ack } : {}),
    ...(expiredAt ? { expiredAt } : {}),
  };
}

export interface RawToken {
  token_id: string;
  kind: string;
  agent_id: string | null;
  name: string | null;
  role: string | null;
  hash: string;
  label: string | null;
  created_at: unknown;
  revoked_at: unknown;
}

export function storedToken(r: RawToken): StoredToken {
  const revokedAt = iso(r.revoked_at);
  return {
    id: r.token_id,
    kind: r.kind === 'provider' ? 'provider' : 'agent',
    ...(r.agent_id ? { agentId: r.agent_id } : {}),
    ...(r.name ? { name: r.name } : {}),
    ...(r.role === 'read' || r.role === 'admin' ? { role: r.role } : {}),
    hash: r.hash,
    ...(r.label ? { label: r.label } : {}),
    createdAt: iso(r.created_at) ?? '',
    ...(revokedAt ? { revokedAt } : {}),
  };
}

export function tokenRow(r: RawToken): TokenRow {
  const { hash: _hash, ...rest } = storedToken(r);
  return rest;
}

/** The `device.key-conflict` event: one device key from several agents is kept as separate devices. */
export function keyConflictEvent(agentId: string, deviceKey: string, others: readonly string[]): { message: string; data: Record<string, unknown> } {
  return {
    message: `device key ${deviceKey} is also reported by ${others.length === 1 ? 'agent' : 'agents'} ${others.join(', ')}; kept as separate devices, neither overwrites the other`,
    data: { agentId, deviceKey, otherAgents: [...others] },
  };
}

/** Event text and webhook body of a stale transition. */
export function staleAlert(agentId: string, at: Date, lastSeen: string | undefined, staleAfterSeconds: number): { message: string; payload: Record<string, unknown> } {
  const silent = lastSeen ? Math.round((at.getTime() - Date.parse(lastSeen)) / 1000) : undefined;
  return {
    message: `agent ${agentId} is stale: no heartbeat since ${lastSeen ?? 'ever'} (stale after ${staleAfterSeconds} s)`,
    payload: { event: 'agent.stale', agentId, at: at.toISOString(), ...(lastSeen ? { lastSeen } : {}), ...(silent !== undefined ? { secondsSinceSeen: silent } : {}), staleAfterSeconds },
  };
}

export function recoveredAlert(agentId: string, at: Date, staleSince: string, lastSeen: string | undefined): { message: string; payload: Record<string, unknown> } {
  const downSeconds = lastSeen ? Math.round((at.getTime() - Date.parse(lastSeen)) / 1000) : undefined;
  return {
    message: `agent ${agentId} recovered: heartbeat again after ${downSeconds ?? '?'} s of silence`,
    payload: { event: 'agent.recovered', agentId, at: at.toISOString(), staleSince, ...(lastSeen ? { lastSeenBefore: lastSeen } : {}), ...(downSeconds !== undefined ? { silentSeconds: downSeconds } : {}) },
  };
}

export function expiredCommandMessage(c: { id: string; name: string; sent: number }, expiresAt?: string): string {
  return `command ${c.name} (${c.id}) expired unacknowledged${expiresAt ? ` at ${expiresAt}` : ''} after being sent ${c.sent} time(s); dropped`;
}

/** Masks the password of a database URL for logs and messages. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
  }
}

export interface DeviceUpdate {
  key: string;
  count: number;
  /** Of the newest reading of the batch. */
  readAt: string;
  vendor: string | null;
  model: string | null;
  serial: string | null;
  counters: string;
}

/** Accepted readings of one batch folded per device (a device may be read twice in a batch), in key order so concurrent batches lock rows alike. */
export function foldDevices(readings: readonly { deviceKey: string; readAt: string; vendor?: string; model?: string; serial?: string; counters: Record<string, number> }[]): DeviceUpdate[] {
  const by = new Map<string, DeviceUpdate>();
  for (const r of readings) {
    const d = by.get(r.deviceKey);
    if (d) d.count++;
    if (!d || r.readAt >= d.readAt) {
      by.set(r.deviceKey, { key: r.deviceKey, count: d ? d.count : 1, readAt: r.readAt, vendor: r.vendor ?? null, model: r.model ?? null, serial: r.serial ?? null, counters: JSON.stringify(r.counters) });
    }
  }
  return [...by.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
