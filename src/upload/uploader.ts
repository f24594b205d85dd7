/**
 * The uploader: drains the outbox to POST /v1/readings, oldest first, in batches bounded by
 * count and bytes, gzip-compressed. The receipt is applied through the store in one transaction
 * (with its delivery-audit row). Failures are classified (classify.ts) and timed (backoff.ts).
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { MeterboxError, isMeterboxError } from '../contract/errors.js';
import { READING_VERSION, readingForVersion, type Reading, type ReadingVersion } from '../contract/reading.js';
import { isStoreFailure, storeError } from '../store/database.js';
import type { OutboxItem } from '../store/readings.js';
import { DEFAULT_BACKOFF, backoffDelay, parseRetryAfter, type BackoffPolicy } from './backoff.js';
import { classifyHttpFailure, isCertificateError, type ClassifiedFailure } from './classify.js';
import { API_PREFIX, type ReceiptBody } from './protocol.js';
import { probeCertificate } from './tls-probe.js';
import { ProviderLink } from './provider-link.js';
import type { HttpAnswer, TransportFailure } from './transport.js';
import type { DeliveryStore, UploadResult, UploaderOptions, UploaderState } from './types.js';

const DEFAULT_BATCH = { maxCount: 500, maxBytes: 4 * 1024 * 1024 };

/** A 200 body that is a receipt (shape only; ids are checked against the batch by the caller). */
export function parseReceipt(text: string): ReceiptBody | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const ids = (a: unknown): a is string[] => Array.isArray(a) && a.every((x) => typeof x === 'string');
  if (!ids(o.accepted) || !ids(o.duplicate) || !Array.isArray(o.rejected)) return undefined;
  const rejected: { id: string; reason: string }[] = [];
  for (const r of o.rejected as unknown[]) {
    if (typeof r !== 'object' || r === null) return undefined;
    const x = r as Record<string, unknown>;
    if (typeof x.id !== 'string') return undefined;
    rejected.push({ id: x.id, reason: typeof x.reason === 'string' && x.reason ? x.reason.slice(0, 1000) : 'rejected without a reason' });
  }
  return { accepted: o.accepted, duplicate: o.duplicate, rejected };
}

/** The provider's error message from an error body, when it sent one. */
export function serverMessage(body: string): string | undefined {
  try {
    const v = JSON.parse(body) as { error?: { message?: unknown; code?: unknown } };
    if (typeof v.error?.message === 'string') return v.error.message.slice(0, 300);
  } catch {
    // not JSON
  }
  const t = body.trim();
  return t ? t.slice(0, 200) : undefined;
}

/**
 * The request body's JSON in pieces, built from the stored JSON without parsing it again; the
 * pieces joined are the body.
 */
export function* readingsBodyParts(agentId: string, sentAt: string, items: readonly OutboxItem[], readingVersion: ReadingVersion = READING_VERSION): Generator<string> {
  yield `{"agentId":${JSON.stringify(agentId)},"sentAt":${JSON.stringify(sentAt)},"readings":[`;
  let first = true;
  for (const i of items) {
    // The outbox holds each Reading as the agent made it; a provider on an older Reading version gets it cut to that version.
    const body = readingVersion >= READING_VERSION ? i.body : JSON.stringify(readingForVersion(JSON.parse(i.body) as Reading, readingVersion));
    yield first ? body : `,${body}`;
    first = false;
  }
  yield ']}';
}

/** Input handed to gzip at once: large enough for few hand-offs to zlib's thread, small beside a batch. */
const GZIP_FEED_CHARS = 64 * 1024;

/** The pieces joined into slices of about GZIP_FEED_CHARS. */
function* slices(pieces: Iterable<string>): Generator<string> {
  let feed = '';
  for (const piece of pieces) {
    feed += piece;
    if (feed.length < GZIP_FEED_CHARS) continue;
    yield feed;
    feed = '';
  }
  if (feed) yield feed;
}

/**
 * gzip of the pieces, fed to zlib a slice at a time. A batch's JSON (about 1.2 MB for 500 readings)
 * never exists whole, neither as one string nor as a Buffer: after a poll of 1,000 devices that
 * was three such copies on top of the poll's own heap, at the daemon's peak memory.
 */
