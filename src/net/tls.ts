/**
 * The receiver's certificate: given as PEM/files, or a self-signed pair generated at start.
 * `selfsigned` (with @peculiar/x509, asn1js, tsyringe…) is imported only when a pair is generated:
 * the daemon loads this module for its status page, and holding that code cost every box about
 * 2.3 MiB of heap for a certificate it makes once, if ever (health.lan without certFile).
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { MeterboxError } from '../contract/errors.js';

export interface CertPair {
  cert: string;
  key: string;
  fingerprint: string;
  selfSigned: boolean;
}

/** SHA-256 fingerprint `AB:CD:…` of a PEM certificate (the first one in the text). */
export function fingerprintOf(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}

/** A self-signed certificate for `host` plus localhost and 127.0.0.1, valid one year. */
export async function selfSignedPair(host: string, commonName = 'meterbox receiver', extraNames: readonly string[] = []): Promise<{ cert: string; key: string }> {
  const names = new Set([host, 'localhost', '127.0.0.1', '::1', ...extraNames]);
  const altNames = [...names].filter((n) => n !== '0.0.0.0' && n !== '::').map((n) => (isIP(n) ? { type: 7 as const, ip: n } : { type: 2 as const, value: n }));
  const now = new Date();
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: isIP(host) && host !== '0.0.0.0' ? host : commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + 365 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

export async function loadCertPair(o: { cert?: string; key?: string; certFile?: string; keyFile?: string; host: string }): Promise<CertPair> {
  let cert = o.cert;
  let key = o.key;
  try {
    if (!cert && o.certFile) cert = readFileSync(o.certFile, 'utf8');
    if (!key && o.keyFile) key = readFileSync(o.keyFile, 'utf8');
  } catch (err) {
    throw new MeterboxError('MBX_RECEIVER_TLS', `cannot read the certificate or key: ${(err as Error).message}`, { path: o.certFile ?? o.keyFile }, { cause: err });
  }
  if ((cert && !key) || (!cert && key)) throw new MeterboxError('MBX_RECEIVER_TLS', 'give both --cert and --key, or neither (a self-signed pair is generated)');
  if (cert && key) {
    try {
      return { cert, key, fingerprint: fingerprintOf(cert), selfSigned: false };
    } catch (err) {
      throw new MeterboxError('MBX_RECEIVER_TLS', `the certificate is not PEM X.509: ${(err as Error).message}`, { path: o.certFile }, { cause: err });
    }
  }
  const pair = await selfSignedPair(o.host);
  return { ...pair, fingerprint: fingerprintOf(pair.cert), selfSigned: true };
}
