/**
 * The provider's side of maintenance, as a provider uses it: `meterbox receiver keygen`,
 * `publish-config --agent|--all`, `publish-update FILE.deb`, `maintenance`, and the download
 * endpoint of the real receiver over HTTPS (whole, resumed with Range, another agent's package).
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyDocument } from '../../src/remote/envelope.js';
import { FleetData } from '../../src/web/fleet/data.js';
import { startReceiver } from '../../src/receiver/server.js';
import type { RunningReceiver } from '../../src/receiver/types.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../daemon/harness.js';

function get(url: string, ca: string, token: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: new Agent({ ca }), headers: { authorization: `Bearer ${token}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A real, small Debian package with a given version (dpkg-deb, as the packaging script uses). */
function tinyDeb(dir: string, version: string): string {
  const root = join(dir, `pkg-${version}`);
  mkdirSync(join(root, 'DEBIAN'), { recursive: true });
  mkdirSync(join(root, 'opt', 'tiny'), { recursive: true });
  writeFileSync(join(root, 'DEBIAN', 'control'), `Package: tiny\nVersion: ${version}\nArchitecture: all\nMaintainer: test <t@example.invalid>\nDescription: test package\n`);
  writeFileSync(join(root, 'opt', 'tiny', 'data.bin'), randomBytes(16_384)); // incompressible: the package is larger than the Range offset
  const out = join(dir, `tiny_${version}_all.deb`);
  execFileSync('dpkg-deb', ['--build', '--root-owner-group', root, out], { stdio: 'pipe' });
  return out;
}

