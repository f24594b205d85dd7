/**
 * HTTP pieces shared by the box's status page and the provider's fleet view: answers with the
 * security headers every page gets (a strict Content-Security-Policy: scripts, styles and data
 * only from the page's own origin, no framing), small bounded request bodies, cookies, and the
 * Host / Origin checks that keep another site (or a DNS-rebinding one) from using a logged-in
 * browser. Plain node:http, like the health endpoint and the receiver.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';

/** An answer to give instead of going on: status, a stable code and words for a person. */
export class WebError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Headers of every answer: nothing cached, nothing sniffed, never framed, scripts from here only. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on the page's own form posts.
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

function answer(res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string>): void {
  const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, { ...SECURITY_HEADERS, 'cache-control': 'no-store', 'content-type': type, 'content-length': String(buf.length), ...headers });
  res.end(res.req?.method === 'HEAD' ? undefined : buf);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  answer(res, status, 'application/json; charset=utf-8', JSON.stringify(body), headers);
}

export function sendHtml(res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  answer(res, status, 'text/html; charset=utf-8', html, headers);
}

export function sendBytes(res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  answer(res, status, type, body, headers);
}

export function redirect(res: ServerResponse, location: string, headers: Record<string, string> = {}): void {
  res.writeHead(303, { ...SECURITY_HEADERS, 'cache-control': 'no-store', location, ...headers }).end();
}

export function sendError(res: ServerResponse, err: WebError): void {
  if (res.headersSent) return void res.destroy();
  sendJson(res, err.status, { error: { code: err.code, message: err.message } }, err.headers);
}

/** A small request body (a login form, an action's JSON): refused past `max` bytes. */
export async function readBody(req: IncomingMessage, max = 16 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > max) throw new WebError(413, 'too-large', `the request body is larger than ${max} bytes`, { connection: 'close' });
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const name = part.slice(0, i).trim();
    if (!out.has(name)) out.set(name, part.slice(i + 1).trim());
  }
  return out;
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || (isIP(a) === 4 && a.startsWith('127.'));
}

/** The host part of a Host header (`[::1]:9161` → `::1`, `box.lan:9443` → `box.lan`). */
export function hostName(hostHeader: string | undefined): string {
  const h = (hostHeader ?? '').trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const i = h.lastIndexOf(':');
  return i > 0 && h.indexOf(':') === i ? h.slice(0, i) : h;
}

/**
 * A request that a browser sent on behalf of this origin, not of another site: `Sec-Fetch-Site`
 * (sent by current browsers) is same-origin (or none: typed in the address bar), and an `Origin`,
 * when present, names the host the request came to. Used for every state-changing request, next to
 * the CSRF token.
 */
export function sameOrigin(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host.toLowerCase() === (req.headers.host ?? '').toLowerCase();
  } catch {
    return false;
  }
}
