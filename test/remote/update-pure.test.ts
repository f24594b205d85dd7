/** The self-update's pure checks (src/remote/update.ts): the maintenance window and the manifest's own fields. */
import { describe, expect, it } from 'vitest';
import { generateSigningKey, signDocument } from '../../src/remote/envelope.js';
import { inWindow, verifyManifest } from '../../src/remote/update.js';

const at = (h: number, m = 0) => new Date(2026, 10, 28, h, m);

describe('inWindow (local time)', () => {
  it('takes a plain window, one that wraps midnight, and the whole day', () => {
    expect([1, 2, 4, 5].map((h) => inWindow('02:00-05:00', at(h, h === 4 ? 59 : 0)))).toEqual([false, true, true, false]);
    expect([21, 23, 0, 3, 4, 12].map((h) => inWindow('22:00-04:00', at(h)))).toEqual([false, true, true, true, false, false]);
    expect([0, 12, 23].map((h) => inWindow('00:00-24:00', at(h, 59)))).toEqual([true, true, true]);
    expect(inWindow('03:00-03:00', at(3))).toBe(false);
  });
});

describe('verifyManifest', () => {
  const k = generateSigningKey();
  const sha = 'a'.repeat(64);
  const good = { version: '0.2.0', url: `/v1/updates/${sha}.deb`, sha256: sha, size: 1000 };
  const doc = (payload: unknown) => signDocument({ kind: 'update', agentId: 'b', version: 3, expiresAt: '2099-01-01T00:00:00Z', payload: payload as Record<string, unknown> }, k.privatePem);
  const expect_ = { agentId: 'b', keys: [k.publicText], now: new Date() };
  it('takes a well-formed manifest', () => {
    expect(verifyManifest(doc(good), expect_)).toMatchObject({ ok: true, envelope: { payload: good } });
  });
  it('refuses a signed manifest whose fields cannot be used (another host, a bad hash, no size)', () => {
    for (const bad of [{ ...good, url: 'https://elsewhere.test/x.deb' }, { ...good, sha256: 'xyz' }, { ...good, size: 0 }, { ...good, version: '; rm -rf /' }]) {
      expect(verifyManifest(doc(bad), expect_), JSON.stringify(bad)).toMatchObject({ ok: false, code: 'MBX_REMOTE_MALFORMED' });
    }
  });
});
