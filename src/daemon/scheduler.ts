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
  /** Scheduled ticks skipped because the previous scheduled run was still busy: the job is slower than its schedule. */
  overlapsSkipped: number;
  /** Triggers that found a run already under way doing the same work and merged into it (an upload after a poll, read-now). */
  triggersMerged: number;
  lastStartedAt?: string;
  lastFinishedAt?: string;
  lastSuccessAt?: string;
  lastFailure?: { at: string; reason: string };
  lastSummary?: Record<string, unknown>;
  nextRunAt?: string;
}

/** Milliseconds between two consecutive ticks of `expression` (the smallest of the next few gaps). */
function cronIntervalMs(expression: string): number {
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
function jitterBoundMs(jitterSeconds: number, intervalMs: number): number {
  return Math.max(0, Math.min(jitterSeconds * 1000, Math.floor(intervalMs / 3)));
}

export class Job {
  private task?: ScheduledTask;
  private inFlight?: Promise<void>;
  private pendingTimer?: NodeJS.Timeout;
  /** Resolves when the run now waiting out its delay or in flight has ended (or was dropped by a stop). */
  private runEnded?: Promise<void>;
  private endRun?: () => void;
  /** Why the pending or running run was started. */
  private busyReason?: string;
  private stopped = false;
  private static serial = 0;
  readonly state: JobState;

  constructor(
    readonly name: string,
    private schedule: string,
    /** The configured jitter; each run's bound is jitterBoundMs(this, interval). */
    private jitterSeconds: number,
    private readonly run: (signal: AbortSignal) => Promise<JobResult>,
    private readonly log: Logger,
    private readonly signal: AbortSignal,
    private readonly random: () => number = Math.random,
  ) {
    this.state = { name, schedule, intervalMs: cronIntervalMs(schedule), running: false, runs: 0, failures: 0, overlapsSkipped: 0, triggersMerged: 0 };
  }

  /**
   * Puts the job on its schedule. The only place a cron task is made: the job holds at most one,
   * and a second start() (or a reschedule) replaces it rather than adding another.
   */
  start(): void {
    if (this.stopped) return;
    const next = cron.schedule(this.schedule, (ctx) => void this.trigger('schedule', this.jitterMs, false, ctx.date), {
      name: `${this.name}#${++Job.serial}`,
      noOverlap: false,
      // node-cron's own messages (a missed tick under load) go to our log, never to stdout as plain text.
      logger: { info: (m) => this.log.debug(m), debug: (m) => this.log.debug(String(m)), warn: (m) => this.log.warn({ job: this.name }, m), error: (m) => this.log.error({ job: this.name }, String(m)) },
    });
    next.unref();
    const previous = this.task;
    this.task = next;
    void previous?.destroy();
    this.state.nextRunAt = next.getNextRun()?.toISOString();
  }

  /** The most a scheduled run waits after its tick: the jitter, at most a third of the interval. */
  get jitterMs(): number {
    return jitterBoundMs(this.jitterSeconds, this.state.intervalMs);
  }

  /** A new schedule or jitter (SIGHUP): the old cron task is replaced at once; a run in flight finishes. */
  reschedule(schedule: string, jitterSeconds: number): void {
    if (schedule === this.schedule && jitterSeconds === this.jitterSeconds) return;
    this.schedule = schedule;
    this.jitterSeconds = jitterSeconds;
    this.state.schedule = schedule;
    this.state.intervalMs = cronIntervalMs(schedule);
    if (this.task) this.start();
  }

  get busy(): boolean {
    return this.inFlight !== undefined || this.pendingTimer !== undefined;
  }

  /**
   * Runs the job after a random delay below `maxDelayMs`, unless it is already running or waiting
   * to run (single-flight: the trigger is skipped, and counted as an overlap or a merge). `quiet`:
   * a merge is not worth an info line.
   */
  trigger(reason: string, maxDelayMs = 0, quiet = false, tick?: Date): boolean {
    if (this.stopped) return false;
    this.state.nextRunAt = this.task?.getNextRun()?.toISOString();
    const at = tick ? { tick: tick.toISOString() } : {};
    if (this.busy) {
      // Only a scheduled run still busy at its next tick means the job is slower than its schedule
      // (an overlap, worth a warning). Anything else merges into the run already under way, which
      // does the same work: an upload after a poll, a provider's read-now, a tick during a start-up run.
      if (reason === 'schedule' && this.busyReason === 'schedule') {
        this.state.overlapsSkipped++;
        this.log.warn({ job: this.name, reason, ...at }, 'previous run still busy; this run is skipped');
      } else {
        this.state.triggersMerged++;
        this.log[quiet ? 'debug' : 'info']({ job: this.name, reason, ...at, busyWith: this.busyReason }, 'merged into the run already under way');
      }
      return false;
    }
    this.busyReason = reason;
    const delay = maxDelayMs > 0 ? Math.floor(this.random() * maxDelayMs) : 0;
    let end: () => void = () => undefined;
    this.runEnded = new Promise<void>((r) => (end = r));
    this.endRun = end;
    this.pendingTimer = setTimeout(() => {
      this.pendingTimer = undefined;
      this.inFlight = this.execute(reason, at, delay).finally(() => {
        this.inFlight = undefined;
        end();
      });
    }, delay);
    return true;
  }

  private async execute(reason: string, tick: { tick?: string }, delayMs: number): Promise<void> {
    if (this.stopped) return;
    const started = Date.now();
    this.state.running = true;
    this.state.runs++;
    this.state.lastStartedAt = new Date(started).toISOString();
    // One line per run, naming the cron tick it belongs to: "each job runs once per tick" is checkable from the journal.
    this.log.info({ job: this.name, reason, ...tick, jitterMs: delayMs }, 'job started');
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

  /**
   * Resolves once the run waiting or in flight now has ended (the one a trigger just started or
   * merged into): a provider command counts as acted on then. Not a later run: looking again every
   * 50 ms let a tick in between start one, and two merged read-nows got the results of two runs.
   */
  async settled(): Promise<void> {
    if (this.busy) await this.runEnded;
  }

  /** Stops the schedule; pending (jittered) runs are dropped; resolves when the run in flight ends. */
  stopScheduling(): Promise<void> {
    this.stopped = true;
    if (this.pendingTimer) {
      clearTimeout(this.pendingTimer);
      this.endRun?.(); // that run never starts: whoever waits for it is done waiting
    }
    this.pendingTimer = undefined;
    void this.task?.destroy();
    this.task = undefined;
    return this.inFlight ?? Promise.resolve();
  }
}
