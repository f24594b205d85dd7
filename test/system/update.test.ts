/**
 * Maintenance from the provider on the box as installed: the .deb in a booted Debian bookworm
 * under its own systemd (container.ts), the receiver on the host signing and serving remote
 * configurations and updates (`receiver keygen`, `publish-config`, `publish-update`), and
 * meterbox-update.path/.service doing the privileged part. One box, one story, steps in order:
 *   1. version N installed and delivering; its package kept for rollback (`update-helper --keep`);
 *   2. a published configuration changes the poll schedule;
 *   3. a configuration that leaves the box unhealthy is rolled back;
 *   4. an update N → N+1 is installed in the window, and the box is healthy on N+1;
 *   5. a deliberately broken N+2 is rolled back to N+1;
 *   6. readings counted at both ends: every reading the box committed is at the receiver, once.
 * Versions N+1 and N+2 are the package script's output with the control file's version rewritten
 * (N+2 also with its daemon module replaced by one that throws). Prints the time from announcement
 * to healthy. Needs root; skips like installed.test.ts, and fails instead under CI.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { selfSignedPair } from '../../src/net/tls.js';
import { CLI_ARGV, runCli } from '../helpers/cli.js';
import { randomLoopbackBlock } from '../helpers/net.js';
import { freeTcpPort, waitFor } from '../daemon/harness.js';
import { Container, run, skipReason } from './container.js';
import { allDeliveredOnce, outbox, receiverApi, spawnReceiver, storySteps } from './provider.js';

const SKIP = skipReason();
if (SKIP) console.warn(`self-update system test skipped: ${SKIP}`);
if (SKIP && process.env.METERBOX_REQUIRE_SYSTEM_TEST === '1') throw new Error(`METERBOX_REQUIRE_SYSTEM_TEST is set, but the self-update system test cannot run: ${SKIP}`);

const TOKEN = 'upd-token-1f9c3b7a55-NEVER-LOGGED';
const READ_TOKEN = 'upd-provider-read-7a2d9e4c1b';
const COMMUNITY = 'upd-c0mmunity';
const AGENT = 'update-box';
/** Probation of a remote config and of a new version: generous for a loaded 2-core machine, short enough for a test. */
const WINDOW_S = 45;

interface Reported {
  config?: { version: number; state: string; inForce: number; code?: string; reason?: string };
  update?: { manifest: number; target: string; state: string; running: string; code?: string; reason?: string };
}

