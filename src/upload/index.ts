/**
 * src/upload/: the agent side of the provider protocol (docs/provider-api.yaml): the uploader
 * that drains the outbox over HTTPS and the heartbeat.
 *
 * Owns: batching from the outbox, gzip, bearer auth, the HTTP client (axios) with TLS 1.2+
 * verification, extra CA, mTLS and CONNECT proxies, retry timing (backoff.ts, pure), error
 * classification into MBX_UPLOAD_* / MBX_TLS_* / MBX_PROXY_* codes, receipts applied through
 * the store, the delivery audit, heartbeat bodies and the command allow-list.
 *
 * May import: ../store, ../contract, axios, https-proxy-agent, proxy-from-env, pino, node:*
 * (src/layers.json, enforced by the lint). Must not import: snmp/, profiles/, discovery/, daemon/, cli/,
 * receiver/ (the receiver is the other end; the two share only docs/provider-api.yaml).
 *
 * Usage (the daemon):
 * ```ts
 * const uploader = new Uploader({ url, agentId, token, store: outbox, batch: { maxCount: 500, maxBytes: 4 << 20 }, timeoutMs: 30_000, logger });
 * const hb = new Heartbeat({ url, agentId, token, store: outbox, uploader, logger, onCommand: (c) => c === 'read-now' ? pollNow() : discoverNow() });
 * // upload job:   const r = await uploader.drainOnce();   // never throws; r.stop / r.retryAt say what next
 * // every ~5 min: await hb.sendOnce({ version, uptimeSeconds, deviceCount, lastPoll, lastDiscovery, recentErrors });
 * // on SIGHUP:    uploader.reconfigure(newOpts); hb.reconfigure(newOpts);   // also lifts a 401/403 block
 * ```
 */
export { Uploader } from './uploader.js';
export { Transport, type DownloadOutcome } from './transport.js';
export { Heartbeat, buildHeartbeatBody } from './heartbeat.js';
export { backoffDelay, parseRetryAfter, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
export { classifyHttpFailure, type FailureClass } from './classify.js';
export { uploadLogger } from './log.js';
export * from './protocol.js';
export * from './types.js';
