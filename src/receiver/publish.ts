/**
 * Publishing maintenance for agents: a remote configuration or an update manifest is signed with
 * the provider's Ed25519 key, one envelope per agent (the agent id is inside what is signed, so a
 * document cannot be replayed to another box), and stored; the heartbeat answer then carries the
 * newest one of each kind until the agent reports it. Packages are kept in the updates directory
 * under their SHA-256 and served by GET /v1/updates/<sha256>.deb. `maintenanceState` is the
 * provider's view: what is published, what each agent reported, and who is behind.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MeterboxError } from '../contract/errors.js';
import { signDocument, type DocumentKind } from '../remote/envelope.js';
import type { PublishedDocument, ReceiverStore } from './store/types.js';
import type { AgentRow } from './types.js';
import { maintenanceRows, type MaintenanceRow } from '../remote/maintenance.js';

export interface PublishOptions {
  store: ReceiverStore;
  privatePem: string;
  agentIds: readonly string[];
  now?: Date;
  ttlSeconds?: number;
}

export interface PublishResult {
  agentId: string;
  version: number;
}

export const UPDATE_PATH_PREFIX = '/v1/updates/';

/** The update manifest (the payload of an `update` envelope). */
export interface UpdateManifest {
  version: string;
  /** Path on the provider (same host, same transport as the heartbeat). */
  url: string;
  sha256: string;
  size: number;
}

async function publishAll(kind: DocumentKind, payload: Record<string, unknown>, summary: Record<string, unknown>, o: PublishOptions): Promise<PublishResult[]> {
  if (o.agentIds.length === 0) throw new MeterboxError('MBX_USAGE', 'no agent to publish for: name one with --agent, or use --all once agents have tokens or have been seen');
  const now = o.now ?? new Date();
  const expiresAt = new Date(now.getTime() + (o.ttlSeconds ?? 30 * 86_400) * 1000).toISOString();
  const out: PublishResult[] = [];
  for (const agentId of o.agentIds) {
    const newest = (await o.store.published({ agentId, kind }))[0]?.version ?? 0;
    // Versions grow per agent and kind; time-based so that a database restored from backup still moves forward.
    const version = Math.max(newest + 1, Math.floor(now.getTime() / 1000));
    const document = JSON.stringify(signDocument({ kind, agentId, version, expiresAt, payload }, o.privatePem));
    const row: PublishedDocument = { agentId, kind, version, document, summary, createdAt: now.toISOString() };
    if (!(await o.store.publish(row))) throw new MeterboxError('MBX_USAGE', `agent ${agentId}: a newer ${kind} was published meanwhile; run it again`);
    out.push({ agentId, version });
  }
  return out;
}

/** Signs and stores a remote configuration for each agent. The payload is checked on the box against its own local file. */
export function publishConfig(payload: unknown, o: PublishOptions): Promise<PublishResult[]> {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new MeterboxError('MBX_USAGE', 'a remote configuration is a JSON object (schedules, targets, exclude, credentials, devices, snmp, logging, billing)');
  return publishAll('config', payload as Record<string, unknown>, { sections: Object.keys(payload) }, o);
}

/** The Version field of a .deb's control file. */
export function debVersion(file: string): string {
  try {
    return execFileSync('dpkg-deb', ['-f', file, 'Version'], { encoding: 'utf8' }).trim();
  } catch (err) {
    throw new MeterboxError('MBX_USAGE', `${file}: cannot read its version with dpkg-deb (${(err as Error).message.split('\n')[0] ?? ''}); give --version`, { path: file }, { cause: err });
  }
}

/** Copies the package into the updates directory under its SHA-256, then signs and stores its manifest for each agent. */
export async function publishUpdate(debFile: string, updatesDir: string, o: PublishOptions & { version?: string }): Promise<PublishResult[] & { manifest?: UpdateManifest }> {
  const bytes = readFileSync(debFile);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const version = o.version ?? debVersion(debFile);
  mkdirSync(updatesDir, { recursive: true });
  const dest = join(updatesDir, `${sha256}.deb`);
  const tmp = `${dest}.${process.pid}.tmp`;
  copyFileSync(debFile, tmp);
  renameSync(tmp, dest);
  const manifest: UpdateManifest = { version, url: `${UPDATE_PATH_PREFIX}${sha256}.deb`, sha256, size: statSync(dest).size };
  const r = await publishAll('update', { ...manifest }, { ...manifest }, o);
  return Object.assign(r, { manifest });
}

/** Published against reported, per agent (src/remote/maintenance.ts). */
export async function maintenanceState(store: ReceiverStore, agents: readonly AgentRow[]): Promise<{ latestVersion?: string; agents: MaintenanceRow[] }> {
  return maintenanceRows(await store.published(), agents);
}