describe.skipIf(SKIP !== undefined)('signed remote configuration and self-update on the installed box (bookworm, systemd-nspawn)', () => {
  const started = Date.now();
  let work = '';
  const block = randomLoopbackBlock().replace(/\.1$/, '');
  let box: Container;
  let simulator: ChildProcess | undefined;
  let receiver: ChildProcess | undefined;
  let rxPort = 0;
  let healthPort = 0;
  let publicKey = '';
  const debs: Record<'n' | 'n1' | 'n2', { file: string; version: string }> = { n: { file: '', version: '' }, n1: { file: '', version: '' }, n2: { file: '', version: '' } };
  const timings: string[] = [];
  const mark = (what: string) => timings.push(`${what} at ${((Date.now() - started) / 1000).toFixed(0)} s`);

  const inside = (script: string) => box.sh(script);
  const db = () => join(work, 'receiver.db');
  const rxGet = receiverApi(() => rxPort, () => readFileSync(join(work, 'rx.pem')), READ_TOKEN);
  const agent = async () => ((await rxGet('/v1/agents')).body.agents as { agentId: string; version?: string; lastHeartbeat?: { remote?: Reported; version?: string } }[]).find((a) => a.agentId === AGENT);
  const reported = async (): Promise<Reported> => (await agent())?.lastHeartbeat?.remote ?? {};
  const records = async (): Promise<(Record<string, unknown> & { _mono: number })[]> =>
    (await box.journal('meterbox')).flatMap((e) => {
      const text = typeof e.MESSAGE === 'string' ? e.MESSAGE : '';
      return text.startsWith('{') ? [{ ...(JSON.parse(text) as Record<string, unknown>), _mono: Number(e.__MONOTONIC_TIMESTAMP) }] : [];
    });
  const publish = async (args: string[]) => {
    const r = await runCli(['receiver', ...args, '--db', db(), '--signing-key', join(work, 'signing.key'), '--agent', AGENT, '--json'], { timeoutMs: 60_000 });
    if (r.code !== 0) throw new Error(`receiver ${args[0]} failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as { published: { version: number }[] };
  };
  const publishConfig = (payload: Record<string, unknown>) => {
    const f = join(work, `remote-${Date.now()}.json`);
    writeFileSync(f, JSON.stringify(payload));
    return publish(['publish-config', f]);
  };

  const config = (extra: Record<string, unknown> = {}) => ({
    $schema: 'file:///opt/meterbox/config/meterbox.schema.json',
    agentId: AGENT,
    provider: { url: `https://127.0.0.1:${rxPort}`, token: { credential: 'token' }, caFile: '/etc/meterbox/provider-ca.pem' },
    credentials: [{ name: 'lab', version: '2c', community: { credential: 'community' } }],
    targets: [{ target: `${block}.2-${block}.3`, label: 'printers', credentials: ['lab'] }],
    schedules: { discovery: '0 0 1 1 *', retention: '0 0 1 1 *', poll: '*/10 * * * * *', upload: '*/10 * * * * *', heartbeat: '*/5 * * * * *' },
    health: { port: healthPort },
    remote: { keys: [publicKey], healthWindowSeconds: WINDOW_S, update: { window: '00:00-24:00' } },
    ...extra,
  });
  const meterboxGid = () => Number(/^meterbox:[^:]*:(\d+):/m.exec(readFileSync(box.path('/etc/group'), 'utf8'))?.[1] ?? 0);

  /** A version of the package: the script's output with its control file's version rewritten (and, for N+2, its daemon broken). */
  async function variant(from: string, suffix: string, broken: boolean): Promise<{ file: string; version: string }> {
    const tree = join(work, `tree-${suffix}`);
    await run('dpkg-deb', ['-R', from, tree]);
    const control = readFileSync(join(tree, 'DEBIAN', 'control'), 'utf8');
    const version = `${/^Version: (.+)$/m.exec(control)?.[1] ?? '0'}+${suffix}`;
    writeFileSync(join(tree, 'DEBIAN', 'control'), control.replace(/^Version: .+$/m, `Version: ${version}`));
    // What the daemon reports as its version: a real new build has it in its package.json too.
    const pj = join(tree, 'opt', 'meterbox', 'package.json');
    writeFileSync(pj, JSON.stringify({ ...(JSON.parse(readFileSync(pj, 'utf8')) as Record<string, unknown>), version }, null, 2));
    if (broken) writeFileSync(join(tree, 'opt', 'meterbox', 'dist', 'daemon', 'daemon.js'), "throw new Error('deliberately broken build: the daemon cannot load');\n");
    const file = join(work, 'debs', `meterbox_${version}.deb`);
    await run('dpkg-deb', ['--root-owner-group', '-Zgzip', '-z1', '--build', tree, file]);
    return { file, version };
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'mbx-update-'));
    const log = (s: string) => console.log(`self-update system test: ${s}`);
    healthPort = await freeTcpPort();
    const boot = Container.boot({ log });
    boot.catch(() => undefined);
    const n = (await run('bash', [join(PACKAGE_ROOT, 'scripts', 'package-deb.sh')], { cwd: PACKAGE_ROOT, env: { ...process.env, OUT_DIR: join(work, 'debs') }, timeoutMs: 180_000 })).stdout.trim().split('\n').at(-1) as string;
    debs.n = { file: n, version: (await run('dpkg-deb', ['-f', n, 'Version'])).stdout.trim() };
    debs.n1 = await variant(n, 'upd1', false);
    debs.n2 = await variant(n, 'upd2', true);
    mark('packages built');
    const pair = await selfSignedPair('127.0.0.1');
    writeFileSync(join(work, 'rx.pem'), pair.cert);
    writeFileSync(join(work, 'rx.key'), pair.key, { mode: 0o600 });
    writeFileSync(join(work, 'tokens.json'), JSON.stringify({ [AGENT]: TOKEN, viewer: { role: 'read', token: READ_TOKEN } }));
    const kg = await runCli(['receiver', 'keygen', '--out', join(work, 'signing.key')]);
    if (kg.code !== 0) throw new Error(kg.stderr);
    publicKey = kg.stdout.trim();
    simulator = spawn(process.execPath, [...CLI_ARGV, 'simulate', '--synthetic', '2', '--first', `${block}.2`, '--port', '161', '--community', COMMUNITY], { stdio: ['ignore', 'pipe', 'inherit'] });
    await waitFor(() => new Promise<true | undefined>((res) => simulator?.stdout?.once('data', () => res(true))), 30_000, 'the simulator');
    ({ child: receiver, port: rxPort } = await spawnReceiver(0, ['--db', db(), '--tokens', join(work, 'tokens.json'), '--cert', join(work, 'rx.pem'), '--key', join(work, 'rx.key'), '--updates-dir', join(work, 'updates')]));
    await waitFor(async () => ((await rxGet('/v1/agents')).status === 200 ? true : undefined), 30_000, 'the receiver');
    box = await boot;
    mark('container booted');
    await run('cp', [debs.n.file, box.path('/var/cache/meterbox-test/meterbox-n.deb')]);
  }, 420_000);

  afterAll(async () => {
    console.log(`self-update system test timings: ${timings.join('; ')}; total ${((Date.now() - started) / 1000).toFixed(0)} s`);
    await box?.stop();
    if (receiver && receiver.exitCode === null) {
      const gone = new Promise<void>((r) => receiver?.once('exit', () => r()));
      receiver.kill('SIGTERM');
      await gone;
    }
    simulator?.kill('SIGTERM');
    if (work) rmSync(work, { recursive: true, force: true });
  }, 60_000);

  const step = storySteps(() => box, { units: ['meterbox', 'meterbox-update'], journalLines: 60, passed: mark, more: async () => `--- reported ---\n${JSON.stringify(await reported())}` });

  step('version N installed, delivering, its package kept for rollback, meterbox-update.path watching', async () => {
    const r = await box.exec(['dpkg', '-i', '/var/cache/meterbox-test/meterbox-n.deb']);
    expect(r.code, r.stderr).toBe(0);
    box.writeFile('/etc/meterbox/credentials/token', `${TOKEN}\n`, { mode: 0o600 });
    box.writeFile('/etc/meterbox/credentials/community', COMMUNITY, { mode: 0o600 });
    box.writeFile('/etc/meterbox/provider-ca.pem', readFileSync(join(work, 'rx.pem')), { mode: 0o644 });
    box.writeFile('/etc/meterbox/config.json', JSON.stringify(config(), null, 2), { mode: 0o640, gid: meterboxGid() });
    await inside('systemctl start meterbox');
    expect((await inside('systemctl is-active meterbox-update.path')).trim()).toBe('active');
    expect(await inside(`meterbox update-helper --keep /var/cache/meterbox-test/meterbox-n.deb`)).toContain(`version ${debs.n.version}`);
    await waitFor(async () => (await agent())?.version === debs.n.version && outbox(box).some((x) => x.state === 'delivered'), 90_000, 'N delivering readings');
  }, 180_000);

  step('a published configuration changes the poll schedule', async () => {
    const { published } = await publishConfig({ schedules: { discovery: '0 0 1 1 *', retention: '0 0 1 1 *', poll: '5-55/10 * * * * *', upload: '*/10 * * * * *', heartbeat: '*/5 * * * * *' } });
    const v = published[0]?.version as number;
    await waitFor(async () => ((await reported()).config?.state === 'applied' && (await reported()).config?.version === v ? true : undefined), 90_000, 'the configuration applied');
    const recs = await records();
    const applied = recs.find((l) => l.msg === 'configuration reloaded' && l.why === `remote configuration ${v}`);
    expect(applied).toBeDefined();
    // A run whose tick came before the reload may still be waiting out its jitter and start after
    // it; that run belongs to the old schedule by right. Every tick after the reload must be a new one.
    const reloadedAt = Date.parse(String(applied?.time));
    const newTicks = async () => (await records()).filter((l) => l.component === 'job.poll' && l.msg === 'job started' && l.reason === 'schedule' && Date.parse(String(l.tick)) > reloadedAt);
    await waitFor(async () => ((await newTicks()).length >= 2 ? true : undefined), 60_000, 'two scheduled polls');
    for (const l of await newTicks()) expect(new Date(l.tick as string).getUTCSeconds() % 10, String(l.tick)).toBe(5);
  });

  step('a configuration that leaves the box unhealthy is rolled back to the known-good one', async () => {
    const good = (await reported()).config?.inForce;
    const { published } = await publishConfig({ snmp: { port: 1, timeoutMs: 300, retries: 0 } });
    const v = published[0]?.version as number;
    const r = await waitFor(async () => {
      const c = (await reported()).config;
      return c?.version === v && c.state === 'rolled-back' ? c : undefined;
    }, (WINDOW_S + 60) * 1000, 'the rollback');
    expect(r).toMatchObject({ code: 'MBX_REMOTE_ROLLED_BACK', inForce: good });
    expect(r.reason).toMatch(new RegExp(`not healthy within ${WINDOW_S} s`));
  }, (WINDOW_S + 90) * 1000);

  const announcedToHealthy: number[] = [];

  step('an update N → N+1 is installed in the window, and the box is healthy on N+1', async () => {
    const pidBefore = (await box.show('meterbox', ['MainPID'])).MainPID;
    const t0 = Date.now();
    await publish(['publish-update', '--updates-dir', join(work, 'updates'), debs.n1.file]);
    const u = await waitFor(async () => {
      const x = (await reported()).update;
      return x?.target === debs.n1.version && x.state === 'installed' ? x : undefined;
    }, (WINDOW_S + 120) * 1000, 'N+1 installed and healthy');
    announcedToHealthy.push((Date.now() - t0) / 1000);
    expect(u.running).toBe(debs.n1.version);
    expect((await inside("dpkg-query -W -f '${Version}' meterbox")).trim()).toBe(debs.n1.version);
    expect((await agent())?.version).toBe(debs.n1.version);
    expect((await box.show('meterbox', ['MainPID'])).MainPID).not.toBe(pidBefore);
    expect(await inside('ls /var/lib/meterbox-update')).toContain(`meterbox_${debs.n1.version}.deb`);
    const helper = (await box.exec(['journalctl', '-u', 'meterbox-update', '-o', 'cat', '--no-pager'])).stdout;
    expect(helper).toMatch(new RegExp(`update-helper: ${debs.n1.version.replace(/\+/g, '\\+')}: installed`));
  }, (WINDOW_S + 180) * 1000);

  step('a deliberately broken N+2 is rolled back to N+1', async () => {
    const t0 = Date.now();
    await publish(['publish-update', '--updates-dir', join(work, 'updates'), debs.n2.file]);
    const u = await waitFor(async () => {
      const x = (await reported()).update;
      return x?.target === debs.n2.version && x.state === 'rolled-back' ? x : undefined;
    }, (2 * WINDOW_S + 180) * 1000, 'N+2 rolled back');
    announcedToHealthy.push((Date.now() - t0) / 1000);
    expect(u).toMatchObject({ running: debs.n1.version, code: 'MBX_UPDATE_FAILED' });
    expect(u.reason).toMatch(new RegExp(`not healthy within ${WINDOW_S} s`));
    expect((await inside("dpkg-query -W -f '${Version}' meterbox")).trim()).toBe(debs.n1.version);
    expect((await box.show('meterbox', ['ActiveState'])).ActiveState).toBe('active');
    expect((await agent())?.version).toBe(debs.n1.version);
  }, (2 * WINDOW_S + 240) * 1000);

  step('readings counted at both ends: 0 lost, 0 duplicated across every step', async () => {
    const n = await allDeliveredOnce(box, rxGet, 'every reading delivered exactly once', 90_000);
    console.log(`self-update system test: ${n} readings at both ends, 0 lost, 0 duplicated; announcement to healthy: N+1 ${announcedToHealthy[0]?.toFixed(0)} s, N+2 rolled back and healthy on N+1 ${announcedToHealthy[1]?.toFixed(0)} s`);
    expect(n).toBeGreaterThan(0);
  });
});
