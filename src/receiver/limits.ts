/**
 * What keeps one node's memory bounded whatever the agents send: a cap on request bodies being
 * decompressed at once (a gzip bomb expands in the slot it holds, and only until the per-request
 * limit), and a budget of body bytes held by all requests together (received plus decompressed).
 * Beyond either: 429 with Retry-After, which agents honour; nothing was stored.
 */
import type { IncomingMessage } from 'node:http';
import { createGunzip } from 'node:zlib';
import { HttpError } from './http.js';

/** Bytes held by requests in flight, against a ceiling. */
export class ByteBudget {
  used = 0;
  peak = 0;
  constructor(readonly max: number) {}

  take(n: number): boolean {
    if (this.used + n > this.max) return false;
    this.used += n;
    if (this.used > this.peak) this.peak = this.used;
    return true;
  }

  give(n: number): void {
    this.used = Math.max(0, this.used - n);
  }
}

/** A counting semaphore whose waiters give up after a while (then the request gets 429). */
export class Slots {
  active = 0;
  peak = 0;
  private readonly queue: (() => void)[] = [];
  constructor(
    readonly max: number,
    private readonly maxWaiting: number,
  ) {}

  get waiting(): number {
    return this.queue.length;
  }

  async acquire(waitMs: number): Promise<boolean> {
    if (this.active < this.max) {
      this.grant();
      return true;
    }
    if (this.queue.length >= this.maxWaiting) return false;
    return new Promise<boolean>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.grant();
        resolve(true);
      };
      const timer = setTimeout(() => {
        const i = this.queue.indexOf(wake);
        if (i >= 0) this.queue.splice(i, 1);
        resolve(false);
      }, waitMs);
      this.queue.push(wake);
    });
  }

  release(): void {
    this.active = Math.max(0, this.active - 1);
    const next = this.queue.shift();
    if (next) next();
  }

  private grant(): void {
    this.active++;
    if (this.active > this.peak) this.peak = this.active;
  }
}

export interface BodyLimits {
  /** Largest body, bytes, on the wire and once decompressed. */
  maxBody: number;
  budget: ByteBudget;
  slots: Slots;
  /** How long a request may wait for a decompression slot. */
  slotWaitMs: number;
}

/** What a request holds of the budget; the caller gives it back when the request ends, whatever happened. */
export interface Lease {
  held: number;
}

const busy = (what: string) => new HttpError(429, 'busy', `the receiver is busy (${what}); retry later`, { 'retry-after': '1' });
const tooLarge = (max: number, after = '') => new HttpError(413, 'too-large', `request body over ${max} bytes${after}`);

/** Reads a request body (identity or gzip) within the limits; the bytes it holds are added to `lease`. */
export async function readLimitedBody(req: IncomingMessage, limits: BodyLimits, lease: Lease): Promise<{ text: string; wireBytes: number }> {
  const take = (n: number, what: string) => {
    if (!limits.budget.take(n)) throw busy(what);
    lease.held += n;
  };
  const enc = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (enc !== 'identity' && enc !== '' && enc !== 'gzip') throw new HttpError(415, 'unsupported-encoding', `Content-Encoding ${enc} is not supported (gzip or identity)`);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limits.maxBody) throw tooLarge(limits.maxBody);
  if (Number.isFinite(declared) && declared > limits.budget.max - limits.budget.used) throw busy('too many request bytes in flight');
  const chunks: Buffer[] = [];
  let wire = 0;
  for await (const c of req) {
    const b = c as Buffer;
    wire += b.length;
    if (wire > limits.maxBody) throw tooLarge(limits.maxBody);
    take(b.length, 'too many request bytes in flight');
    chunks.push(b);
  }
  const raw = Buffer.concat(chunks, wire);
  if (enc !== 'gzip') return { text: raw.toString('utf8'), wireBytes: wire };
  if (!(await limits.slots.acquire(limits.slotWaitMs))) throw busy('too many bodies being decompressed');
  try {
    return { text: await inflate(raw, limits.maxBody, (n) => take(n, 'too many request bytes in flight')), wireBytes: wire };
  } finally {
    limits.slots.release();
  }
}

/** Streams gzip → text, charging every output chunk and stopping at `maxOut`: a bomb never expands past the limit. */
function inflate(raw: Buffer, maxOut: number, charge: (n: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const gz = createGunzip();
    const out: Buffer[] = [];
    let n = 0;
    let failed = false;
    const fail = (e: Error) => {
      if (failed) return;
      failed = true;
      gz.destroy();
      reject(e);
    };
    gz.on('data', (c: Buffer) => {
      if (failed) return;
      n += c.length;
      if (n > maxOut) return fail(tooLarge(maxOut, ' once decompressed'));
      try {
        charge(c.length);
      } catch (err) {
        return fail(err as Error);
      }
      out.push(c);
    });
    gz.on('end', () => {
      if (!failed) resolve(Buffer.concat(out, n).toString('utf8'));
    });
    gz.on('error', (err) => fail(new HttpError(400, 'bad-gzip', `the body is not valid gzip: ${err.message}`)));
    gz.end(raw);
  });
}
