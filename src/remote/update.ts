/**
 * The self-update's pure parts, shared by the daemon (which downloads) and the privileged helper
 * (which installs): the manifest inside a signed `update` envelope, its checks, the package file's
 * checks, the maintenance window, and the spool directory's layout (the hand-over between the
 * unprivileged daemon and meterbox-update.service).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { verifyDocument, type Expectation, type Verdict } from './envelope.js';

export interface UpdateManifest {
  /** The package version. */
  version: string;
  /** Path on the provider, `/v1/updates/<sha256>.deb`. */
  url: string;
  sha256: string;
  size: number;
}

/** The spool directory: the daemon writes the package and the signed manifest, then `request` last (what the .path unit waits for). */
export const SPOOL = { deb: 'meterbox.deb', manifest: 'manifest.json', request: 'request', result: 'result.json' } as const;

/** A download in progress is named by its SHA-256: after a restart it resumes, and a partial of another package is never taken for it. */
export const partialName = (sha256: string): string => `download-${sha256}.part`;

/** The helper's outcome, written to the spool as result.json for the daemon to report. */
export interface HelperResult {
  manifest: number;
  target: string;
  state: 'installed' | 'rolled-back' | 'failed' | 'refused';
  running: string;
  code?: string;
  reason?: string;
  at: string;
  /** Seconds from the helper's start to healthy (installed) or to the end of the rollback. */
  seconds?: number;
}

/** A signed update document → its manifest, with the manifest's own fields checked. */
export function verifyManifest(doc: unknown, expect: Omit<Expectation, 'kind'>): Verdict<UpdateManifest> {
  const v = verifyDocument<UpdateManifest>(doc, { ...expect, kind: 'update' });
  if (!v.ok) return v;
  const m = v.envelope.payload as Partial<UpdateManifest>;
  const bad = (what: string): Verdict<UpdateManifest> => ({ ok: false, code: 'MBX_REMOTE_MALFORMED', reason: `update manifest: ${what}`, version: v.envelope.version });
  if (typeof m.version !== 'string' || !/^[0-9][A-Za-z0-9.+~-]{0,63}$/.test(m.version)) return bad('version is not a Debian version');
  if (typeof m.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(m.sha256)) return bad('sha256 is not 64 hex digits');
  if (typeof m.size !== 'number' || !Number.isSafeInteger(m.size) || m.size < 1 || m.size > 512 * 1024 * 1024) return bad('size is not 1 byte .. 512 MiB');
  if (typeof m.url !== 'string' || !/^\/v1\/updates\/[0-9a-f]{64}\.deb$/.test(m.url)) return bad('url is not a package path on the provider (/v1/updates/<sha256>.deb)');
  return v;
}

/** SHA-256 (hex) and size of a file, streamed. */
export async function fileDigest(file: string): Promise<{ sha256: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    h.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: h.digest('hex'), size };
}

/** Why a package file is not the one the manifest announced, or undefined when it is. */
export async function packageProblem(file: string, m: UpdateManifest): Promise<string | undefined> {
  const d = await fileDigest(file);
  if (d.size < m.size) return `truncated: ${d.size} of ${m.size} bytes`;
  if (d.size > m.size) return `${d.size} bytes where the manifest says ${m.size}`;
  if (d.sha256 !== m.sha256) return `SHA-256 ${d.sha256} is not the manifest's ${m.sha256} (altered in transit or on the provider)`;
  return undefined;
}

/** Whether `now` (local time) is inside a daily "HH:MM-HH:MM" window; a window may wrap midnight. */
export function inWindow(window: string, now: Date): boolean {
  const m = /^(\d\d):(\d\d)-(\d\d):(\d\d)$/.exec(window);
  if (!m) return false;
  const start = Number(m[1]) * 60 + Number(m[2]);
  const end = Number(m[3]) * 60 + Number(m[4]);
  const t = now.getHours() * 60 + now.getMinutes();
  if (start === end) return false;
  return start < end ? t >= start && t < end : t >= start || t < end;
}
