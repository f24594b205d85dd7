/**
 * `meterbox run` as a child process against a simulated fleet and the reference receiver with
 * second-level schedules: discovery on start, polls stored, uploads delivered, /healthz turning
 * 503 when uploads miss their window, SIGHUP with a bad config refused while the old one keeps
 * running, SIGTERM exiting 0 within the bound, and the agent token absent from every line of output.
 *
 * The tests share one daemon, but each also passes alone (`-t <name>`): the daemon is running
 * (signal handlers installed) before the first test, a test that breaks the receiver or changes
 * the config puts it back, and the last one waits for what it checks before stopping the daemon.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStatus } from '../../src/store/status.js';
import type { Fleet } from '../../src/simulator/fleet.js';
import { DaemonProcess, TOKEN, COMMUNITY, getJson, labConfig, startLabFleet, tempDir, startLabReceiver, waitFor, writeConfig, type LogLine, type Receiver } from './harness.js';

describe('meterbox run (child process)', () => {
  let fleet: Fleet;
  let receiver: Receiver;
  let daemon: DaemonProcess;
  let dir: string;
  let configFile: string;
  let health: string;
  let cfg: Record<string, unknown>;

  beforeAll(async () => {
    dir = tempDir();
    fleet = await startLabFleet(4);
    receiver = await startLabReceiver(dir, 'lab-box');
    const caFile = join(dir, 'receiver-ca.pem');
    writeFileSync(caFile, receiver.certPem);
    cfg = labConfig({ fleet, dir, providerUrl: receiver.url, caFile });
    configFile = join(dir, 'config.json');
    writeConfig(configFile, cfg);
    daemon = new DaemonProcess(configFile);
    // Until this line its signal handlers may not be installed: a SIGHUP or SIGTERM would kill node itself.
    await daemon.waitForLog((l) => l.msg === 'meterbox running', 15_000, 'start');
    health = await daemon.healthUrl();
  }, 30_000);

  afterAll(async () => {
    daemon?.kill();
    await receiver?.close().catch(() => undefined);
    await fleet?.close();
  });

  it('discovers on start, then polls every device and stores each cycle', async () => {
    const first = await getJson(`${health}/healthz`);
    expect(first.status).toBe(200);
    await daemon.waitForLog((l) => l.component === 'job.discovery' && l.msg === 'job done', 20_000, 'discovery');
    const polled = await daemon.waitForLog((l) => l.component === 'job.poll' && l.msg === 'job done' && l.ok === 4, 20_000, 'a poll of 4 devices');
    expect(polled).toMatchObject({ devices: 4, ok: 4, failed: 0, stored: 4 });
    const st = readStatus(cfg.storage ? (cfg.storage as { path: string }).path : '');
    expect(st.devices).toHaveLength(4);
    expect(st.outbox.pending + st.outbox.delivered).toBeGreaterThanOrEqual(8); // discovery's reads + at least one poll
    expect(new Set(st.devices.map((d) => d.host))).toEqual(new Set(fleet.devices.map((d) => d.host)));
    const metrics = await (await fetch(`${health}/metrics`)).text();
    expect(metrics).toMatch(/^meterbox_polls_total\{result="ok"\} [1-9]/m);
    expect(metrics).toMatch(/^meterbox_devices 4$/m);
    expect(metrics).toMatch(/^meterbox_process_resident_memory_bytes \d+/m);
  }, 60_000);

  it('delivers readings to the receiver', async () => {
    await waitFor(async () => ((await receiver.readingCount()) >= 8 ? true : undefined), 20_000, 'readings at the receiver');
    await waitFor(async () => ((await receiver.agents()).some((a) => a.agentId === 'lab-box') ? true : undefined), 10_000, 'a heartbeat at the receiver');
  }, 40_000);

  it('with the production jitter, runs each job exactly once per tick, and skips a tick as an overlap only while its scheduled run is busy', async () => {
    const scheduled = (job: string, msg = 'job started') => daemon.lines().filter((l) => l.component === `job.${job}` && l.msg === msg && l.reason === 'schedule');
    await waitFor(() => (scheduled('poll').length >= 4 && scheduled('heartbeat').length >= 4 ? true : undefined), 30_000, 'four scheduled polls and heartbeats');
    for (const job of ['poll', 'upload', 'heartbeat']) {
      // A scheduled upload may merge into the upload a poll has just started: its tick counts once all the same.
      const ticks = [...scheduled(job), ...scheduled(job, 'merged into the run already under way')].map((l) => l.tick as string);
      expect(ticks.length, job).toBeGreaterThanOrEqual(3);
      expect(new Set(ticks).size, `${job}: a tick ran twice`).toBe(ticks.length);
      // Jitter is on: each run waited a random part of a third of the 2 s interval.
      expect(scheduled(job).every((l) => (l.jitterMs as number) >= 0 && (l.jitterMs as number) < 667), job).toBe(true);
    }
    // An overlap is a tick that came while the job's previous scheduled run was still busy (waiting
    // out its jitter, or running). On a loaded machine a 2 s schedule can really have one: a poll of
    // the 4 printers took up to 1 s beside six busy loops, and its jitter may add 0.67 s. So not "no
    // overlap", which judged speed, but no overlap that is not one (the bug this guards against
    // counted ticks during merged, unscheduled or finished runs).
    const overlap = (l: LogLine) => l.msg === 'previous run still busy; this run is skipped';
    const notBusy = () => {
      const lines = daemon.lines();
      return lines.flatMap((w, i) => {
        if (!overlap(w)) return [];
        const mine = (l: LogLine) => l.component === w.component;
        // Waiting out its jitter: a scheduled run of an earlier tick started after this line.
        const pending = lines.slice(i + 1).some((l) => mine(l) && l.msg === 'job started' && l.reason === 'schedule' && Date.parse(String(l.tick)) < Date.parse(String(w.tick)));
        // Running: the job's last run started before this line was a scheduled one, and had not ended.
        let last = i - 1;
        while (last >= 0 && !(mine(lines[last] as LogLine) && lines[last]?.msg === 'job started')) last--;
        const running = last >= 0 && lines[last]?.reason === 'schedule' && !lines.slice(last, i).some((l) => mine(l) && (l.msg === 'job done' || l.msg === 'job failed'));
        return pending || running ? [] : [w];
      });
    };
    // The start of a run that was pending may not have reached this process yet: give it a moment.
    await waitFor(() => (notBusy().length === 0 ? true : undefined), 10_000, 'the runs the overlaps waited for').catch(() => undefined);
    expect(notBusy(), 'overlaps counted while no scheduled run was busy').toEqual([]);
    const logged = (job: string) => daemon.lines().filter((l) => overlap(l) && l.component === `job.${job}`).length;
    const before = Object.fromEntries(['poll', 'upload', 'heartbeat'].map((job) => [job, logged(job)]));
    const h = await getJson(`${health}/healthz`);
    const jobs = h.body.jobs as Record<string, { overlapsSkipped: number; runs: number }>;
    for (const job of ['poll', 'upload', 'heartbeat']) {
      // /healthz counts exactly the overlaps logged (its figure lies between the lines seen before and after it).
      const counted = jobs[job]?.overlapsSkipped ?? -1;
      expect(counted, job).toBeGreaterThanOrEqual(before[job] as number);
      await waitFor(() => (logged(job) >= counted ? true : undefined), 10_000, `the ${counted} ${job} overlap(s) /healthz counts in the log`);
    }
  }, 40_000);

  it('/healthz answers 503 with the reason when uploads or heartbeats miss their window', async () => {
    // The provider is down (it answers every request 503) for this test only.
    receiver.faults.inject({ fail: { status: 503, count: 1_000_000 } });
    try {
      // upload every 2 s, jitter at most 666 ms: window = 2 × 2 s + 0.666 s + 2 s grace after the last success.
      const res = await waitFor(async () => {
        const h = await getJson(`${health}/healthz`);
        return h.status === 503 ? h : undefined;
      }, 25_000, '/healthz 503');
      const reasons = res.body.reasons as string[];
      expect(reasons, JSON.stringify(reasons)).toContainEqual(expect.stringMatching(/^(upload|heartbeat): no successful run for \d+ s \(window 7 s\)/));
      expect(res.body.status).toBe('unhealthy');
    } finally {
      receiver.faults.clear();
    }
  }, 40_000);

  it('SIGHUP with a bad config keeps the old one running; a good one is applied', async () => {
    const pollsBefore = daemon.lines().filter((l) => l.component === 'job.poll' && l.msg === 'job done').length;
    writeConfig(configFile, { ...cfg, agentId: 'no spaces allowed', schedules: { poll: 'every minute' } });
    daemon.child.kill('SIGHUP');
    const refused = await daemon.waitForLog((l) => l.msg === 'new configuration refused; the running one stays in force', 10_000, 'refusal');
    const problems = refused.problems as { path: string }[];
    expect(problems.map((p) => p.path).sort()).toEqual(['$.agentId', '$.schedules.poll']);
    await waitFor(() => (daemon.lines().filter((l) => l.component === 'job.poll' && l.msg === 'job done').length >= pollsBefore + 2 ? true : undefined), 15_000, 'polls after the refused reload');
    expect(daemon.child.exitCode).toBeNull();

    writeConfig(configFile, { ...cfg, schedules: { ...(cfg.schedules as object), poll: '*/5 * * * * *' } });
    daemon.child.kill('SIGHUP');
    const applied = await daemon.waitForLog((l) => l.msg === 'configuration reloaded', 10_000, 'reload');
    expect((applied.schedules as { poll: string }).poll).toBe('*/5 * * * * *');
    const h = await getJson(`${health}/healthz`);
    expect((h.body.jobs as Record<string, { schedule: string }>).poll?.schedule).toBe('*/5 * * * * *');
    // Only the new schedule fires: every scheduled poll whose tick comes after the reload is at a
    // multiple of 5 s. (A run whose tick came before it may still be waiting out its jitter and
    // start after the reload; that run belongs to the old schedule by right.)
    const reloadedAt = Date.parse(String(applied.time));
    const pollsAfter = () => daemon.lines().filter((l) => l.component === 'job.poll' && l.msg === 'job started' && l.reason === 'schedule' && Date.parse(String(l.tick)) > reloadedAt);
    await waitFor(() => (pollsAfter().length >= 3 ? true : undefined), 30_000, 'three polls on the new schedule');
    for (const l of pollsAfter()) expect(new Date(l.tick as string).getUTCSeconds() % 5, String(l.tick)).toBe(0);

    // Back to the lab config, so that no other test depends on running after this one.
    const reloads = daemon.lines().filter((l) => l.msg === 'configuration reloaded').length;
    writeConfig(configFile, cfg);
    daemon.child.kill('SIGHUP');
    await waitFor(() => (daemon.lines().filter((l) => l.msg === 'configuration reloaded').length > reloads ? true : undefined), 10_000, 'the lab config back');
  }, 80_000);

  it('SIGTERM stops within the bound, closes the database and exits 0; its output never held the token or the community', async () => {
    // Let the token and the community be used first: a poll (community), an upload and a heartbeat (token) after start.
    const done = (job: string) => daemon.lines().some((l) => l.component === `job.${job}` && l.msg === 'job done');
    await waitFor(() => (done('poll') && done('upload') && done('heartbeat') ? true : undefined), 30_000, 'a poll, an upload and a heartbeat');
    daemon.child.kill('SIGTERM');
    const { code } = await daemon.exited;
    expect(code).toBe(0);
    expect(daemon.lines().some((l) => l.msg === 'stopped; database closed')).toBe(true);

    expect(daemon.lines().length).toBeGreaterThan(10);
    expect(daemon.stdout + daemon.stderr).not.toContain(TOKEN);
    expect(daemon.stdout + daemon.stderr).not.toContain(COMMUNITY);
    // Every line on stdout (the daemon has exited, so each is complete) is one pino JSON object from a component's logger.
    const out = daemon.stdout.split('\n').filter((text) => text.trim() !== '');
    expect(out.filter((text) => !text.startsWith('{')), 'lines that are not JSON').toEqual([]);
    for (const l of daemon.lines()) {
      expect(l, JSON.stringify(l)).toMatchObject({ level: expect.stringMatching(/^(trace|debug|info|warn|error|fatal)$/), time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), component: expect.stringMatching(/\S/), msg: expect.stringMatching(/\S/) });
    }
  }, 60_000);
});
