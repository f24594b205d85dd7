/**
 * The daemon's view of delivery (src/upload, issue 5): a small interface, and the loader that
 * builds it from the upload module at run time. The upload module is imported dynamically so
 * that a missing or broken uploader costs the upload and heartbeat jobs (they fail, /healthz
 * says why) and never the polling: readings keep landing in the outbox.
 */
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config/load.js';
import type { Outbox } from '../store/outbox.js';
import type { HeartbeatSnapshot, UploadResult, HeartbeatResult, ConnectionOptions, ProxyOptions } from '../upload/index.js';

export type { HeartbeatSnapshot, UploadResult, HeartbeatResult };

export interface Delivery {
  drainOnce(): Promise<UploadResult>;
  sendHeartbeat(snapshot: HeartbeatSnapshot): Promise<HeartbeatResult>;
  reconfigure(cfg: ResolvedConfig): void;
}

export type CommandHandler = (command: 'read-now' | 'discover-now') => void;

/** A proxy URL with optional user:password → the uploader's ProxyOptions. */
export function proxyOptions(url: string | undefined): ProxyOptions | undefined {
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

/** Builds the delivery from src/upload; throws (with the reason) when that module cannot be loaded. */
export async function loadDelivery(cfg: ResolvedConfig, outbox: Outbox, logger: Logger, onCommand: CommandHandler): Promise<Delivery> {
  const mod = await import('../upload/index.js');
  const uploaderOpts = (c: ResolvedConfig) => ({ ...connectionOptions(c, logger), store: outbox, batch: { maxCount: c.provider.batch, maxBytes: 4 * 1024 * 1024 } });
  const uploader = new mod.Uploader(uploaderOpts(cfg));
  const hbOpts = (c: ResolvedConfig) => ({
    ...connectionOptions(c, logger),
    store: outbox,
    uploader,
    onCommand: (command: string) => {
      if (command === 'read-now' || command === 'discover-now') onCommand(command);
    },
  });
  const heartbeat = new mod.Heartbeat(hbOpts(cfg));
  return {
    drainOnce: () => uploader.drainOnce(),
    sendHeartbeat: (s) => heartbeat.sendOnce(s),
    reconfigure: (c) => {
      uploader.reconfigure(uploaderOpts(c));
      heartbeat.reconfigure(hbOpts(c));
    },
  };
}
