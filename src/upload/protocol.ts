/**
 * Wire types of the provider protocol, mirroring docs/provider-api.yaml (the contract; the tests
 * validate real bodies against it). Field names are a contract: change them only with /v2.
 */
import type { WireEvent } from '../contract/events.js';
import type { Reading } from '../contract/reading.js';

export const API_PREFIX = '/v1';

/** POST /v1/readings request body (sent gzip-compressed). */
export interface ReadingsRequest {
  agentId: string;
  /** Agent clock when the batch was sent. */
  sentAt: string;
  readings: Reading[];
}

/** POST /v1/readings 200 answer. Ids of the batch that appear nowhere stay pending and are sent again. */
export interface ReceiptBody {
  accepted: string[];
  duplicate: string[];
  rejected: { id: string; reason: string }[];
}

/** Error answer of any endpoint (4xx/5xx). */
export interface ErrorBody {
  error: { code: string; message: string };
}

/** The commands an agent executes; anything else in a heartbeat answer is ignored and logged. */
export const HEARTBEAT_COMMANDS = ['read-now', 'discover-now'] as const;
export type HeartbeatCommandName = (typeof HEARTBEAT_COMMANDS)[number];

export function isAllowedCommand(name: unknown): name is HeartbeatCommandName {
  return typeof name === 'string' && (HEARTBEAT_COMMANDS as readonly string[]).includes(name);
}

export interface WireCycleSummary {
  at: string;
  durationMs: number;
  devices: number;
  ok: number;
  failed: number;
  /** Why hosts failed, so a mistyped community shows from the provider's side: hosts that never answered… */
  timedOut?: number;
  /** …hosts that answered but refused every credential (SNMPv3 auth errors)… */
  credentialsRefused?: number;
  /** …and (discovery) hosts that answered but are not printers, out of `answered`. */
  nonPrinters?: number;
  answered?: number;
}

/** The agent's own verdict: `degraded` when it runs but does not see what it should (the reasons say what to fix). */
export interface WireHealth {
  status: 'ok' | 'degraded' | 'unhealthy';
  reasons: string[];
}

/** One reported event (its shape is the agent–receiver contract's). */
export type { WireEvent };

/** What a heartbeat answer may carry besides commands: signed documents (verified by the box against its pinned keys). */
export const SIGNED_DOCUMENT_KINDS = ['config', 'update'] as const;
export type SignedDocumentKind = (typeof SIGNED_DOCUMENT_KINDS)[number];

/** `{ envelope, signature, keyId }`: src/remote/envelope.ts. */
export interface WireSignedDocument {
  envelope: string;
  signature: string;
  keyId: string;
}

/** The box's report on maintenance from the provider (docs/provider-api.yaml, RemoteStatus). */
export interface WireRemote {
  config?: { version: number; state: 'pending' | 'applied' | 'refused' | 'rolled-back'; inForce: number; code?: string; reason?: string; at: string };
  update?: { manifest: number; target: string; state: 'waiting' | 'downloading' | 'downloaded' | 'installing' | 'installed' | 'refused' | 'failed' | 'rolled-back'; running: string; code?: string; reason?: string; at: string };
}

/** POST /v1/heartbeat request body. */
export interface HeartbeatRequest {
  agentId: string;
  version: string;
  /** Agent clock. */
  clock: string;
  uptimeSeconds: number;
  outbox: { depth: number; oldestPendingAgeSeconds?: number; rejected?: number };
  deviceCount: number;
  lastPoll?: WireCycleSummary;
  lastDiscovery?: WireCycleSummary;
  recentErrors: Record<string, number>;
  /** Data-loss and store events not yet reported, counted by kind. */
  dataLoss: Record<string, number>;
  /** Those events themselves (at most 50). */
  events: WireEvent[];
  /** Data-quality events among them (invalid or missing counters, broken walks, …), counted by kind. */
  dataQuality?: Record<string, number>;
  /** Readings those events record as lost for billing (dropped, unrecoverable), summed. */
  lostReadings?: number;
  diskFreeBytes?: number;
  /** What the outbox may still need on its filesystem (growth to its cap plus WAL headroom). */
  diskNeedBytes?: number;
  health?: WireHealth;
  extra?: Record<string, unknown>;
  /** Ids of the provider's commands acted on since the last heartbeat. Present (maybe empty) = this agent acknowledges commands. */
  acks?: string[];
  remote?: WireRemote;
}

export interface WireCommand {
  /** Sent again in every heartbeat answer until acknowledged or expired; the agent acts on an id once. */
  id?: string;
  name: string;
  expiresAt?: string;
}

/** POST /v1/heartbeat 200 answer. */
export interface HeartbeatResponse {
  serverTime: string;
  commands: WireCommand[];
  /** A signed configuration document, sent until the box reports a version at least as new. */
  config?: WireSignedDocument;
  /** A signed update manifest, sent until the box reports on it. */
  update?: WireSignedDocument;
}

