/**
 * What the box remembers about maintenance from the provider, in one small JSON file beside the
 * outbox (`remote-state.json` in the state directory, which the unit lets the daemon write): the
 * remote configuration in force and the last known-good one, the newest version taken (so an older
 * document is a replay even after a restart), and the last outcome of each kind, which every
 * heartbeat reports until the provider has seen it. Written to a temporary file and renamed, so a
 * power cut leaves the old file or the new one, never half of one.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A remote configuration document's payload, with the version it came in. */
export interface RemoteDocument {
  version: number;
  payload: Record<string, unknown>;
}

export type ConfigOutcome = 'pending' | 'applied' | 'refused' | 'rolled-back';

/** The outcome the heartbeat reports (`remote.config` in docs/provider-api.yaml). */
export interface ConfigReport {
  /** The version this outcome is about (as claimed by the document when it was refused before its signature verified). */
  version: number;
  state: ConfigOutcome;
  /** The remote version in force now (0: the local file alone). */
  inForce: number;
  code?: string;
  reason?: string;
  at: string;
}

export type UpdateOutcome = 'waiting' | 'downloading' | 'downloaded' | 'installing' | 'installed' | 'refused' | 'failed' | 'rolled-back';

export interface UpdateReport {
  /** The manifest's envelope version this is about. */
  manifest: number;
  /** The package version announced. */
  target: string;
  state: UpdateOutcome;
  /** The version running now. */
  running: string;
  code?: string;
  reason?: string;
  at: string;
}

export interface RemoteState {
  config: {
    /** Newest version taken (applied, refused after its signature verified, or rolled back). */
    lastVersion?: number;
    active?: RemoteDocument;
    /** The last remote config that proved healthy; absent: the local file alone. */
    lastGood?: RemoteDocument;
    /** Applied and on probation until healthy or the window ends. */
    pending?: { version: number; appliedAt: string };
    /** sha256 of the last document refused before verification, so a resent one is not logged again. */
    refusedDigest?: string;
    report?: ConfigReport;
  };
}

/** The self-update's memory (`update-state.json`): the manifest being worked on and the last outcome. */
export interface UpdateState {
  /** Newest manifest version taken. */
  lastVersion?: number;
  refusedDigest?: string;
  /** The verified manifest being downloaded or installed: its signed document (the helper verifies it again) and payload. */
  pending?: { version: number; document: unknown; manifest: { version: string; url: string; sha256: string; size: number } };
  report?: UpdateReport;
}

export const STATE_FILE = 'remote-state.json';
export const UPDATE_STATE_FILE = 'update-state.json';

export function readJsonState<T>(dir: string, name: string, empty: T): T {
  try {
    return { ...empty, ...(JSON.parse(readFileSync(join(dir, name), 'utf8')) as Partial<T>) };
  } catch {
    return empty;
  }
}

export function writeJsonState(dir: string, name: string, s: unknown, mode = 0o640): void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(s, null, 2)}\n`, { mode });
  renameSync(tmp, file);
}

export function readRemoteState(dir: string): RemoteState {
  const s = readJsonState<RemoteState>(dir, STATE_FILE, { config: {} });
  return { config: s.config };
}

export function writeRemoteState(dir: string, s: RemoteState): void {
  writeJsonState(dir, STATE_FILE, s);
}

/** The version a document claims, read without trusting it (for reporting a refusal only). */
export function claimedVersion(doc: unknown): number {
  try {
    const v = (JSON.parse((doc as { envelope: string }).envelope) as { version?: unknown }).version;
    return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : 0;
  } catch {
    return 0;
  }
}