describe('receiver keygen, publish-config, publish-update, maintenance', () => {
  let dir: string;
  let db: string;
  let key: string;
  let publicText: string;
  const tokens: Record<string, string> = {};
  let rx: RunningReceiver;
  let updates: string;

  beforeAll(async () => {
    dir = tempDir();
    db = join(dir, 'receiver.db');
    key = join(dir, 'signing.key');
    updates = join(dir, 'updates');
    for (const agent of ['box-a', 'box-b']) {
      const r = await runCli(['receiver', 'token', 'add', '--db', db, '--agent', agent, '--json']);
      expect(r.code, r.stderr).toBe(0);
      tokens[agent] = (JSON.parse(r.stdout) as { token: string }).token;
    }
  }, 60_000);

  afterAll(async () => {
    await rx?.close();
  });

  it('keygen writes a private key only the owner reads, prints the key to pin, and never overwrites', async () => {
    const r = await runCli(['receiver', 'keygen', '--out', key]);
    expect(r.code, r.stderr).toBe(0);
    publicText = r.stdout.trim();
    expect(publicText).toMatch(/^ed25519:[A-Za-z0-9_-]{43}$/);
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(r.stderr).toContain('"remote": { "keys": [');
    const again = await runCli(['receiver', 'keygen', '--out', key]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/exists/);
  });

  it('publish-config signs one envelope per agent (--all), or for the agents named; versions grow', async () => {
    const file = join(dir, 'remote.json');
    writeFileSync(file, JSON.stringify({ schedules: { poll: '*/20 * * * *' } }));
    const all = await runCli(['receiver', 'publish-config', '--db', db, '--signing-key', key, '--all', file, '--json']);
    expect(all.code, all.stderr).toBe(0);
    const first = (JSON.parse(all.stdout) as { published: { agentId: string; version: number }[] }).published;
    expect(first.map((p) => p.agentId).sort()).toEqual(['box-a', 'box-b']);
    const one = await runCli(['receiver', 'publish-config', '--db', db, '--signing-key', key, '--agent', 'box-a', file, '--json']);
    expect(one.code, one.stderr).toBe(0);
    const second = (JSON.parse(one.stdout) as { published: { agentId: string; version: number }[] }).published;
    expect(second).toHaveLength(1);
    expect(second[0]?.version).toBeGreaterThan(first.find((p) => p.agentId === 'box-a')?.version ?? Infinity);
    const neither = await runCli(['receiver', 'publish-config', '--db', db, '--signing-key', key, file]);
    expect(neither.code).not.toBe(0);
    expect(neither.stderr).toMatch(/--agent ID .* or use --all/);
  });

  it('publish-update keeps the package under its SHA-256 and signs a manifest with the version of its control file', async () => {
    const deb = tinyDeb(dir, '0.2.0');
    const r = await runCli(['receiver', 'publish-update', '--db', db, '--signing-key', key, '--updates-dir', updates, '--agent', 'box-a', deb, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { manifest: { version: string; url: string; sha256: string; size: number } };
    const bytes = readFileSync(deb);
    expect(out.manifest).toEqual({ version: '0.2.0', url: `/v1/updates/${createHash('sha256').update(bytes).digest('hex')}.deb`, sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length });

    rx = await startReceiver({ dbPath: db, updatesDir: updates, logger: pino({ level: 'silent' }) });
    // The heartbeat answer of box-a carries both documents, verifiable with the pinned key.
    const hb = await new Promise<{ config?: unknown; update?: unknown }>((resolve, reject) => {
      const body = JSON.stringify({ agentId: 'box-a', version: '0.1.0', clock: new Date().toISOString(), uptimeSeconds: 1, outbox: { depth: 0 }, deviceCount: 0, recentErrors: {}, dataLoss: {}, events: [], acks: [] });
      const req = request(`${rx.url}/v1/heartbeat`, { method: 'POST', agent: new Agent({ ca: rx.certPem }), headers: { authorization: `Bearer ${tokens['box-a']}`, 'content-type': 'application/json' } }, (res) => {
        let t = '';
        res.on('data', (c: Buffer) => (t += c.toString()));
        res.on('end', () => resolve(JSON.parse(t) as { config?: unknown; update?: unknown }));
      });
      req.on('error', reject);
      req.end(body);
    });
    const v = verifyDocument<{ sha256: string }>(hb.update, { kind: 'update', agentId: 'box-a', keys: [publicText], now: new Date() });
    expect(v.ok && v.envelope.payload.sha256).toBe(out.manifest.sha256);
    expect(verifyDocument(hb.config, { kind: 'config', agentId: 'box-a', keys: [publicText], now: new Date() }).ok).toBe(true);

    const url = `${rx.url}${out.manifest.url}`;
    const whole = await get(url, rx.certPem, tokens['box-a'] as string);
    expect(whole.status).toBe(200);
    expect(whole.body.equals(bytes)).toBe(true);
    const rest = await get(url, rx.certPem, tokens['box-a'] as string, { range: 'bytes=1000-' });
    expect(rest.status).toBe(206);
    expect(rest.headers['content-range']).toBe(`bytes 1000-${bytes.length - 1}/${bytes.length}`);
    expect(rest.body.equals(bytes.subarray(1000))).toBe(true);
    expect((await get(url, rx.certPem, tokens['box-a'] as string, { range: `bytes=${bytes.length}-` })).status).toBe(416);
    // Not published for box-b: its token does not get it.
    expect((await get(url, rx.certPem, tokens['box-b'] as string)).status).toBe(404);
    expect((await get(url, rx.certPem, 'not-a-token')).status).toBe(401);
  }, 60_000);

  it('maintenance shows, per agent, what is published and who is behind (JSON, and the fleet view\'s agents list)', async () => {
    const fleet = await new FleetData(rx.store, () => new Date(), 900, () => []).agents();
    expect(fleet.find((a) => a.agentId === 'box-a')?.maintenance).toEqual({ configBehind: true, update: { target: '0.2.0', behind: true } });
    expect(fleet.find((a) => a.agentId === 'box-b')?.maintenance).toEqual({ configBehind: true });
    await rx.close();
    const r = await runCli(['receiver', 'maintenance', '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    const view = JSON.parse(r.stdout) as { latestVersion: string; agents: { agentId: string; version?: string; config: { behind: boolean; published?: number }; update: { behind: boolean; published?: string } }[] };
    expect(view.latestVersion).toBe('0.2.0');
    const a = view.agents.find((x) => x.agentId === 'box-a');
    expect(a).toMatchObject({ version: '0.1.0', config: { behind: true }, update: { published: '0.2.0', behind: true } });
    expect(view.agents.find((x) => x.agentId === 'box-b')?.update).toEqual({ behind: false });
    const behind = JSON.parse((await runCli(['receiver', 'maintenance', '--db', db, '--behind'])).stdout) as { agents: unknown[] };
    expect(behind.agents).toHaveLength(2);
  }, 60_000);
});
