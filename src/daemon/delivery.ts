/**
 * The daemon's view of delivery (src/upload): a small interface and the function that builds it
 * from the config. When building fails (e.g. an unreadable token file) the daemon keeps polling:
 * the upload and heartbeat jobs fail and /healthz says why, while readings keep landing in the outbox.
 */
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config/load.js';
import type { Outbox } from '../store/outbox.js';
import { Heartbeat, Transport, Uploader, type DownloadOutcome, type SignedDocumentKind, type HeartbeatSnapshot, type UploadResult, type HeartbeatResult, type ConnectionOptions, type ProxyOptions } from '../upload/index.js';

export type { HeartbeatSnapshot, UploadResult, HeartbeatResult, DownloadOutcome };

export interface Delivery {
  drainOnce(): Promise<UploadResult>;
  /** GET a file from the provider through the same transport (proxy, TLS, CA, mTLS), resuming into `dest`. */
  download?(path: string, dest: string): Promise<DownloadOutcome>;
  sendHeartbeat(snapshot: HeartbeatSnapshot): Promise<HeartbeatResult>;
  reconfigure(cfg: ResolvedConfig): void;
}

/** What `doctor` learns from one heartbeat: accepted or not, the HTTP status, the clock skew, the failure in words. */
export interface HeartbeatCheck {
  ok: boolean;
  status?: number;
  clockSkewMs?: number;
  /** `<message> [MBX_…]` when it failed. */
  error?: string;
}

export function heartbeatCheck(r: HeartbeatResult): HeartbeatCheck {
  return { ok: r.ok, ...(r.status !== undefined ? { status: r.status } : {}), ...(r.clockSkewMs !== undefined ? { clockSkewMs: r.clockSkewMs } : {}), ...(r.error ? { error: `${r.error.message} [${r.error.code}]` } : {}) };
}

/** Resolves when the command has been acted on (the heartbeat acknowledges it then). */
export type CommandHandler = (command: 'read-now' | 'discover-now') => void | Promise<void>;

/** A proxy URL with optional user:password → the uploader's ProxyOptions. */
function proxyOptions(url: string | undefined): ProxyOptions | undefined {
  if (url === undefined) return undefined;
  const u = new URL(url);
  const out: ProxyOptions = { url: `${u.protocol}//${u.host}` };
  if (u.username) out.username = decodeURIComponent(u.username);
  if (u.password) out.password = decodeURIComponent(u.password);
  return out;
}

export function connectionOptions(cfg: ResolvedConfig, logger: Logger): ConnectionOptions {
  const p = cfg.provider;
  const o: ConnectionOptions = { url: p.url, agentId: cfg.config.agentId, token: p.token, timeoutMs: p.timeoutMs, logger };
  if (p.caFile) o.caFile = p.caFile;
  if (p.clientCert) o.clientCert = p.clientCert;
  if (p.clientKey) o.clientKey = p.clientKey;
  const proxy = proxyOptions(p.proxy);
  if (proxy) o.proxy = proxy;
  return o;
}

/** Told about a signed document (`config`, `update`) in a heartbeat answer; must not throw. */
export type DocumentHandler = (kind: SignedDocumentKind, document: unknown) => void;

/** Builds the uploader and heartbeat for the configured provider. */
export async function loadDelivery(cfg: ResolvedConfig, outbox: Outbox, logger: Logger, onCommand: CommandHandler, onDocument?: DocumentHandler): Promise<Delivery> {
  const uploaderOpts = (c: ResolvedConfig) => ({ ...connectionOptions(c, logger), store: outbox, batch: { maxCount: c.provider.batch, maxBytes: 4 * 1024 * 1024 }, readingVersion: c.provider.readingVersion });
  const uploader = new Uploader(uploaderOpts(cfg));
  const hbOpts = (c: ResolvedConfig) => ({
    ...connectionOptions(c, logger),
    store: outbox,
    uploader,
    onCommand: async (command: string) => {
      if (command === 'read-now' || command === 'discover-now') await onCommand(command);
    },
    ...(onDocument ? { onDocument } : {}),
  });
  const heartbeat = new Heartbeat(hbOpts(cfg));
  let current = cfg;
  return {
    download: async (path, dest) => {
      const t = new Transport(connectionOptions(current, logger));
      try {
        return await t.download(path, dest, Math.max(60_000, current.provider.timeoutMs));
      } finally {
        t.close();
      }
    },
    drainOnce: () => uploader.drainOnce(),
    sendHeartbeat: (s) => heartbeat.sendOnce(s),
    reconfigure: (c) => {
      current = c;
      uploader.reconfigure(uploaderOpts(c));
      heartbeat.reconfigure(hbOpts(c));
    },
  };
}
