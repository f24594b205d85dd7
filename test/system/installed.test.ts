/**
 * The box as installed: the .deb from `scripts/package-deb.sh` (what `npm run package:deb` runs),
 * `dpkg -i` in a booted Debian bookworm under its own systemd, with a real config pointing at
 * simulated printers (`meterbox simulate`) and an SNMPv3 DES agent (Debian's snmpd) on
 * 127.0.0.0/8 and at the reference receiver over HTTPS with its CA. Every assertion reads
 * systemd's own view: `systemctl show`, `journalctl -o json`, `systemd-analyze security`.
 *
 * The steps depend on each other (one box, installed once, then upgraded and purged), so they run
 * in order and a failed step skips the rest. Needs root; see container.ts. Budget: the whole file
 * in 6 minutes on 2 cores, the debootstrap of a cold cache included.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { selfSignedPair } from '../../src/net/tls.js';
import type { V3Credentials } from '../../src/snmp/credentials.js';
import { CLI_ARGV } from '../helpers/cli.js';
import { randomLoopbackBlock } from '../helpers/net.js';
import { findSnmpd, startSnmpd, type RunningSnmpd } from '../helpers/snmpd.js';
import { freeTcpPort, waitFor } from '../daemon/harness.js';
import { Container, run, skipReason } from './container.js';
import { allDeliveredOnce, outbox, receiverApi, spawnReceiver, storySteps } from './provider.js';

const SKIP = skipReason() ?? (findSnmpd() ? undefined : 'snmpd is not installed (apt-get install snmpd)');
if (SKIP) console.warn(`installed-system test skipped: ${SKIP}`);

// CI (.ci/run) installs what this test needs and runs as root: there, a reason to skip is a failure.
if (SKIP && process.env.METERBOX_REQUIRE_SYSTEM_TEST === '1') throw new Error(`METERBOX_REQUIRE_SYSTEM_TEST is set, but the installed-system test cannot run: ${SKIP}`);

const TOKEN = 'systest-token-5b7e2d9a41-NEVER-LOGGED';
/** The provider's read-only token: the receiver's read endpoints refuse agent tokens (tenancy). */
const READ_TOKEN = 'systest-provider-read-0c6f1e2a9b';
const COMMUNITY = 'systest-c0mmunity';
const AGENT = 'systest-box';
const DES: V3Credentials = { version: '3', user: 'mbxdes', level: 'authPriv', authProtocol: 'md5', authKey: 'Des-Auth-Key-3k', privProtocol: 'des', privKey: 'Des-Priv-Key-8q' };
/** snmpd's readiness probe runs in this process, which has no DES: an AES user for that alone. */
const PROBE: V3Credentials = { version: '3', user: 'mbxprobe', level: 'authPriv', authProtocol: 'sha', authKey: 'Probe-Auth-Key-1', privProtocol: 'aes', privKey: 'Probe-Priv-Key-1' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The README's way to read the log: `journalctl -u meterbox -o cat | jq -R 'fromjson? // {msg: .}'`. */
const README_JQ = 'fromjson? // {msg: .}';
const hasJq = spawnSync('jq', ['--version']).status === 0;
if (!hasJq) {
  if (process.env.METERBOX_REQUIRE_SYSTEM_TEST === '1') throw new Error('METERBOX_REQUIRE_SYSTEM_TEST is set, but jq is not installed (apt-get install jq)');
  console.warn('installed-system test: jq is not installed; the README\'s journalctl | jq recipe is not checked (apt-get install jq)');
}

interface LogRecord {
  msg: string;
  level: string;
  component?: string;
  [k: string]: unknown;
}

describe.skipIf(SKIP !== undefined)('the .deb installed and booted under systemd (Debian bookworm, systemd-nspawn)', () => {
  const started = Date.now();
  let work = '';
  const block = randomLoopbackBlock().replace(/\.1$/, '');
  const printers = `${block}.2-${block}.4`;
  const snmpdHost = `${block}.9`;
  let box: Container;
  let simulator: ChildProcess | undefined;
  let receiver: ChildProcess | undefined;
  let snmpd: RunningSnmpd | undefined;
  let rxPort = 0;
  let healthPort = 0;
  let deb1 = '';
  let deb2 = '';
  const timings: string[] = [];
  const mark = (what: string) => timings.push(`${what} at ${((Date.now() - started) / 1000).toFixed(0)} s`);

  const inside = (script: string) => box.sh(script);
  const show = (...props: string[]) => box.show('meterbox', props);
  /** The service's own log records (pino JSON) from the journal, with the journal's fields beside. */
  const records = async (): Promise<(LogRecord & { _pid: number; _mono: number })[]> =>
    (await box.journal('meterbox')).flatMap((e) => {
      const text = typeof e.MESSAGE === 'string' ? e.MESSAGE : '';
      if (!text.startsWith('{')) return [];
      return [{ ...(JSON.parse(text) as LogRecord), _pid: Number(e._PID), _mono: Number(e.__MONOTONIC_TIMESTAMP) }];
    });

  /** The receiver's API as the provider reads it (read token, the receiver's certificate: the box's caFile). */
  const rxGet = receiverApi(() => rxPort, () => readFileSync(join(work, 'rx.pem')), READ_TOKEN);

  /** The first start binds a port of the receiver's choosing (rxPort 0); a restart takes the same one again, which the box's config names. */
  const startReceiver = async () => {
    const rx = await spawnReceiver(rxPort, ['--db', join(work, 'receiver.db'), '--tokens', join(work, 'tokens.json'), '--cert', join(work, 'rx.pem'), '--key', join(work, 'rx.key')]);
    receiver = rx.child;
    rxPort = rx.port;
    return waitFor(async () => ((await rxGet('/v1/agents')).status === 200 ? true : undefined), 30_000, 'the receiver');
  };
  const stopReceiver = async () => {
    const r = receiver;
    receiver = undefined;
    if (!r || r.exitCode !== null) return;
    const gone = new Promise<void>((res) => r.once('exit', () => res()));
    r.kill('SIGTERM');
    await gone;
  };

  const config = (schedules: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    $schema: 'file:///opt/meterbox/config/meterbox.schema.json',
    agentId: AGENT,
    provider: { url: `https://127.0.0.1:${rxPort}`, token: { credential: 'token' }, caFile: '/etc/meterbox/provider-ca.pem' },
    credentials: [
      { name: 'lab', version: '2c', community: { credential: 'community' } },
      { name: 'des', version: '3', user: DES.user, authProtocol: 'md5', authKey: { credential: 'des-auth' }, privProtocol: 'des', privKey: { env: 'METERBOX_DES_PRIV' } },
    ],
    targets: [
      { target: printers, label: 'printers', credentials: ['lab'] },
      { target: snmpdHost, label: 'v3-des', credentials: ['des'] },
    ],
    // Production defaults everywhere (SNMP port 161, timeouts, the 120 s jitter, capped at a third of
    // each interval), except second-level schedules so that a few ticks fit in the test.
    schedules: { discovery: '0 0 1 1 *', retention: '0 0 1 1 *', poll: '*/10 * * * * *', upload: '*/10 * * * * *', heartbeat: '*/6 * * * * *', ...schedules },
    health: { port: healthPort },
    ...extra,
  });
  const writeConfig = (c: unknown) => box.writeFile('/etc/meterbox/config.json', JSON.stringify(c, null, 2) + '\n', { mode: 0o640, gid: meterboxGid() });
  const meterboxGid = () => Number(/^meterbox:[^:]*:(\d+):/m.exec(readFileSync(box.path('/etc/group'), 'utf8'))?.[1] ?? 0);

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'mbx-system-'));
    const log = (s: string) => console.log(`system test: ${s}`);
    healthPort = await freeTcpPort();
    // The package, as `npm run package:deb` makes it (dist/ is built by the suite), and the same
    // package as a newer version, for the upgrade.
    const debs = join(work, 'debs');
    // The container boots while the packages are built; its failure is reported where it is awaited.
    const boot = Container.boot({ log });
    boot.catch(() => undefined);
    deb1 = (await run('bash', [join(PACKAGE_ROOT, 'scripts', 'package-deb.sh')], { cwd: PACKAGE_ROOT, env: { ...process.env, OUT_DIR: debs }, timeoutMs: 180_000 })).stdout.trim().split('\n').at(-1) as string;
    const tree = join(work, 'deb2');
    await run('dpkg-deb', ['-R', deb1, tree]);
    const control = readFileSync(join(tree, 'DEBIAN', 'control'), 'utf8');
    writeFileSync(join(tree, 'DEBIAN', 'control'), control.replace(/^Version: (.+)$/m, 'Version: $1+systest.2'));
    deb2 = join(debs, 'meterbox_upgrade.deb');
    await run('dpkg-deb', ['--root-owner-group', '-Zgzip', '-z1', '--build', tree, deb2]);
    mark('packages built');
    // The lab on the host: printers, the DES agent, the receiver with a certificate it keeps across restarts.
    const pair = await selfSignedPair('127.0.0.1');
    writeFileSync(join(work, 'rx.pem'), pair.cert);
    writeFileSync(join(work, 'rx.key'), pair.key, { mode: 0o600 });
    writeFileSync(join(work, 'tokens.json'), JSON.stringify({ [AGENT]: TOKEN, viewer: { role: 'read', token: READ_TOKEN } }));
    simulator = spawn(process.execPath, [...CLI_ARGV, 'simulate', '--synthetic', '3', '--first', `${block}.2`, '--port', '161', '--community', COMMUNITY], { stdio: ['ignore', 'pipe', 'inherit'] });
    await waitFor(() => new Promise<true | undefined>((res) => simulator?.stdout?.once('data', () => res(true))), 30_000, 'the simulator');
    snmpd = await startSnmpd(snmpdHost, 161, [DES, PROBE]);
    await startReceiver();
    box = await boot;
    mark('container booted');
    for (const d of [deb1, deb2]) await run('cp', [d, box.path(`/var/cache/meterbox-test/${d.endsWith('upgrade.deb') ? 'meterbox-2.deb' : 'meterbox-1.deb'}`)]);
  }, 420_000);

  afterAll(async () => {
    console.log(`system test timings: ${timings.join('; ')}; total ${((Date.now() - started) / 1000).toFixed(0)} s`);
    await box?.stop();
    await stopReceiver();
    simulator?.kill('SIGTERM');
    await snmpd?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  }, 60_000);

  // One box, one story: a failed step makes the later ones meaningless.
  const step = storySteps(() => box, { units: ['meterbox'], journalLines: 40, passed: mark });

  step('install: dpkg -i enables the unit but does not start it on the example config, and says what to edit', async () => {
    const r = await box.exec(['dpkg', '-i', '/var/cache/meterbox-test/meterbox-1.deb']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/meterbox: installed and enabled, not started: \/etc\/meterbox\/config\.json is not ready yet/);
    expect(r.stdout).toMatch(/\$\.provider\.token.*\/etc\/meterbox\/credentials\/token/);
    expect((await inside('systemctl is-enabled meterbox')).trim()).toBe('enabled');
    expect(await show('ActiveState', 'NRestarts')).toEqual({ ActiveState: 'inactive', NRestarts: '0' });
    expect((await inside('stat -c %a:%U:%G /etc/meterbox /etc/meterbox/config.json /etc/meterbox/credentials /var/lib/meterbox')).split('\n').filter(Boolean)).toEqual([
      '750:root:meterbox',
      '640:root:meterbox',
      '700:root:root',
      '750:meterbox:meterbox',
    ]);
    const size = await inside("dpkg-query -W -f '${Installed-Size}' meterbox; echo; du -sk /opt/meterbox | cut -f1");
    const [declared, onDisk] = size.trim().split('\n').map(Number);
    console.log(`system test: meterbox installed: Installed-Size ${declared} KiB; du -sk /opt/meterbox ${onDisk} KiB`);
    expect(declared).toBeLessThanOrEqual(20_000);
  });

  step('an invalid config at start: exit 78, not restarted, and systemctl status shows why', async () => {
    const r = await box.exec(['systemctl', 'start', 'meterbox']);
    expect(r.code).not.toBe(0);
    expect(await show('ActiveState', 'Result', 'ExecMainStatus', 'NRestarts')).toEqual({ ActiveState: 'failed', Result: 'exit-code', ExecMainStatus: String(EXIT.config), NRestarts: '0' });
    // RestartSec is 10 s: well past it, systemd has still not tried again.
    await sleep(13_000);
    expect(await show('ActiveState', 'NRestarts')).toEqual({ ActiveState: 'failed', NRestarts: '0' });
    const status = (await box.exec(['systemctl', 'status', 'meterbox', '--no-pager', '-n', '20'])).stdout;
    expect(status).toMatch(/status=78\/CONFIG/);
    expect(status).toMatch(/\$\.provider\.token.*the systemd credential "token"/);
  });

  step('configured the documented way (secrets in the credential store and the environment file), it starts: active only after READY=1', async () => {
    box.writeFile('/etc/meterbox/credentials/token', `${TOKEN}\n`, { mode: 0o600 });
    box.writeFile('/etc/meterbox/credentials/community', COMMUNITY, { mode: 0o600 });
    box.writeFile('/etc/meterbox/credentials/des-auth', DES.authKey as string, { mode: 0o600 });
    box.writeFile('/etc/meterbox/environment', `METERBOX_DES_PRIV=${DES.privKey}\n`, { mode: 0o640, gid: meterboxGid() });
    box.writeFile('/etc/meterbox/provider-ca.pem', readFileSync(join(work, 'rx.pem')), { mode: 0o644 });
    writeConfig(config({}));
    // Checked from a shell as the service will see it: the credential store and the environment file.
    expect(await inside('meterbox config check /etc/meterbox/config.json 2>&1 || true')).toMatch(/valid \(agent systest-box/);
    // Type=notify: `systemctl start` returns once the unit is active, which systemd allows only after READY=1.
    const r = await box.exec(['systemctl', 'start', 'meterbox']);
    expect(r.code, r.stderr).toBe(0);
    const s = await show('Type', 'ActiveState', 'SubState', 'MainPID', 'StatusText', 'ActiveEnterTimestampMonotonic', 'ExecMainStartTimestampMonotonic', 'WatchdogUSec', 'User');
    expect(s).toMatchObject({ Type: 'notify', ActiveState: 'active', SubState: 'running', WatchdogUSec: '1min', User: 'meterbox' });
    expect(s.StatusText).toMatch(/devices;/); // the STATUS= sent with READY=1
    // Everything the daemon does before READY (it logs "health endpoint listening" just before) precedes the activation.
    const recs = await records();
    const listening = recs.find((l) => l.msg === 'health endpoint listening' && l._pid === Number(s.MainPID));
    expect(listening, 'the start-up log').toBeDefined();
    expect(Number(s.ActiveEnterTimestampMonotonic)).toBeGreaterThan(listening?._mono ?? Infinity);
    expect(recs.find((l) => l.msg === 'meterbox starting')).toMatchObject({ des: true });
  });

  step('it discovers the printers and reads the SNMPv3 DES agent under the unit; secrets stay out of the journal', async () => {
    const done = await waitFor(async () => (await records()).find((l) => l.component === 'job.discovery' && l.msg === 'job done'), 60_000, 'discovery');
    expect(done).toMatchObject({ addresses: 4, answered: 4, printers: 3, nonPrinters: 1, credentialsRefused: 0 });
    const journal = (await box.exec(['journalctl', '-u', 'meterbox', '-o', 'json', '--no-pager'])).stdout;
    for (const secret of [TOKEN, COMMUNITY, DES.authKey as string, DES.privKey as string]) expect(journal).not.toContain(secret);
    // Nothing on the running service's output that is not one JSON record…
    const own = (await inside(`journalctl _SYSTEMD_UNIT=meterbox.service _PID=${(await show('MainPID')).MainPID} -o cat --no-pager`)).split('\n').filter(Boolean);
    expect(own.length).toBeGreaterThan(5);
    for (const line of own) expect(() => JSON.parse(line), line).not.toThrow();
    // …so the README's recipe reads the unit's whole journal (systemd's own lines become { msg }).
    if (hasJq) {
      const jq = await run('sh', ['-c', `nsenter -t ${box.pid1} -m -u -i -p -r -w -- journalctl -u meterbox -o cat --no-pager | jq -c -R ${JSON.stringify(README_JQ)}`]);
      expect(jq.code, jq.stderr).toBe(0);
      const objects = jq.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg?: string });
      expect(objects.some((o) => o.msg === 'meterbox running')).toBe(true);
      expect(objects.some((o) => /^Started meterbox\.service/.test(o.msg ?? ''))).toBe(true);
    }
    expect((await inside('systemd-analyze security meterbox --no-pager | tail -1'))).toMatch(/Overall exposure level for meterbox\.service: (1\.\d|2\.0) /);
  });

  step('with the default jitter each job runs exactly once per tick, and /healthz counts no overlap', async () => {
    const pid = Number((await show('MainPID')).MainPID);
    const scheduled = async (job: string) => (await records()).filter((l) => l._pid === pid && l.component === `job.${job}` && l.msg === 'job started' && l.reason === 'schedule');
    // A scheduled upload may merge into the upload a poll has just started: count those ticks too.
    const merged = async (job: string) => (await records()).filter((l) => l._pid === pid && l.component === `job.${job}` && l.msg === 'merged into the run already under way' && l.reason === 'schedule');
    await waitFor(async () => ((await scheduled('poll')).length >= 3 && (await scheduled('upload')).length >= 2 && (await scheduled('heartbeat')).length >= 3 ? true : undefined), 60_000, 'three scheduled polls and heartbeats, two uploads');
    for (const job of ['poll', 'upload', 'heartbeat']) {
      const runs = await scheduled(job);
      const ticks = [...runs, ...(await merged(job))].map((l) => l.tick as string);
      expect(new Set(ticks).size, `${job} ran a tick twice: ${ticks.join(' ')}`).toBe(ticks.length);
      // The production jitter, capped at a third of the interval (10 s → 3.3 s, 6 s → 2 s), really delays runs.
      expect(runs.every((l) => (l.jitterMs as number) < (job === 'heartbeat' ? 2000 : 3334)), job).toBe(true);
    }
    expect((await records()).some((l) => (l.jitterMs as number) > 0)).toBe(true);
    expect((await records()).filter((l) => l.msg === 'previous run still busy; this run is skipped')).toEqual([]);
    const health = (await (await fetch(`http://127.0.0.1:${healthPort}/healthz`)).json()) as { status: string; jobs: Record<string, { overlapsSkipped: number }> };
    expect(health.status).toBe('ok');
    for (const job of ['poll', 'upload', 'heartbeat']) expect(health.jobs[job]?.overlapsSkipped, job).toBe(0);
  }, 90_000);

  step('systemctl reload with a new schedule leaves only the new one firing; an invalid config is refused and the old one stays', async () => {
    const pid = (await show('MainPID')).MainPID;
    // From ticks at :00, :10, … to ticks at :05, :15, …: disjoint, so a tick tells which schedule fired it.
    writeConfig(config({ poll: '5-55/10 * * * * *' }));
    await inside('systemctl reload meterbox');
    const reloaded = await waitFor(async () => (await records()).filter((l) => l.msg === 'configuration reloaded').at(-1), 20_000, 'the reload');
    // Ticks after a moment: a run whose tick came before the reload may still be waiting out its
    // jitter and start after it, and that run belongs to the old schedule by right.
    const pollsAfter = async (since: LogRecord) => (await records()).filter((l) => l.component === 'job.poll' && l.msg === 'job started' && l.reason === 'schedule' && Date.parse(String(l.tick)) > Date.parse(String(since.time)));
    await waitFor(async () => ((await pollsAfter(reloaded)).length >= 2 ? true : undefined), 40_000, 'two polls on the new schedule');
    for (const l of await pollsAfter(reloaded)) expect(new Date(l.tick as string).getUTCSeconds() % 10, String(l.tick)).toBe(5);

    writeConfig({ ...config({ poll: '* * * * * *' }), agentId: 'not valid!' });
    await inside('systemctl reload meterbox');
    const refused = await waitFor(async () => (await records()).find((l) => l.msg === 'new configuration refused; the running one stays in force'), 20_000, 'the refusal');
    expect((refused.problems as { path: string }[]).map((p) => p.path)).toEqual(['$.agentId']);
    await waitFor(async () => ((await pollsAfter(refused)).length >= 1 ? true : undefined), 40_000, 'a poll after the refusal');
    for (const l of await pollsAfter(refused)) expect(new Date(l.tick as string).getUTCSeconds() % 10, String(l.tick)).toBe(5);
    expect(await show('ActiveState', 'MainPID')).toEqual({ ActiveState: 'active', MainPID: pid });
    writeConfig(config({ poll: '5-55/10 * * * * *' }));
  }, 120_000);

  step('kill -9 of the main process: systemd restarts it, and every committed reading reaches the receiver exactly once', async () => {
    // First the watchdog: the same process has outlived WatchdogSec=60 because it kept pinging (every 30 s).
    const first = await show('MainPID', 'ActiveEnterTimestampMonotonic', 'WatchdogTimestampMonotonic');
    const pings = new Set([first.WatchdogTimestampMonotonic]);
    await waitFor(async () => {
      const s = await show('MainPID', 'WatchdogTimestampMonotonic');
      expect(s.MainPID).toBe(first.MainPID);
      pings.add(s.WatchdogTimestampMonotonic);
      // CLOCK_MONOTONIC, which systemd's *TimestampMonotonic use; the container shares the host's.
      const nowUs = Number(process.hrtime.bigint() / 1000n);
      return nowUs - Number(first.ActiveEnterTimestampMonotonic) > 65e6 && pings.size >= 2 ? true : undefined;
    }, 90_000, 'the service outliving its watchdog');
    const before = await show('MainPID', 'NRestarts', 'WatchdogTimestampMonotonic', 'ActiveEnterTimestampMonotonic');
    expect(before.MainPID).toBe(first.MainPID);
    expect(Number(before.WatchdogTimestampMonotonic)).toBeGreaterThan(Number(before.ActiveEnterTimestampMonotonic));
    await inside(`kill -9 ${before.MainPID}`);
    const after = await waitFor(async () => {
      const s = await show('MainPID', 'NRestarts', 'ActiveState');
      return s.ActiveState === 'active' && s.MainPID !== before.MainPID && s.MainPID !== '0' ? s : undefined;
    }, 40_000, 'the restart');
    expect(Number(after.NRestarts)).toBe(Number(before.NRestarts) + 1);
    const n = await allDeliveredOnce(box, rxGet, 'every reading delivered after the restart');
    expect(n).toBeGreaterThanOrEqual(6);
  }, 120_000);

  step('upgrade: a newer .deb over a box holding pending readings loses none and keeps config and data', async () => {
    await stopReceiver();
    const pending = await waitFor(() => {
      const p = outbox(box).filter((r) => r.state === 'pending');
      return p.length >= 3 ? p : undefined;
    }, 60_000, 'readings pending while the receiver is down');
    const confBefore = createHash('sha256').update(readFileSync(box.path('/etc/meterbox/config.json'))).digest('hex');
    const pidBefore = (await show('MainPID')).MainPID;
    const r = await box.exec(['dpkg', '-i', '/var/cache/meterbox-test/meterbox-2.deb']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect((await inside("dpkg-query -W -f '${Version}' meterbox"))).toMatch(/\+systest\.2$/);
    const s = await show('ActiveState', 'MainPID');
    expect(s.ActiveState).toBe('active');
    expect(s.MainPID).not.toBe(pidBefore);
    expect(createHash('sha256').update(readFileSync(box.path('/etc/meterbox/config.json'))).digest('hex')).toBe(confBefore);
    const ids = new Set(outbox(box).map((x) => x.id));
    for (const p of pending) expect(ids.has(p.id), p.id).toBe(true);
    await startReceiver();
    await allDeliveredOnce(box, rxGet, 'every reading, the pending ones included, delivered after the upgrade');
  }, 150_000);

  step('apt purge removes the user, the data, the config and the unit', async () => {
    const r = await box.exec(['apt-get', 'purge', '-y', 'meterbox'], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect((await box.exec(['getent', 'passwd', 'meterbox'])).code).not.toBe(0);
    expect((await box.exec(['getent', 'group', 'meterbox'])).code).not.toBe(0);
    for (const p of ['/var/lib/meterbox', '/etc/meterbox', '/opt/meterbox', '/lib/systemd/system/meterbox.service', '/etc/systemd/system/multi-user.target.wants/meterbox.service', '/usr/bin/meterbox']) expect(box.exists(p), p).toBe(false);
    expect(await show('LoadState')).toEqual({ LoadState: 'not-found' });
    expect((await inside('systemctl list-unit-files --no-legend meterbox.service | wc -l')).trim()).toBe('0');
  });
});
