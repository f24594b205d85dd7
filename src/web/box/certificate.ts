/**
 * The status page's own HTTPS certificate for LAN access. Given as files, or self-signed: made
 * once and kept beside the outbox (key 0600), so its fingerprint stays the same across restarts
 * and an installer can note it once. Renewed a month before it ends (the new fingerprint is logged).
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { MeterboxError } from '../../contract/errors.js';
import { fingerprintOf, selfSignedPair } from '../../net/tls.js';

export interface PageCertificate {
  cert: string;
  key: string;
  fingerprint: string;
  selfSigned: boolean;
  /** Where the pair is kept, when it was written. */
  file?: string;
}

const RENEW_BEFORE_MS = 30 * 86_400_000;

/** The box's own addresses, so the certificate names what people type (the LAN address, the host name). */
function ownNames(host: string): string[] {
  const out = [hostname()];
  if (host !== '0.0.0.0' && host !== '::') out.push(host);
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (!a.internal && a.family === 'IPv4') out.push(a.address);
  return out;
}

export async function pageCertificate(o: { host: string; stateDir: string; certFile?: string; keyFile?: string; log: Logger; now?: Date }): Promise<PageCertificate> {
  if (o.certFile && o.keyFile) {
    try {
      const cert = readFileSync(o.certFile, 'utf8');
      return { cert, key: readFileSync(o.keyFile, 'utf8'), fingerprint: fingerprintOf(cert), selfSigned: false };
    } catch (err) {
      throw new MeterboxError('MBX_CONFIG_INVALID', `health.lan: cannot use the certificate ${o.certFile} / key ${o.keyFile}: ${(err as Error).message}`, { path: o.certFile }, { cause: err });
    }
  }
  const certPath = join(o.stateDir, 'status-page.crt');
  const keyPath = join(o.stateDir, 'status-page.key');
  const now = o.now ?? new Date();
  try {
    const cert = readFileSync(certPath, 'utf8');
    const key = readFileSync(keyPath, 'utf8');
    if (Date.parse(new X509Certificate(cert).validTo) - now.getTime() > RENEW_BEFORE_MS) return { cert, key, fingerprint: fingerprintOf(cert), selfSigned: true, file: certPath };
    o.log.info({ file: certPath }, 'the status page certificate ends within a month: making a new one');
  } catch {
    // none yet (or unreadable): make one
  }
  const pair = await selfSignedPair(o.host, 'meterbox status page', ownNames(o.host));
  const made: PageCertificate = { ...pair, fingerprint: fingerprintOf(pair.cert), selfSigned: true };
  try {
    writeFileSync(keyPath, pair.key, { mode: 0o600 });
    writeFileSync(certPath, pair.cert, { mode: 0o644 });
    made.file = certPath;
  } catch (err) {
    o.log.warn({ dir: o.stateDir, err: (err as Error).message }, 'could not keep the status page certificate; a new one (another fingerprint) is made at every start');
  }
  return made;
}