export async function gzipPieces(pieces: Iterable<string>): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(Readable.from(slices(pieces), { objectMode: false }), createGzip(), async (gzipped: AsyncIterable<Buffer>) => {
    for await (const chunk of gzipped) out.push(chunk);
  });
  return Buffer.concat(out);
}

export class Uploader extends ProviderLink<UploaderOptions> {
  private backoff: BackoffPolicy;
  private failures = 0;
  private retryAt?: Date;
  /** The provider's own Retry-After: a heartbeat does not shorten it. */
  private retryAfterUntil?: Date;
  private authBlocked?: { since: string; status: number; error: MeterboxError };
  private lastError?: { code: string; message: string; at: string };
  private lastSuccessAt?: string;
  private inFlight?: Promise<UploadResult>;

  /** Throws MBX_UPLOAD_CONFIG / MBX_TLS_CLIENT_CERT when the options cannot work (not https, no token, unreadable files). */
  constructor(opts: UploaderOptions) {
    super(opts, 'upload');
    this.backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
    if (this.transport.proxy) this.log.info({ proxyUrl: this.transport.proxy.display, url: opts.url }, 'uploading through a proxy');
  }

  /** Replaces the options (config reload); lifts a 401/403 block and resets the backoff. */
  override reconfigure(opts: UploaderOptions): void {
    super.reconfigure(opts);
    this.backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
    if (this.authBlocked) this.log.info({ agentId: opts.agentId }, 'configuration changed: uploads resume');
    this.authBlocked = undefined;
    this.failures = 0;
    this.retryAt = undefined;
    this.retryAfterUntil = undefined;
  }

  /**
   * A heartbeat got through with our token: the provider is back. Lifts a 401/403 block and ends
   * a backoff (but not a wait the provider asked for with Retry-After). Returns true when the last
   * upload failed and none has succeeded since: the caller runs one now rather than at its next
   * scheduled time, whether or not the delay has already run out.
   */
  heartbeatSucceeded(): boolean {
    const now = this.now();
    const honour = this.retryAfterUntil && now < this.retryAfterUntil ? this.retryAfterUntil : undefined;
    if (!this.authBlocked && (this.failures === 0 || honour)) return false;
    if (this.authBlocked) this.log.info({ agentId: this.opts.agentId, blockedSince: this.authBlocked.since }, 'heartbeat accepted by the provider: uploads resume');
    else this.log.info({ retryAt: this.retryAt?.toISOString(), failures: this.failures }, 'heartbeat accepted: the provider is back, the upload backoff ends');
    this.authBlocked = undefined;
    this.failures = 0;
    this.retryAt = undefined;
    return true;
  }

  state(): UploaderState {
    return {
      failures: this.failures,
      ...(this.authBlocked ? { authBlocked: { since: this.authBlocked.since, status: this.authBlocked.status, message: this.authBlocked.error.message } } : {}),
      ...(this.retryAt ? { retryAt: this.retryAt.toISOString() } : {}),
      ...(this.lastError ? { lastError: this.lastError } : {}),
      ...(this.lastSuccessAt ? { lastSuccessAt: this.lastSuccessAt } : {}),
    };
  }

  /** When the next attempt may go out (undefined: now). */
  get nextAttemptAt(): Date | undefined {
    return this.retryAt;
  }

  /**
   * Sends batches oldest-first until the outbox is empty, a failure stops it, or
   * `maxBatchesPerDrain` is reached. Never throws: failures are in the result (and logged).
   * While a retry delay or a 401/403 block is in force it sends nothing and says so.
   * Concurrent calls share one drain.
   */
  drainOnce(): Promise<UploadResult> {
    if (!this.inFlight) {
      this.inFlight = this.drain().finally(() => {
        this.inFlight = undefined;
      });
    }
    return this.inFlight;
  }

