/** Shared pieces of the upload and receiver tests: certificates made at test time, a receiver, a store, a log sink. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { generate } from 'selfsigned';
import { startReceiver } from '../../src/receiver/index.js';
import type { ReceiverOptions, RunningReceiver } from '../../src/receiver/types.js';
import { Store } from '../../src/store/store.js';
import { REDACT_PATHS } from '../../src/log.js';

export const AGENT = 'box-test-1';
export const TOKEN = 'tok-SECRET-3f9c2a7e51d04b8a';
/** Provider tokens of the test receiver: read-only, and admin (commands, fault injection). */
export const READ_TOKEN = 'prov-READ-6b1d0e9a4c27f385';
export const ADMIN_TOKEN = 'prov-ADMIN-0c8e5f2b7a913d64';

export function tempDir(prefix = 'mbx-upload-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A logger whose JSON lines are kept in memory (to check messages and that the token never appears). */
export function captureLogger(): { logger: Logger; lines: string[]; text: () => string } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  const logger = pino({ level: 'debug', redact: [...REDACT_PATHS] }, sink);
  return { logger, lines, text: () => lines.join('\n') };
}

type Alt = { type: 2; value: string } | { type: 7; ip: string };

export interface TestPki {
  caCert: string;
  caKey: string;
  caFile: string;
  /** Leaf for 127.0.0.1 / localhost, signed by the CA. */
  good: { cert: string; key: string };
  /** Same names, expired yesterday. */
  expired: { cert: string; key: string };
  /** Signed by the CA but for wrong.example only. */
  wrongName: { cert: string; key: string };
  /** A second CA nobody trusts, and a leaf for 127.0.0.1 from it. */
  otherCaLeaf: { cert: string; key: string };
  /** Client certificate for mTLS, signed by the CA. */
  client: { cert: string; key: string; certFile: string; keyFile: string };
}

async function leaf(ca: { cert: string; key: string }, cn: string, alt: Alt[], from: Date, to: Date, clientAuth = false): Promise<{ cert: string; key: string }> {
  const r = await generate([{ name: 'commonName', value: cn }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: from,
    notAfterDate: to,
    ca,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: !clientAuth, clientAuth },
      ...(alt.length ? [{ name: 'subjectAltName' as const, altNames: alt }] : []),
    ],
  });
  return { cert: r.cert, key: r.private };
}

async function makeCa(cn: string): Promise<{ cert: string; key: string }> {
  const now = Date.now();
  const r = await generate([{ name: 'commonName', value: cn }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 86_400_000),
    notAfterDate: new Date(now + 30 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  return { cert: r.cert, key: r.private };
}

/** A CA, a good leaf, an expired leaf, a wrong-name leaf, a leaf from an untrusted CA and a client cert; made at test time. */
export async function makePki(dir: string): Promise<TestPki> {
  const now = Date.now();
  const ca = await makeCa('meterbox test CA');
  const other = await makeCa('some other CA');
  const names: Alt[] = [
    { type: 7, ip: '127.0.0.1' },
    { type: 2, value: 'localhost' },
  ];
  const day = 86_400_000;
  const good = await leaf(ca, '127.0.0.1', names, new Date(now - day), new Date(now + 7 * day));
  const expired = await leaf(ca, '127.0.0.1', names, new Date(now - 10 * day), new Date(now - day));
  const wrongName = await leaf(ca, 'wrong.example', [{ type: 2, value: 'wrong.example' }], new Date(now - day), new Date(now + 7 * day));
  const otherCaLeaf = await leaf(other, '127.0.0.1', names, new Date(now - day), new Date(now + 7 * day));
  const client = await leaf(ca, AGENT, [], new Date(now - day), new Date(now + 7 * day), true);
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, ca.cert);
  const certFile = join(dir, 'client.pem');
  const keyFile = join(dir, 'client.key');
  writeFileSync(certFile, client.cert);
  writeFileSync(keyFile, client.key);
  return { caCert: ca.cert, caKey: ca.key, caFile, good, expired, wrongName, otherCaLeaf, client: { ...client, certFile, keyFile } };
}

export function startTestReceiver(dir: string, cert: { cert: string; key: string }, extra: Partial<ReceiverOptions> = {}): Promise<RunningReceiver> {
  return startReceiver({
    dbPath: join(dir, `receiver-${Math.random().toString(36).slice(2)}.db`),
    tokens: { [AGENT]: TOKEN, 'other-box': 'tok-other-0123456789', viewer: { role: 'read', token: READ_TOKEN }, ops: { role: 'admin', token: ADMIN_TOKEN } },
    cert: cert.cert,
    key: cert.key,
    logger: pino({ level: 'silent' }),
    ...extra,
  });
}

export function openStore(dir: string, name = 'outbox.db'): Store {
  return Store.open(join(dir, name), { log: pino({ level: 'silent' }) });
}
