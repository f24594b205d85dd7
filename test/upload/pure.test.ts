/** The functional core of the upload layer, with plain values: backoff, Retry-After, classification, bodies. */
import { describe, expect, it } from 'vitest';
import { apiValidators } from '../../src/receiver/schema.js';
import { backoffDelay, parseRetryAfter, DEFAULT_BACKOFF } from '../../src/upload/backoff.js';
import { classifyHttpFailure } from '../../src/upload/classify.js';
import { buildHeartbeatBody } from '../../src/upload/heartbeat.js';
import { describeChain } from '../../src/upload/tls-probe.js';
import { parseReceipt, readingsBodyParts } from '../../src/upload/uploader.js';
import { makeReading } from '../store/helpers.js';

const P = { baseMs: 1000, capMs: 60_000, maxRetryAfterMs: 3_600_000 };
const base = { url: 'https://provider.example', agentId: 'box-1', batchSize: 10 };

describe('backoffDelay: exponential, full jitter, capped, Retry-After as a floor', () => {
  it('grows as base·2^(n-1) at the top of the jitter range and is capped', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelay(n, P, 1))).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
    expect(backoffDelay(1000, P, 1)).toBe(60_000);
  });
  it('full jitter: anywhere from 0 to the ceiling', () => {
    expect(backoffDelay(3, P, 0)).toBe(0);
    expect(backoffDelay(3, P, 0.5)).toBe(2000);
    expect(backoffDelay(3, P, 0.999)).toBe(3996);
  });
  it('honours Retry-After: never sooner than asked, clamped to maxRetryAfterMs', () => {
    expect(backoffDelay(1, P, 0.1, 30_000)).toBe(30_000);
    expect(backoffDelay(8, P, 1, 5_000)).toBe(60_000);
    expect(backoffDelay(1, P, 0, 10 * 3_600_000)).toBe(3_600_000);
  });
  it('treats nonsense inputs safely', () => {
    expect(backoffDelay(0, P, 1)).toBe(1000);
    expect(backoffDelay(2, P, 7)).toBe(2000);
    expect(backoffDelay(2, DEFAULT_BACKOFF, 0, Number.NaN)).toBe(0);
  });
});

