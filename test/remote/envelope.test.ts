/**
 * The verification core of signed provider documents (src/remote/envelope.ts): real Ed25519 keys
 * from node:crypto, real signatures; each refusal has its own code and a reason that says what.
 */
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import { problemsOf } from '../helpers/config-problems.js';
import { generateSigningKey, keyId, parsePublicKey, signDocument, verifyDocument, type Envelope } from '../../src/remote/envelope.js';

const provider = generateSigningKey();
const other = generateSigningKey();
const now = new Date('2026-11-28T12:00:00Z');

function envelope(over: Partial<Envelope> = {}): Envelope {
  return { kind: 'config', agentId: 'box-1', version: 7, expiresAt: '2026-12-28T12:00:00Z', payload: { schedules: { poll: '*/5 * * * *' } }, ...over };
}
const expectation = { kind: 'config' as const, agentId: 'box-1', keys: [provider.publicText], lastVersion: 6, now };

describe('verifyDocument', () => {
  it('takes a document signed with a pinned key, for this agent, newer, not expired', () => {
    const v = verifyDocument(signDocument(envelope(), provider.privatePem), expectation);
    expect(v).toMatchObject({ ok: true, envelope: { version: 7, agentId: 'box-1', payload: { schedules: { poll: '*/5 * * * *' } } }, keyId: keyId(provider.publicText) });
  });

  it('finds the signer among several pinned keys (rotation), whatever the keyId hint says', () => {
    const doc = { ...signDocument(envelope(), provider.privatePem), keyId: 'ffffffffffffffff' };
    expect(verifyDocument(doc, { ...expectation, keys: [other.publicText, provider.publicText] }).ok).toBe(true);
  });

  it('refuses a bad signature: one byte of the envelope changed after signing', () => {
    const doc = signDocument(envelope(), provider.privatePem);
    const tampered = { ...doc, envelope: doc.envelope.replace('*/5', '*/1') };
    const v = verifyDocument(tampered, expectation);
    expect(v).toMatchObject({ ok: false, code: 'MBX_REMOTE_SIGNATURE' });
    expect(!v.ok && v.reason).toMatch(/does not match/);
    // A signature of the right size that is simply wrong
    const flipped = Buffer.from(doc.signature, 'base64');
    flipped[10] = (flipped[10] as number) ^ 1;
    expect(verifyDocument({ ...doc, signature: flipped.toString('base64') }, expectation)).toMatchObject({ ok: false, code: 'MBX_REMOTE_SIGNATURE' });
  });

  it('refuses a document signed by another key, naming it as not pinned', () => {
    const v = verifyDocument(signDocument(envelope(), other.privatePem), expectation);
    expect(v).toMatchObject({ ok: false, code: 'MBX_REMOTE_SIGNATURE' });
    expect(!v.ok && v.reason).toContain(`key ${keyId(other.publicText)}, which is not pinned`);
  });

  it('refuses everything when no key is pinned', () => {
    const v = verifyDocument(signDocument(envelope(), provider.privatePem), { ...expectation, keys: [] });
    expect(v).toMatchObject({ ok: false, code: 'MBX_REMOTE_SIGNATURE' });
    expect(!v.ok && v.reason).toMatch(/no provider key is pinned/);
  });

  it('refuses a replayed version: the same or an older one than the last taken', () => {
    for (const version of [6, 3]) {
      const v = verifyDocument(signDocument(envelope({ version }), provider.privatePem), expectation);
      expect(v).toMatchObject({ ok: false, code: 'MBX_REMOTE_REPLAYED', version });
    }
    expect(verifyDocument(signDocument(envelope({ version: 6 }), provider.privatePem), { ...expectation, lastVersion: undefined }).ok).toBe(true);
  });

  it('refuses an expired document', () => {
    const v = verifyDocument(signDocument(envelope({ expiresAt: '2026-11-28T11:59:59Z' }), provider.privatePem), expectation);
    expect(v).toMatchObject({ ok: false, code: 'MBX_REMOTE_EXPIRED', version: 7 });
  });

  it('refuses a document for another agent', () => {
    const v = verifyDocument(signDocument(envelope({ agentId: 'box-2' }), provider.privatePem), expectation);
    expect(v).toMatchObject({ ok: false, code: 'MBX_REMOTE_WRONG_AGENT' });
    expect(!v.ok && v.reason).toContain("'box-2'");
  });

  it('refuses malformed documents without throwing', () => {
    const good = signDocument(envelope(), provider.privatePem);
    const cases: unknown[] = [
      null,
      'text',
      [good],
      {},
      { ...good, envelope: 42 },
      { ...good, signature: 'abc' },
      { envelope: good.envelope },
    ];
    for (const c of cases) expect(verifyDocument(c, expectation), JSON.stringify(c)?.slice(0, 40)).toMatchObject({ ok: false, code: 'MBX_REMOTE_MALFORMED' });
    // Well signed but not a usable envelope: each field checked after the signature
    const signedBad = (e: unknown) => signDocument(e as Envelope, provider.privatePem);
    for (const e of [{ ...envelope(), version: 0 }, { ...envelope(), version: '7' }, { ...envelope(), expiresAt: 'soon' }, { ...envelope(), payload: null }, { ...envelope(), kind: 'shell' }, { ...envelope(), kind: 'update' }]) {
      expect(verifyDocument(signedBad(e), expectation), JSON.stringify(e)).toMatchObject({ ok: false, code: 'MBX_REMOTE_MALFORMED' });
    }
    expect(verifyDocument({ ...good, envelope: 'not json' }, expectation)).toMatchObject({ ok: false, code: 'MBX_REMOTE_SIGNATURE' });
  });

  it('parses pinned keys strictly', () => {
    expect(parsePublicKey(provider.publicText).asymmetricKeyType).toBe('ed25519');
    for (const bad of ['', 'ed25519:short', `rsa:${provider.publicText.slice(8)}`]) expect(() => parsePublicKey(bad)).toThrow(/ed25519:/);
  });
});

describe('pinned keys in the local config (remote.keys)', () => {
  const base = { agentId: 'box-1', provider: { url: 'https://provider.test', token: 'tok-123456' }, credentials: [{ name: 'pub', version: '2c', community: 'public' }] };
  it('takes keys as keygen prints them, with the defaults of the section', () => {
    const r = validateConfig({ ...base, remote: { keys: [provider.publicText] } }, 'cfg.json', { env: {} });
    expect(r.config.remote).toEqual({ keys: [provider.publicText], config: true, healthWindowSeconds: 600, update: { enabled: true, window: '02:00-05:00', spoolDir: '/var/lib/meterbox/update' } });
  });
  it('names a malformed key and a bad window by their path', () => {
    const problems = problemsOf(() => validateConfig({ ...base, remote: { keys: ['ed25519:nope'], update: { window: '2-5' } } }, 'cfg.json', { env: {} }));
    expect(problems.map((p) => p.path)).toEqual(['$.remote.keys[0]', '$.remote.update.window']);
    expect(problems[0]?.expected).toMatch(/receiver keygen/);
  });
});
