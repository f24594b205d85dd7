/**
 * Logins for the web pages, kept in the browser and not in the server: a session cookie carries
 * who logged in (a subject, e.g. a provider token's id), when it ends and a random nonce, signed
 * with HMAC-SHA256 under a key that only the server can derive for that subject. The fleet view
 * derives it from the token's stored hash, so every receiver node (and every --workers process)
 * accepts the same cookie without sharing memory, and revoking the token ends its sessions at
 * once; the box derives it from a random key of the running process. The CSRF token of a session
 * is another HMAC of its nonce (a synchronizer token that needs no storage either).
 *
 * Cookie: HttpOnly (scripts cannot read it), SameSite=Strict (never sent from another site),
 * Secure whenever the page is served over HTTPS.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { parseCookies, sameOrigin } from './http.js';

export interface Session {
  subject: string;
  expiresAt: number;
  /** Sent back by the page in `X-CSRF-Token` with every action. */
  csrf: string;
}

export interface SessionOptions {
  cookieName: string;
  /** Cookie path: the pages' prefix. */
  path: string;
  secure: boolean;
  ttlMs: number;
  now: () => number;
  /** The secret material of a subject (undefined: unknown or revoked, and its sessions end). */
  material: (subject: string) => Promise<string | Buffer | undefined>;
}

const b64 = (b: Buffer) => b.toString('base64url');
const mac = (key: Buffer, text: string) => createHmac('sha256', key).update(text, 'utf8').digest();

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export class Sessions {
  constructor(private readonly o: SessionOptions) {}

  private static keyOf(material: string | Buffer): Buffer {
    return mac(Buffer.isBuffer(material) ? material : Buffer.from(material, 'utf8'), 'meterbox web session v1');
  }

  /** A new session for `subject`: the Set-Cookie value and the session it stands for. */
  async issue(subject: string): Promise<{ setCookie: string; session: Session } | undefined> {
    const material = await this.o.material(subject);
    if (material === undefined) return undefined;
    const key = Sessions.keyOf(material);
    const expiresAt = this.o.now() + this.o.ttlMs;
    const nonce = b64(randomBytes(18));
    const body = `${b64(Buffer.from(subject, 'utf8'))}.${expiresAt}.${nonce}`;
    const value = `${body}.${b64(mac(key, `v1|${body}`))}`;
    return { setCookie: this.cookie(value, Math.floor(this.o.ttlMs / 1000)), session: { subject, expiresAt, csrf: b64(mac(key, `csrf|${nonce}`)) } };
  }

  /** The session a request carries, when its cookie is well-formed, signed, unexpired and its subject still known. */
  async verify(req: IncomingMessage): Promise<Session | undefined> {
    const value = parseCookies(req.headers.cookie).get(this.o.cookieName);
    const m = value ? /^([A-Za-z0-9_-]{1,400})\.(\d{1,15})\.([A-Za-z0-9_-]{24})\.([A-Za-z0-9_-]{43})$/.exec(value) : null;
    if (!m) return undefined;
    const [, subj64, exp, nonce, sig] = m as unknown as [string, string, string, string, string];
    const expiresAt = Number(exp);
    if (!(expiresAt > this.o.now())) return undefined;
    const subject = Buffer.from(subj64, 'base64url').toString('utf8');
    const material = await this.o.material(subject);
    if (material === undefined) return undefined;
    const key = Sessions.keyOf(material);
    if (!sameBytes(mac(key, `v1|${subj64}.${exp}.${nonce}`), Buffer.from(sig, 'base64url'))) return undefined;
    return { subject, expiresAt, csrf: b64(mac(key, `csrf|${nonce}`)) };
  }

  /** An action (POST) is the page's own: same origin, and the session's CSRF token in X-CSRF-Token. */
  csrfOk(req: IncomingMessage, s: Session): boolean {
    const sent = req.headers['x-csrf-token'];
    return sameOrigin(req) && typeof sent === 'string' && sameBytes(Buffer.from(sent, 'utf8'), Buffer.from(s.csrf, 'utf8'));
  }

  /** Set-Cookie that removes the session cookie (logout). */
  cleared(): string {
    return this.cookie('', 0);
  }

  private cookie(value: string, maxAge: number): string {
    return `${this.o.cookieName}=${value}; Path=${this.o.path}; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${this.o.secure ? '; Secure' : ''}`;
  }
}

/**
 * Failed logins per client address: after `max` failures within `windowMs` the address waits for
 * the window to end. Guessing a 256-bit token is hopeless anyway; a box password is not, so this
 * keeps a LAN neighbour from trying a dictionary. Bounded memory: the oldest addresses go first.
 */
export class LoginThrottle {
  private readonly fails = new Map<string, { count: number; since: number }>();

  constructor(
    private readonly now: () => number,
    private readonly max = 5,
    private readonly windowMs = 5 * 60_000,
  ) {}

  /** Seconds to wait before trying again, or 0. */
  waitSeconds(address: string): number {
    const f = this.fails.get(address);
    if (!f) return 0;
    const left = f.since + this.windowMs - this.now();
    if (left <= 0) {
      this.fails.delete(address);
      return 0;
    }
    return f.count >= this.max ? Math.ceil(left / 1000) : 0;
  }

  failed(address: string): void {
    const f = this.fails.get(address);
    if (f && f.since + this.windowMs > this.now()) f.count++;
    else this.fails.set(address, { count: 1, since: this.now() });
    if (this.fails.size > 10_000) this.fails.delete(this.fails.keys().next().value as string);
  }

  succeeded(address: string): void {
    this.fails.delete(address);
  }
}

/** Random secret material for a process's own sessions (the box: they end when it restarts). */
export function processSecret(): Buffer {
  return randomBytes(32);
}
