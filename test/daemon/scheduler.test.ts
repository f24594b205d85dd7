/**
 * The job scheduler on a fake clock (the only thing mocked): a job holds one cron task however it
 * is started or rescheduled, runs once per tick with the production jitter, and a reschedule
 * leaves only the new schedule firing.
 */
import { Writable } from 'node:stream';
import cron from 'node-cron';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Job, type JobResult } from '../../src/daemon/scheduler.js';

interface Line {
  msg: string;
  tick?: string;
  jitterMs?: number;
}

function capture(): { log: pino.Logger; lines: Line[] } {
  const lines: Line[] = [];
  const out = new Writable({
    write(chunk: Buffer, _e, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Line);
      cb();
    },
  });
  return { log: pino({ level: 'debug' }, out), lines };
}

const tasksNamed = (name: string) => [...cron.getTasks().values()].filter((t) => t.name?.startsWith(name)).length;
const started = (lines: Line[]) => lines.filter((l) => l.msg === 'job started');

describe('Job', () => {
  const abort = new AbortController();
  let jobs: Job[] = [];
  const make = (name: string, schedule: string, jitterSeconds: number, run: () => Promise<JobResult> = async () => ({ ok: true })) => {
    const { log, lines } = capture();
    const job = new Job(name, schedule, jitterSeconds, run, log, abort.signal);
    jobs.push(job);
    return { job, lines };
  };

  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-11-22T08:00:00.500Z') });
  });
  afterEach(async () => {
    await Promise.all(jobs.map((j) => j.stopScheduling()));
    jobs = [];
    vi.useRealTimers();
  });

  it('holds exactly one cron task however often it is started or rescheduled', () => {
    const { job } = make('one-task', '*/5 * * * * *', 0);
    // The daemon used to set the jitter with reschedule() and then call start(): two tasks.
    job.reschedule('*/5 * * * * *', 2);
    job.start();
    job.start();
    expect(tasksNamed('one-task')).toBe(1);
    job.reschedule('*/7 * * * * *', 2);
    expect(tasksNamed('one-task')).toBe(1);
    void job.stopScheduling();
    expect(tasksNamed('one-task')).toBe(0);
  });

  it('with the production jitter, runs exactly once per tick and never skips a tick as an overlap', async () => {
    const { job, lines } = make('jittered', '*/2 * * * * *', 120);
    job.start();
    // Ticks at :02 … :20, each run at most 666 ms after its tick; the clock stops at :21.5.
    await vi.advanceTimersByTimeAsync(21_000);
    const runs = started(lines);
    expect(runs.length).toBe(10);
    const ticks = runs.map((l) => l.tick);
    expect(new Set(ticks).size).toBe(ticks.length);
    // Jitter is on: a third of the 2 s interval at most, and not always 0.
    expect(runs.every((l) => (l.jitterMs ?? -1) >= 0 && (l.jitterMs ?? 0) < 667)).toBe(true);
    expect(runs.some((l) => (l.jitterMs ?? 0) > 0)).toBe(true);
    expect(job.state.overlapsSkipped).toBe(0);
    expect(job.state.runs).toBe(10);
    expect(job.state.triggersMerged).toBe(0);
    expect(lines.some((l) => l.msg === 'previous run still busy; this run is skipped')).toBe(false);
  });

  it('a reschedule leaves only the new schedule firing', async () => {
    const { job, lines } = make('moved', '*/2 * * * * *', 1);
    job.start();
    await vi.advanceTimersByTimeAsync(7_000);
    const before = started(lines).length;
    expect(before).toBeGreaterThanOrEqual(3);
    job.reschedule('*/5 * * * * *', 1);
    await vi.advanceTimersByTimeAsync(30_000);
    const after = started(lines).slice(before);
    expect(after.length).toBe(6);
    for (const l of after) expect(new Date(l.tick as string).getUTCSeconds() % 5, l.tick).toBe(0);
    expect(tasksNamed('moved')).toBe(1);
  });

  it('a tick while a run is still busy is skipped and counted, not run twice', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<JobResult>((r) => (release = () => r({ ok: true })));
    const { job, lines } = make('slow', '* * * * * *', 0, () => gate);
    job.start();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(job.state.runs).toBe(1);
    expect(job.state.overlapsSkipped).toBe(2);
    release();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(job.state.runs).toBe(2);
    expect(started(lines).length).toBe(2);
  });

  it('settled() waits for the run busy when it is asked, not for one a later tick starts: two merged read-nows get one result', async () => {
    // A 10 ms run on a schedule of every second, without jitter; read-now just before a tick.
    const { job } = make('settling', '* * * * * *', 0, () => new Promise<JobResult>((r) => setTimeout(() => r({ ok: true }), 10)));
    job.start();
    await vi.advanceTimersByTimeAsync(1_470); // 08:00:01.970: the tick at :01 has run
    const runsBefore = job.state.runs;
    job.trigger('status-page:read-now');
    const finished: (string | undefined)[] = [];
    // The first asker comes while the run waits for its timer, the second while it is in flight (merged).
    const first = job.settled().then(() => finished.push(job.state.lastFinishedAt));
    await vi.advanceTimersByTimeAsync(1);
    expect(job.trigger('status-page:read-now')).toBe(false);
    const second = job.settled().then(() => finished.push(job.state.lastFinishedAt));
    // The read-now run ends at :01.98; the tick at :02 starts another before a 50 ms poll of the first asker would look again.
    await vi.advanceTimersByTimeAsync(200);
    await Promise.all([first, second]);
    expect(job.state.runs).toBe(runsBefore + 2);
    // Both saw the read-now run's end (:01.98), not the scheduled run of :02 that came after it.
    expect(finished[0]).toBe(finished[1]);
    expect(String(finished[0]) < '2026-11-22T08:00:02.000Z', String(finished[0])).toBe(true);
  });

  it('a tick while an extra run (start-up, an upload after a poll, read-now) is under way merges into it: no overlap', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<JobResult>((r) => (release = () => r({ ok: true })));
    const { job, lines } = make('merging', '* * * * * *', 0, () => gate);
    job.start();
    job.trigger('after-poll', 0, true);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(job.state).toMatchObject({ runs: 1, overlapsSkipped: 0, triggersMerged: 3 });
    expect(lines.filter((l) => l.msg === 'merged into the run already under way')).toHaveLength(3);
    release();
  });
});