describe('parseRetryAfter', () => {
  const now = new Date('2026-11-22T18:00:00.000Z');
  it('reads delay-seconds and HTTP dates', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Sun, 22 Nov 2026 18:01:30 GMT', now)).toBe(90_000);
    expect(parseRetryAfter('Sun, 22 Nov 2026 17:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(['5', '9'], now)).toBe(5000);
  });
  it('ignores what is not a Retry-After', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

describe('classifyHttpFailure', () => {
  it('5xx, 429 and 408 retry; 5xx keeps Retry-After', () => {
    expect(classifyHttpFailure({ ...base, status: 503, retryAfterMs: 2000 })).toMatchObject({ kind: 'retry', code: 'MBX_UPLOAD_SERVER', retryAfterMs: 2000 });
    expect(classifyHttpFailure({ ...base, status: 429 })).toMatchObject({ kind: 'retry', code: 'MBX_UPLOAD_RATE_LIMITED' });
    expect(classifyHttpFailure({ ...base, status: 408 })).toMatchObject({ kind: 'retry', code: 'MBX_UPLOAD_TIMEOUT' });
  });
  it('401/403 stop uploads and say what to check', () => {
    const f = classifyHttpFailure({ ...base, status: 401, serverMessage: 'unknown agent token' });
    expect(f).toMatchObject({ kind: 'auth', code: 'MBX_UPLOAD_AUTH', status: 401 });
    expect(f.message).toMatch(/check the upload token.*agent id 'box-1'/);
    expect(classifyHttpFailure({ ...base, status: 403 }).kind).toBe('auth');
  });
  it('413 splits a batch, quarantines a single reading; other 4xx quarantine', () => {
    expect(classifyHttpFailure({ ...base, status: 413 })).toMatchObject({ kind: 'split', code: 'MBX_UPLOAD_TOO_LARGE' });
    expect(classifyHttpFailure({ ...base, status: 413, batchSize: 1 })).toMatchObject({ kind: 'quarantine', code: 'MBX_UPLOAD_TOO_LARGE' });
    const q = classifyHttpFailure({ ...base, status: 422, serverMessage: 'schema v0 unsupported' });
    expect(q).toMatchObject({ kind: 'quarantine', code: 'MBX_UPLOAD_REJECTED' });
    expect(q.message).toContain('schema v0 unsupported');
  });
  it('proxy 407 has its own code; other CONNECT refusals and an unreachable proxy are proxy failures', () => {
    expect(classifyHttpFailure({ ...base, proxyStatus: 407, viaProxy: true })).toMatchObject({ code: 'MBX_PROXY_AUTH' });
    expect(classifyHttpFailure({ ...base, proxyStatus: 403, viaProxy: true })).toMatchObject({ code: 'MBX_PROXY_FAILED' });
    expect(classifyHttpFailure({ ...base, errCode: 'ECONNREFUSED', viaProxy: true, tunnelUp: false })).toMatchObject({ code: 'MBX_PROXY_FAILED' });
    expect(classifyHttpFailure({ ...base, errCode: 'ECONNRESET', viaProxy: true, tunnelUp: true })).toMatchObject({ code: 'MBX_UPLOAD_NETWORK' });
  });
  it('network, timeout and TLS codes', () => {
    expect(classifyHttpFailure({ ...base, errCode: 'ECONNRESET' })).toMatchObject({ kind: 'retry', code: 'MBX_UPLOAD_NETWORK' });
    expect(classifyHttpFailure({ ...base, errCode: 'ECONNABORTED' })).toMatchObject({ code: 'MBX_UPLOAD_TIMEOUT' });
    expect(classifyHttpFailure({ ...base, errCode: 'CERT_HAS_EXPIRED' })).toMatchObject({ code: 'MBX_TLS_EXPIRED' });
    expect(classifyHttpFailure({ ...base, errCode: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', caFile: '/etc/meterbox/ca.pem' }).message).toMatch(/caFile \(now \/etc\/meterbox\/ca.pem\)/);
    expect(classifyHttpFailure({ ...base, errCode: 'ERR_TLS_CERT_ALTNAME_INVALID' })).toMatchObject({ code: 'MBX_TLS_HOSTNAME' });
    expect(classifyHttpFailure({ ...base, errCode: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' })).toMatchObject({ code: 'MBX_TLS_CLIENT_CERT' });
    expect(classifyHttpFailure({ ...base, errCode: 'ERR_SSL_UNSUPPORTED_PROTOCOL' })).toMatchObject({ code: 'MBX_TLS_HANDSHAKE' });
  });
});

describe('describeChain names the failing certificate', () => {
  const ca = { subject: { CN: 'Test CA' }, issuer: { CN: 'Test CA' }, valid_from: 'Jan  1 00:00:00 2020 GMT', valid_to: 'Jan  1 00:00:00 2040 GMT' };
  const leaf = { subject: { CN: 'provider.example' }, issuer: { CN: 'Test CA' }, subjectaltname: 'DNS:provider.example', valid_from: 'Jan  1 00:00:00 2020 GMT', valid_to: 'Jan  1 00:00:00 2021 GMT', issuerCertificate: ca };
  it('says the server certificate expired, when, and who issued it', () => {
    const s = describeChain(leaf, new Date('2026-01-01T00:00:00Z'), 'CERT_HAS_EXPIRED');
    expect(s).toContain('server certificate CN=provider.example expired on 2021-01-01T00:00:00.000Z');
    expect(s).toContain('issued by CN=Test CA for DNS:provider.example');
  });
});

describe('bodies match docs/provider-api.yaml', () => {
  const v = apiValidators();
  it('the readings request built from stored JSON', () => {
    const items = [makeReading(1, '2026-11-22T08:00:00.000Z'), makeReading(2, '2026-11-22T08:00:01.000Z')].map((r, i) => ({ seq: i, id: r.id, deviceKey: r.device.key, readAt: r.readAt, bytes: 0, attempts: 0, body: JSON.stringify(r) }));
    const body = JSON.parse([...readingsBodyParts('box-1', '2026-11-22T08:00:02.000Z', items)].join('')) as { readings: unknown[] };
    expect(v.check('ReadingsRequest', body)).toEqual([]);
    for (const r of body.readings) expect(v.check('Reading', r)).toEqual([]);
  });
  it('a reading with a negative counter or an unknown field is invalid', () => {
    const r = makeReading(1, '2026-11-22T08:00:00.000Z');
    expect(v.check('Reading', { ...r, counters: { total: -1 } })[0]).toMatch(/counters\/total/);
    expect(v.check('Reading', { ...r, extra: 1 })[0]).toMatch(/extra/);
  });
  it('the heartbeat body', () => {
    const hb = buildHeartbeatBody(
      { version: '0.1.0', uptimeSeconds: 12.5, deviceCount: 3, recentErrors: { MBX_SNMP_TIMEOUT: 2 }, outbox: { depth: 4, oldestPendingAgeSeconds: 60 }, diskFreeBytes: 1e9, lastPoll: { at: '2026-11-22T08:00:00.000Z', durationMs: 1200, devices: 3, ok: 3, failed: 0 } },
      { agentId: 'box-1', now: new Date('2026-11-22T08:05:00.000Z'), events: [{ seq: 1, at: '2026-11-22T07:00:00.000Z', kind: 'retention.dropped-pending', severity: 'error', message: 'dropped 5' }, { seq: 2, at: '2026-11-22T07:00:01.000Z', kind: 'device.moved', severity: 'info', message: 'moved' }] },
    );
    expect(v.check('HeartbeatRequest', hb)).toEqual([]);
    expect(hb.dataLoss).toEqual({ 'retention.dropped-pending': 1 });
    expect(hb.events).toHaveLength(2);
    expect(hb.clock).toBe('2026-11-22T08:05:00.000Z');
  });
  it('parseReceipt accepts receipts and refuses other shapes', () => {
    expect(parseReceipt('{"accepted":["a"],"duplicate":[],"rejected":[{"id":"b","reason":"bad"}]}')).toEqual({ accepted: ['a'], duplicate: [], rejected: [{ id: 'b', reason: 'bad' }] });
    expect(parseReceipt('{"accepted":"a"}')).toBeUndefined();
    expect(parseReceipt('<html>')).toBeUndefined();
  });
});
