/**
 * Jobs on node-cron schedules: random jitter before each run (so a fleet of boxes does not hit
 * the provider at once), single-flight (a slow run is never overlapped; a tick while it runs is
 * skipped and counted), immediate triggers (upload after a poll, poll on start), and a bounded
 * wait for in-flight runs on stop. The run function says whether the run succeeded.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';

export type JobOutcome = { ok: true; summary?: Record<string, unknown> } | { ok: false; reason: string; summary?: Record<string, unknown> };
/** `skipped`: nothing to do this time (backoff); neither success nor failure. */
export type JobResult = JobOutcome | { skipped: true; reason: string };

export interface JobState {
  name: string;
  schedule: string;
  intervalMs: number;
  running: boolean;
  runs: number;
  failures: number;
  overlapsSkipped: number;
  lastStartedAt?: string;
  lastFinishedAt?: string;
  lastSuccessAt?: string;
  lastFailure?: { at: string; reason: string };
  lastSummary?: Record<string, unknown>;
  nextRunAt?: string;
}

/** Milliseconds between two consecutive ticks of `expression` (the smallest of the next few gaps). */
export function cronIntervalMs(expression: string): number {
  const task = cron.createTask(expression, () => undefined);
  try {
    const runs = task.getNextRuns(4).map((d) => d.getTime());
    let min = Number.POSITIVE_INFINITY;
    for (let i = 1; i < runs.length; i++) min = Math.min(min, (runs[i] as number) - (runs[i - 1] as number));
    return Number.isFinite(min) ? min : 24 * 3600_000;
  } finally {
    void task.destroy();
  }
}

/** The jitter bound for a job: the configured one, at most a third of the interval. */
export function jitterBoundMs(jitterSeconds: number, intervalMs: number): number {
  return Math.max(0, Math.min(jitterSeconds * 1000, Math.floor(intervalMs / 3)));
}

export class Job {
  private task?: ScheduledTask;
  private inFlight?: Promise<void>;
  private pendingTimer?: NodeJS.Timeout;
  private stopped = false;
  readonly state: JobState;

  constructor(
    readonly name: string,
    private schedule: string,
    private jitterMs: number,
    private readonly run: (signal: AbortSignal) => Promise<JobResult>,
    private readonly log: Logger,
    private readonly signal: AbortSignal,
    private readonly random: () => number = Math.random,
  ) {
    this.state = { name, schedule, intervalMs: cronIntervalMs(schedule), running: false, runs: 0, failures: 0, overlapsSkipped: 0 };
  }

  start(): void {
    this.task = cron.schedule(this.schedule, () => this.trigger('schedule', this.jitterMs), { name: this.name, noOverlap: false });
    this.task.unref();
    this.state.nextRunAt = this.task.getNextRun()?.toISOString();
  }

  /** A new schedule (SIGHUP); a run in flight finishes. */
  reschedule(schedule: string, jitterMs: number): void {
    if (schedule === this.schedule && jitterMs === this.jitterMs) return;
    this.schedule = schedule;
    this.jitterMs = jitterMs;
    this.state.schedule = schedule;
    this.state.intervalMs = cronIntervalMs(schedule);
    void this.task?.destroy();
    if (!this.stopped) this.start();
  }

  get busy(): boolean {
    return this.inFlight !== undefined || this.pendingTimer !== undefined;
  }

  /**
   * Runs the job after a random delay below `maxDelayMs`, unless it is already running or waiting
   * to run (single-flight: the tick is skipped, and counted). `quiet`: a skip is not worth a warning.
   */
  trigger(reason: string, maxDelayMs = 0, quiet = false): boolean {
    if (this.stopped) return false;
    this.state.nextRunAt = this.task?.getNextRun()?.toISOString();
    if (this.busy) {
      this.state.overlapsSkipped++;
      this.log[quiet ? 'debug' : 'warn']({ job: this.name, reason }, 'previous run still busy; this run is skipped');
      return false;
    }
    const delay = maxDelayMs > 0 ? Math.floor(this.random() * maxDelayMs) : 0;
    this.pendingTimer = setTimeout(() => {
      this.pendingTimer = undefined;
      this.inFlight = this.execute(reason).finally(() => {
        this.inFlight = undefined;
      });
    }, delay);
    return true;
  }

  private async execute(reason: string): Promise<void> {
    if (this.stopped) return;
    const started = Date.now();
    this.state.running = true;
    this.state.runs++;
    this.state.lastStartedAt = new Date(started).toISOString();
    this.log.debug({ job: this.name, reason }, 'job started');
    let res: JobResult;
    try {
      res = await this.run(this.signal);
    } catch (err) {
      res = { ok: false, reason: err instanceof Error ? err.message : String(err) };
    }
    const at = new Date().toISOString();
    const ms = Date.now() - started;
    this.state.running = false;
    this.state.lastFinishedAt = at;
    if ('skipped' in res) {
      this.log.debug({ job: this.name, ms, why: res.reason }, 'job skipped');
    } else if (res.ok) {
      this.state.lastSuccessAt = at;
      this.state.lastSummary = res.summary;
      this.log.info({ job: this.name, ms, ...res.summary }, 'job done');
    } else {
      this.state.failures++;
      this.state.lastFailure = { at, reason: res.reason };
      this.state.lastSummary = res.summary;
      this.log.warn({ job: this.name, ms, reason: res.reason, ...res.summary }, 'job failed');
    }
  }

  /** Resolves once no run is waiting or in flight: a provider command counts as acted on then. */
  async settled(): Promise<void> {
    while (this.pendingTimer !== undefined || this.inFlight !== undefined) await (this.inFlight ?? new Promise((r) => setTimeout(r, 50)));
  }

  /** Stops the schedule; pending (jittered) runs are dropped; resolves when the run in flight ends. */
  stopScheduling(): Promise<void> {
    this.stopped = true;
    if (this.pendingTimer) clearTimeout(this.pendingTimer);
    this.pendingTimer = undefined;
    void this.task?.destroy();
    return this.inFlight ?? Promise.resolve();
  }
}