  private async drain(): Promise<UploadResult> {
    const res: UploadResult = { stop: 'empty', batches: 0, delivered: 0, rejected: 0, quarantined: 0, bytesSent: 0 };
    if (this.authBlocked) return { ...res, stop: 'auth', error: this.authBlocked.error };
    if (this.retryAt && this.now() < this.retryAt) return { ...res, stop: 'backoff', retryAt: this.retryAt };
    const limits = { ...DEFAULT_BATCH, ...this.opts.batch };
    const maxBatches = this.opts.maxBatchesPerDrain ?? 0;
    let sent = 0;
    for (;;) {
      const store = this.store();
      if (!store) return { ...res, stop: 'no-store' };
      if (maxBatches > 0 && sent >= maxBatches) return { ...res, stop: 'limit' };
      const items = store.readings.nextBatch(limits);
      if (items.length === 0) return res;
      sent++;
      let step: Awaited<ReturnType<Uploader['sendBatch']>>;
      try {
        step = await this.sendBatch(store, items, res);
      } catch (err) {
        // The store failed under us (disk full, closed database), or the token file vanished: stop, retry later.
        // The code says which: MBX_STORE_FULL is not the network's fault.
        const e = isMeterboxError(err)
          ? err
          : isStoreFailure(err)
            ? storeError(err, store.path, 'recording the upload')
            : new MeterboxError('MBX_UPLOAD_NETWORK', `upload failed: ${(err as Error).message}`, {}, { cause: err });
        this.noteError(e);
        this.log.error({ code: e.code, err: e.message }, 'upload stopped');
        this.failures++;
        this.retryAt = new Date(this.now().getTime() + backoffDelay(this.failures, this.backoff, (this.opts.random ?? Math.random)()));
        return { ...res, stop: 'retry', error: e, retryAt: this.retryAt };
      }
      if (step.kind === 'ok' || step.kind === 'quarantine') continue;
      if (step.kind === 'split' || !('error' in step)) {
        limits.maxCount = Math.max(1, Math.floor(items.length / 2));
        limits.maxBytes = Math.max(1, Math.floor(items.reduce((n, i) => n + i.bytes, 0) / 2));
        continue;
      }
      if (step.kind === 'auth') return { ...res, stop: 'auth', error: step.error };
      return { ...res, stop: 'retry', error: step.error, retryAt: this.retryAt as Date };
    }
  }

  private noteError(e: MeterboxError): void {
    this.lastError = { code: e.code, message: e.message, at: this.now().toISOString() };
  }

  private async sendBatch(
    store: DeliveryStore,
    items: OutboxItem[],
    res: UploadResult,
  ): Promise<{ kind: 'ok' | 'quarantine' | 'split' } | { kind: 'retry' | 'auth'; error: MeterboxError }> {
    const ids = items.map((i) => i.id);
    const body = await gzipPieces(readingsBodyParts(this.opts.agentId, this.now().toISOString(), items, this.opts.readingVersion));
    const out = await this.transport.post(`${API_PREFIX}/readings`, body, { 'content-encoding': 'gzip' });
    const base = { kind: 'readings' as const, count: items.length, bytes: body.length, ms: out.ms };
    let failure: ClassifiedFailure;
    if (out.ok) {
      const a = out.answer;
      if (a.status >= 200 && a.status < 300) {
        const receipt = parseReceipt(a.body);
        const inBatch = new Set(ids);
        const covered = receipt ? [...receipt.accepted, ...receipt.duplicate, ...receipt.rejected.map((r) => r.id)].filter((id) => inBatch.has(id)).length : 0;
        if (receipt && covered > 0) {
          const applied = store.applyReceipt(receipt, {
            ...base,
            status: a.status,
            accepted: receipt.accepted.length,
            duplicate: receipt.duplicate.length,
            rejected: receipt.rejected.length,
          });
          res.batches++;
          res.delivered += applied.delivered;
          res.rejected += applied.rejected;
          res.bytesSent += body.length;
          store.checkpoint();
          this.failures = 0;
          this.retryAt = undefined;
          this.retryAfterUntil = undefined;
          this.lastSuccessAt = this.now().toISOString();
          this.log.debug({ count: items.length, bytes: body.length, ms: out.ms, ...applied }, 'batch delivered');
          if (receipt.rejected.length > 0) {
            this.log.warn({ rejected: receipt.rejected.length, example: receipt.rejected[0] }, 'the provider rejected readings; they are kept aside with its reason');
          }
          if (covered < items.length) this.log.info({ left: items.length - covered }, 'receipt covered part of the batch; the rest stays pending and is sent again');
          return { kind: 'ok' };
        }
        failure = {
          kind: 'retry',
          code: 'MBX_UPLOAD_PROTOCOL',
          status: a.status,
          message: receipt ? `the provider's receipt names none of the ${items.length} readings sent` : `the provider answered HTTP ${a.status} with something that is not a receipt`,
        };
      } else {
        failure = classifyHttpFailure({
          status: a.status,
          serverMessage: serverMessage(a.body),
          retryAfterMs: parseRetryAfter(a.headers['retry-after'], this.now()),
          batchSize: items.length,
          url: this.opts.url,
          agentId: this.opts.agentId,
        });
      }
      if (failure.kind === 'quarantine' || failure.kind === 'split' || failure.kind === 'auth') {
        return this.settle(store, items, failure, { ...base, status: a.status }, res);
      }
    } else {
      failure = await this.classifyTransport(out.failure, items.length);
    }
    return this.settle(store, items, failure, { ...base, ...(failure.status !== undefined ? { status: failure.status } : {}) }, res);
  }

