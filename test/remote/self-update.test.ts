/**
 * Self-update, the daemon's half, on one machine: the real receiver over HTTPS announces signed
 * manifests and serves packages; `meterbox run` verifies, downloads within its window (resuming a
 * partial download with Range), checks size, hash and signature, and hands a good package to the
 * helper's spool — and refuses a tampered package, a package truncated on the provider and a
 * manifest signed by another key, each with an event and a report, handing nothing over. The
 * install by the privileged helper is proven in the booted container (test/system/update.test.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey, signDocument } from '../../src/remote/envelope.js';
import { partialName, SPOOL } from '../../src/remote/update.js';
import { publishUpdate } from '../../src/receiver/publish.js';
import type { RunningReceiver } from '../../src/receiver/types.js';
import type { WireRemote } from '../../src/upload/protocol.js';
import { waitFor, type DaemonProcess } from '../daemon/harness.js';
import { AGENT, startRemoteLab, type RemoteLab } from './lab.js';
const provider = generateSigningKey();
const stranger = generateSigningKey();

describe('self-update: announcement, download, checks, hand-over', () => {
  let lab: RemoteLab;
  let dir: string;
  let rx: RunningReceiver;
  let daemon: DaemonProcess;
  let spool: string;
  let updates: string;

  const waitReport = (pred: (r: NonNullable<WireRemote['update']>) => boolean, what: string) => lab.waitReport('update', pred, what);
  /** A package-sized file of random bytes (the daemon checks bytes; the helper checks it is a .deb). */
  const pkg = (name: string, size = 300_000) => {
    const f = join(dir, name);
    writeFileSync(f, randomBytes(size));
    return f;
  };
  const publish = (file: string, version: string) => publishUpdate(file, updates, { store: rx.store, privatePem: provider.privatePem, agentIds: [AGENT], version });

  beforeAll(async () => {
    // The spool is in the lab's directory: the daemon writes there what meterbox-update.path would see.
    lab = await startRemoteLab({ devices: 1, remote: (d) => ({ keys: [provider.publicText], update: { window: '00:00-24:00', spoolDir: join(d, 'spool') } }), updatesDir: (d) => join(d, 'updates') });
    ({ dir, rx, daemon } = lab);
    spool = join(dir, 'spool');
    updates = join(dir, 'updates');
  }, 120_000);

  afterAll(async () => {
    await lab?.close();
  });

  it('downloads an announced package in the window, resuming what an earlier attempt left, and hands it to the helper', async () => {
    const file = pkg('good.deb');
    const bytes = readFileSync(file);
    const sha = createHash('sha256').update(bytes).digest('hex');
    // What a download cut by a restart left behind: the first 100 000 bytes.
    mkdirSync(spool, { recursive: true });
    writeFileSync(join(spool, partialName(sha)), bytes.subarray(0, 100_000));
    rx.clearRequests();
    const [p] = await publish(file, '9.0.1');
    const r = await waitReport((x) => x.manifest === p?.version && x.state === 'downloaded', 'the package downloaded and handed over');
    expect(r).toMatchObject({ target: '9.0.1', running: expect.any(String) });
    expect(readFileSync(join(spool, SPOOL.deb)).equals(bytes)).toBe(true);
    expect(existsSync(join(spool, SPOOL.request))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(spool, SPOOL.manifest), 'utf8')) as { envelope: string };
    expect(JSON.parse(manifest.envelope)).toMatchObject({ kind: 'update', agentId: AGENT, payload: { version: '9.0.1', sha256: sha, size: bytes.length } });
    const gets = rx.requests().filter((q) => q.path === `/v1/updates/${sha}.deb`);
    expect(gets.map((q) => [q.status, q.headers.range])).toEqual([[206, 'bytes=100000-']]);
    await daemon.waitForLog((l) => /downloaded and verified; handed to meterbox-update.service/.test(l.msg), 10_000, 'the hand-over in the log');
  }, 90_000);

  it('refuses a package altered on the way (hash), one truncated on the provider, and a manifest signed by another key; nothing is handed over', async () => {
    // The helper took the previous hand-over (as meterbox-update.service would).
    for (const f of [SPOOL.request, SPOOL.deb, SPOOL.manifest]) rmSync(join(spool, f));

    const tampered = pkg('tampered.deb');
    const [t] = await publish(tampered, '9.0.2');
    const served = join(updates, `${createHash('sha256').update(readFileSync(tampered)).digest('hex')}.deb`);
    const b = readFileSync(served);
    b[1234] = (b[1234] as number) ^ 0xff;
    writeFileSync(served, b);
    const r1 = await waitReport((x) => x.manifest === t?.version && x.state === 'refused', 'the tampered package refused');
    expect(r1).toMatchObject({ code: 'MBX_UPDATE_DOWNLOAD', target: '9.0.2' });
    expect(r1.reason).toMatch(/SHA-256 .* is not the manifest's/);

    const truncated = pkg('truncated.deb');
    const [u] = await publish(truncated, '9.0.3');
    truncateSync(join(updates, `${createHash('sha256').update(readFileSync(truncated)).digest('hex')}.deb`), 150_000);
    const r2 = await waitReport((x) => x.manifest === u?.version && x.state === 'refused', 'the truncated package refused');
    expect(r2).toMatchObject({ code: 'MBX_UPDATE_DOWNLOAD' });
    expect(r2.reason).toMatch(/truncated on the provider/);

    const other = pkg('other.deb');
    const sha = createHash('sha256').update(readFileSync(other)).digest('hex');
    const version = (u?.version ?? 0) + 1;
    const doc = signDocument({ kind: 'update', agentId: AGENT, version, expiresAt: new Date(Date.now() + 3_600_000).toISOString(), payload: { version: '9.0.4', url: `/v1/updates/${sha}.deb`, sha256: sha, size: 300_000 } }, stranger.privatePem);
    expect(await rx.store.publish({ agentId: AGENT, kind: 'update', version, document: JSON.stringify(doc), summary: { version: '9.0.4', sha256: sha, size: 300_000 }, createdAt: new Date().toISOString() })).toBe(true);
    const r3 = await waitReport((x) => x.manifest === version && x.state === 'refused', 'the foreign manifest refused');
    expect(r3).toMatchObject({ code: 'MBX_REMOTE_SIGNATURE' });

    expect(existsSync(join(spool, SPOOL.request))).toBe(false);
    expect(existsSync(join(spool, SPOOL.deb))).toBe(false);
    const events = await waitFor(async () => {
      const e = await rx.store.events({ agentId: AGENT, kind: 'update.refused' });
      return e.length >= 3 ? e : undefined;
    }, 30_000, 'three update.refused events at the receiver');
    expect(events.map((e) => e.message).join('\n')).toMatch(/9\.0\.2[\s\S]*9\.0\.3/);
  }, 120_000);
});
