/**
 * The TLS context of the uploader and the heartbeat: built once for the same CAs and client
 * certificate and shared, instead of once per connection (~300 CA certificates parsed again each
 * time, 1.3 MB of native memory that V8 does not see and collected late). What OpenSSL refuses
 * still fails where and how it failed before: at the connection, not at construction.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningReceiver } from '../../src/receiver/types.js';
import { Transport } from '../../src/upload/transport.js';
import { Uploader } from '../../src/upload/index.js';
import { makeReading } from '../store/helpers.js';
import { AGENT, TOKEN, captureLogger, makePki, openStore, startTestReceiver, tempDir, type TestPki } from './helpers.js';

const tmp = tempDir();
let pki: TestPki;
let rx: RunningReceiver;
const cap = captureLogger();

beforeAll(async () => {
  pki = await makePki(tmp.dir);
  rx = await startTestReceiver(tmp.dir, pki.good, { clientCa: pki.caCert });
});
afterAll(async () => {
  await rx?.close();
  tmp.cleanup();
});

describe('one TLS context per CA bundle and client certificate', () => {
  it('transports with the same material share it, and the socket pool is not keyed by the CA bundle', () => {
    const conn = { url: rx.url, agentId: AGENT, token: TOKEN, caFile: pki.caFile, clientCert: pki.client.certFile, clientKey: pki.client.keyFile, logger: cap.logger };
    const a = new Transport(conn);
    const b = new Transport({ ...conn });
    expect(a.tlsOptions.secureContext).toBeDefined();
    expect(b.tlsOptions.secureContext).toBe(a.tlsOptions.secureContext);
    expect(a.tlsOptions).not.toHaveProperty('ca');
    expect(a.tlsOptions).toMatchObject({ minVersion: 'TLSv1.2', rejectUnauthorized: true });
    const other = join(tmp.dir, 'other-ca.pem');
    writeFileSync(other, pki.otherCaLeaf.cert);
    const c = new Transport({ ...conn, caFile: other });
    expect(c.tlsOptions.secureContext).not.toBe(a.tlsOptions.secureContext);
    for (const t of [a, b, c]) t.close();
  });

  it('the shared context delivers over mTLS, for one uploader after another', async () => {
    const store = openStore(tmp.dir, 'outbox-mtls.db');
    for (let i = 0; i < 3; i++) {
      const u = new Uploader({ url: rx.url, agentId: AGENT, token: TOKEN, caFile: pki.caFile, clientCert: pki.client.certFile, clientKey: pki.client.keyFile, store: { current: store }, logger: cap.logger });
      store.saveCycle([makeReading(7000 + i, new Date(Date.parse('2026-11-22T08:00:00Z') + i * 1000))]);
      expect(await u.drainOnce()).toMatchObject({ stop: 'empty', delivered: 1 });
      u.close();
    }
  });

  it('a client key that does not match its certificate fails the request (as before), not the construction', async () => {
    const wrongKey = join(tmp.dir, 'wrong-key.pem');
    writeFileSync(wrongKey, pki.good.key);
    const store = openStore(tmp.dir, 'outbox-wrong-key.db');
    store.saveCycle([makeReading(8000, new Date('2026-11-22T08:00:00Z'))]);
    const u = new Uploader({ url: rx.url, agentId: AGENT, token: TOKEN, caFile: pki.caFile, clientCert: pki.client.certFile, clientKey: wrongKey, store: { current: store }, logger: cap.logger });
    const r = await u.drainOnce();
    expect(r).toMatchObject({ stop: 'retry', delivered: 0 });
    expect(r.error?.message).toMatch(/key values mismatch|KEY_VALUES_MISMATCH/i);
    u.close();
  });
});