  private async classifyTransport(f: TransportFailure, batchSize: number): Promise<ClassifiedFailure> {
    const tlsDetail = isCertificateError(f.errCode) ? await probeCertificate(this.opts.url, this.transport.proxy, this.now(), f.errCode) : undefined;
    return classifyHttpFailure({
      ...f,
      batchSize,
      url: this.opts.url,
      agentId: this.opts.agentId,
      ...(tlsDetail ? { tlsDetail } : {}),
      ...(this.opts.caFile ? { caFile: this.opts.caFile } : {}),
    });
  }

  private settle(
    store: DeliveryStore,
    items: OutboxItem[],
    f: ClassifiedFailure,
    delivery: { kind: 'readings'; count: number; bytes: number; ms: number; status?: number },
    res: UploadResult,
  ): { kind: 'quarantine' | 'split' } | { kind: 'retry' | 'auth'; error: MeterboxError } {
    const ids = items.map((i) => i.id);
    const error = new MeterboxError(f.code, f.message, { url: this.opts.url, agentId: this.opts.agentId, ...(f.status !== undefined ? { status: f.status } : {}) });
    const audit = { ...delivery, error: `${f.code}: ${f.message}`.slice(0, 1000) };
    if (f.kind === 'quarantine') {
      const reason = f.message.slice(0, 1000);
      const applied = store.applyReceipt({ accepted: [], duplicate: [], rejected: ids.map((id) => ({ id, reason })) }, { ...audit, rejected: ids.length });
      store.events.add({ kind: 'upload.quarantined', severity: 'error', message: `${applied.rejected} reading(s) set aside: ${reason}`, data: { code: f.code, status: f.status, count: applied.rejected } });
      res.quarantined += applied.rejected;
      this.noteError(error);
      this.log.error({ code: f.code, status: f.status, count: applied.rejected }, `batch quarantined: ${f.message}`);
      return { kind: 'quarantine' };
    }
    if (f.kind === 'split') {
      store.deliveries.record(audit);
      this.log.warn({ code: f.code, count: items.length }, f.message);
      return { kind: 'split' };
    }
    store.recordAttemptFailure(ids, audit.error, audit);
    this.noteError(error);
    if (f.kind === 'auth') {
      this.authBlocked = { since: this.now().toISOString(), status: f.status ?? 401, error };
      store.events.add({ kind: 'upload.auth-failed', severity: 'error', message: f.message, data: { code: f.code, status: f.status } });
      this.log.error({ code: f.code, status: f.status, agentId: this.opts.agentId, url: this.opts.url }, f.message);
      return { kind: 'auth', error };
    }
    this.failures++;
    const delay = backoffDelay(this.failures, this.backoff, (this.opts.random ?? Math.random)(), f.retryAfterMs);
    this.retryAt = new Date(this.now().getTime() + delay);
    this.retryAfterUntil = f.retryAfterMs !== undefined ? this.retryAt : undefined;
    this.log.warn({ code: f.code, status: f.status, failures: this.failures, retryInMs: delay, retryAt: this.retryAt.toISOString() }, f.message);
    return { kind: 'retry', error };
  }
}

export type { HttpAnswer };
