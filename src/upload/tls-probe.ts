/**
 * After a certificate verification failure: connect once more without verification, send
 * nothing, read the server's chain and say which certificate failed and why. Through the same
 * proxy (CONNECT) when there is one. Never sends the token or any data over the unverified link.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import * as tls from 'node:tls';
import type { ResolvedProxy } from './transport.js';

interface Cert {
  subject?: Record<string, string | string[]>;
  issuer?: Record<string, string | string[]>;
  subjectaltname?: string;
  valid_from?: string;
  valid_to?: string;
  fingerprint256?: string;
  issuerCertificate?: Cert;
}

function name(n: Record<string, string | string[]> | undefined): string {
  if (!n) return '?';
  const cn = n.CN;
  if (cn) return `CN=${Array.isArray(cn) ? cn.join(',') : cn}`;
  return Object.entries(n)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : v}`)
    .join(', ');
}

/** Words about the chain, pure: which certificate is expired or not yet valid, who issued the leaf, what names it covers. */
export function describeChain(leaf: Cert, now: Date, code: string | undefined): string {
  const chain: Cert[] = [];
  for (let c: Cert | undefined = leaf; c && chain.length < 10; c = c.issuerCertificate === c ? undefined : c.issuerCertificate) chain.push(c);
  const role = (i: number) => (i === 0 ? 'server certificate' : i === chain.length - 1 && chain.length > 1 ? 'root CA certificate' : 'intermediate CA certificate');
  const parts: string[] = [];
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    chain.forEach((c, i) => {
      const from = c.valid_from ? Date.parse(c.valid_from) : NaN;
      const to = c.valid_to ? Date.parse(c.valid_to) : NaN;
      if (to < now.getTime()) parts.push(`${role(i)} ${name(c.subject)} expired on ${new Date(to).toISOString()}`);
      else if (from > now.getTime()) parts.push(`${role(i)} ${name(c.subject)} is valid only from ${new Date(from).toISOString()}`);
    });
  }
  parts.push(
    `server certificate ${name(leaf.subject)} issued by ${name(leaf.issuer)}` +
      (leaf.subjectaltname ? ` for ${leaf.subjectaltname}` : '') +
      (leaf.valid_from && leaf.valid_to ? `, valid ${leaf.valid_from} – ${leaf.valid_to}` : '') +
      (leaf.fingerprint256 ? `, SHA-256 ${leaf.fingerprint256}` : ''),
  );
  parts.push(`agent clock ${now.toISOString()}`);
  return parts.join('; ');
}

async function tunnel(proxy: ResolvedProxy, host: string, port: number, timeoutMs: number): Promise<Socket> {
  const auth = proxy.url.username ? `Basic ${Buffer.from(`${decodeURIComponent(proxy.url.username)}:${decodeURIComponent(proxy.url.password)}`).toString('base64')}` : undefined;
  const request = proxy.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request({
      host: proxy.url.hostname,
      port: Number(proxy.url.port) || (proxy.url.protocol === 'https:' ? 443 : 80),
      method: 'CONNECT',
      path: `${host}:${port}`,
      headers: { host: `${host}:${port}`, ...(auth ? { 'proxy-authorization': auth } : {}) },
      timeout: timeoutMs,
    });
    req.once('connect', (res, socket) => {
      if (res.statusCode === 200) resolve(socket);
      else {
        socket.destroy();
        reject(new Error(`proxy answered ${res.statusCode}`));
      }
    });
    req.once('timeout', () => req.destroy(new Error('proxy timeout')));
    req.once('error', reject);
    req.end();
  });
}

/** Reads the server's certificate chain without verifying it; undefined when that fails too. */
export async function probeCertificate(url: string, proxy: ResolvedProxy | undefined, now: Date, code: string | undefined, timeoutMs = 5_000): Promise<string | undefined> {
  try {
    const u = new URL(url);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const port = Number(u.port) || 443;
    const socket = proxy ? await tunnel(proxy, host, port, timeoutMs) : undefined;
    return await new Promise<string | undefined>((resolve) => {
      const s = tls.connect({ host, port, ...(socket ? { socket } : {}), servername: /^[\d.:]+$/.test(host) ? undefined : host, rejectUnauthorized: false, minVersion: 'TLSv1.2', timeout: timeoutMs });
      const done = (v: string | undefined) => {
        s.destroy();
        resolve(v);
      };
      s.once('secureConnect', () => done(describeChain(s.getPeerCertificate(true) as unknown as Cert, now, code)));
      s.once('timeout', () => done(undefined));
      s.once('error', () => done(undefined));
    });
  } catch {
    return undefined;
  }
}
