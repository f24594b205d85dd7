/**
 * `meterbox run`: the long-running agent. Loads the config, opens the outbox, schedules the jobs
 * (discovery, poll, upload, heartbeat, retention) with jitter and single-flight, serves /healthz
 * and /metrics on localhost, talks to systemd (READY, WATCHDOG, STATUS), reloads on SIGHUP
 * (a bad new config is refused and the old one keeps running) and stops on SIGTERM within a bound.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { Logger, LevelWithSilent } from 'pino';
import { isMeterboxError, type ErrorCode, type ErrorCounts } from '../contract/errors.js';
import { loadConfig, type ConfigProblem, type ResolvedConfig } from '../config/load.js';
import { SCHEDULE_NAMES, type ScheduleName } from '../config/schema.js';
import { DeviceRegistry } from '../discovery/registry.js';
import { Outbox } from '../store/outbox.js';
import { defaultHoldBytes } from '../store/hold.js';
import { diskVerdict, measureOutboxDisk } from '../store/disk.js';
import { createDaemonLogger, type DaemonLogger } from './logger.js';
import { Job, type JobResult } from './scheduler.js';
import { assessHealth, startHealthServer, type HealthServer, type HealthVerdict } from './health.js';
import { Metrics } from './metrics.js';
import { createNotifier, type Notifier } from './notify.js';
import { heartbeatCheck, loadDelivery, type Delivery, type HeartbeatCheck, type HeartbeatResult, type HeartbeatSnapshot } from './delivery.js';
import { startBoxPage, type BoxPage } from '../web/box/server.js';
import type { BoxSource, CommunicationCheck } from '../web/box/types.js';
import { discoverDevices, pollDevices, type DiscoverySummary, type KnownDevice, type PollSummary } from './jobs.js';
import { contractList } from '../reading/contract-list.js';
import { jobWindowMs } from './health.js';
import { DATA_LOSS_KINDS, type EventKind } from '../contract/events.js';
import { NODE_FLAGS, desAvailable } from '../node-flags.js';
import { RemoteConfig } from './remote-config.js';
import { SelfUpdate } from './self-update.js';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };

/** SIGTERM: how long in-flight work may take before it is abandoned. */
export const STOP_BOUND_MS = 10_000;

export interface DaemonOptions {
  configFile: string;
  env?: NodeJS.ProcessEnv;
  out?: NodeJS.WritableStream;
  stopBoundMs?: number;
  /** The doctor's checks (src/cli/doctor.ts), for the status page's "test communication"; `heartbeat` is this daemon's own. */
  doctor?: (configFile: string, heartbeat: () => Promise<HeartbeatCheck>) => Promise<CommunicationCheck[]>;
}

export class Daemon {
  private cfg: ResolvedConfig;
  private readonly logs: DaemonLogger;
  private readonly log: Logger;
  private readonly outbox: Outbox;
  private registry = new DeviceRegistry();
  private readonly hints = new Map<string, string>();
  private readonly abort = new AbortController();
  private readonly jobs = new Map<ScheduleName, Job>();
  private readonly metrics: Metrics;
  private readonly notifier: Notifier;
  private health?: HealthServer;
  private page?: BoxPage;
  private lastHeartbeat?: HeartbeatResult;
  private delivery?: Delivery;
  private deliveryError?: string;
  private watchdogTimer?: NodeJS.Timeout;
  private readonly startedAt = new Date();
  private lastPoll?: PollSummary;
  private lastDiscovery?: DiscoverySummary;
  private recentErrors: ErrorCounts = {};
  private stopping?: Promise<void>;
  /** The last health verdict logged, so only changes are. */
  private lastVerdict?: string;

  private constructor(private readonly opts: DaemonOptions, cfg: ResolvedConfig) {
    this.cfg = cfg;
    this.logs = createDaemonLogger(cfg.config.logging.level as LevelWithSilent, cfg.secrets, opts.out);
    this.log = this.logs.child('daemon');
    for (const w of cfg.warnings) this.log.warn({ path: cfg.file }, w);
    const st = cfg.config.storage;
    this.outbox = new Outbox(st.path, {
      log: this.logs.child('store'),
      retention: { maxAgeDays: st.maxAgeDays, sizeCapBytes: st.maxBytes },
      billing: cfg.config.billing,
      // Every reading of the last 24 h of the fleet while storing fails, at most a few MB.
      holdMaxBytes: () => this.cfg.config.storage.holdMaxBytes ?? defaultHoldBytes(this.knownDevices().length, this.jobs.get('poll')?.state.intervalMs ?? 3_600_000),
    });
    this.restoreRegistry();
    this.metrics = new Metrics({ devices: () => this.knownDevices().length, outbox: () => this.outboxFigures() });
    this.notifier = createNotifier(this.logs.child('systemd'), opts.env);
    this.remote = new RemoteConfig({
      configFile: opts.configFile,
      stateDir: dirname(st.path),
      ...(opts.env ? { env: opts.env } : {}),
      log: this.logs.child('remote'),
      current: () => this.cfg,
      apply: (next, why) => this.applyRemote(next, why),
      event: (kind, severity, message, data) => this.recordEvent(kind, severity, message, data),
    });
    this.update = new SelfUpdate({
      stateDir: dirname(st.path),
      running: pkg.version,
      log: this.logs.child('update'),
      current: () => this.cfg,
      download: (path, dest) => (this.delivery?.download ? this.delivery.download(path, dest) : Promise.resolve({ ok: false as const, offset: 0, error: this.deliveryError ?? 'uploader unavailable' })),
      event: (kind, severity, message, data) => this.recordEvent(kind, severity, message, data),
    });
    // The remote configuration in force (if any) over the local file; the local file was checked by start().
    const effective = this.remote.effective();
    if (effective !== cfg) this.adopt(effective);
  }

  private readonly remote: RemoteConfig;
  private readonly update: SelfUpdate;

  private recordEvent(kind: EventKind, severity: 'info' | 'warning' | 'error', message: string, data: Record<string, unknown>): void {
    try {
      this.outbox.current?.events.add({ kind, severity, message, data });
    } catch (err) {
      this.log.warn({ err: (err as Error).message, kind }, 'event not recorded');
    }
  }

  /** Loads the config and starts everything; throws MBX_CONFIG_INVALID before anything runs. */
  static async start(opts: DaemonOptions): Promise<Daemon> {
    const cfg = loadConfig(opts.configFile, { env: opts.env });
    const d = new Daemon(opts, cfg);
    await d.begin();
    return d;
  }

  get healthUrl(): string | undefined {
    return this.health?.url;
  }

  private get jitterSeconds(): number {
    return this.cfg.config.schedules.jitterSeconds;
  }

  private async begin(): Promise<void> {
    const c = this.cfg.config;
    const des = desAvailable();
    this.log.info({ version: pkg.version, node: process.version, des, agentId: c.agentId, config: this.cfg.file, db: c.storage.path, provider: this.cfg.provider.url, targets: c.targets.length, credentials: this.cfg.credentials.map((k) => k.name) }, 'meterbox starting');
    const needDes = this.cfg.credentials.filter((k) => k.credentials.version === '3' && k.credentials.level === 'authPriv' && k.credentials.privProtocol === 'des').map((k) => k.name);
    if (needDes.length > 0 && !des) this.log.error({ credentials: needDes }, `SNMPv3 DES privacy needs Node started with ${NODE_FLAGS.join(' ')} (as the shipped unit and the meterbox command do); these credentials cannot work`);
    const dlog = this.logs.child('upload');
    try {
      this.delivery = await loadDelivery(this.cfg, this.outbox, dlog, (cmd) => this.onCommand(cmd), (kind, doc) => {
        if (kind === 'config') this.remote.offer(doc);
        else this.update.offer(doc);
      });
    } catch (err) {
      // Options that cannot work (an unreadable token, CA or certificate file): polling goes on, the outbox fills, /healthz says why.
      this.deliveryError = `uploader unavailable: ${(err as Error).message}`;
      this.log.error({ err: (err as Error).message, ...(isMeterboxError(err) ? { code: err.code } : {}) }, 'the uploader cannot be set up; readings are stored but not delivered');
    }
    const runs: Record<ScheduleName, (signal: AbortSignal) => Promise<JobResult>> = {
      discovery: (s) => this.runDiscovery(s),
      poll: (s) => this.runPoll(s),
      upload: () => this.runUpload(),
      heartbeat: () => this.runHeartbeat(),
      retention: () => this.runRetention(),
    };
    for (const name of SCHEDULE_NAMES) {
      const expr = c.schedules[name];
      const job = new Job(
        name,
        expr,
        this.jitterSeconds,
        async (signal) => {
          const r = await runs[name](signal);
          this.metrics.jobRuns.inc({ job: name, result: 'skipped' in r ? 'skipped' : r.ok ? 'ok' : 'failed' });
          void this.updateStatus();
          return r;
        },
        this.logs.child(`job.${name}`),
        this.abort.signal,
      );
      this.jobs.set(name, job);
    }
    if (c.health.enabled) {
      const page = c.health.statusPage ? await this.startStatusPage() : undefined;
      this.health = await startHealthServer(
        { host: c.health.host, port: c.health.port, log: this.logs.child('health') },
        { health: () => this.healthz(), metrics: () => this.metrics.text(), ...(page ? { page: page.handle } : {}) },
      );
    }
    for (const j of this.jobs.values()) j.start();
    this.catchUp();
    await this.notifier.ready(this.statusLine());
    if (this.notifier.watchdogIntervalMs) {
      this.watchdogTimer = setInterval(() => void this.notifier.watchdog(), this.notifier.watchdogIntervalMs);
    }
    this.log.info({ health: this.health?.url, schedules: c.schedules, systemd: this.notifier.enabled }, 'meterbox running');
  }

  /** The status page (src/web/box) on the health listener, and on its own LAN listener when health.lan is set. */
  private async startStatusPage(): Promise<BoxPage> {
    const lan = this.cfg.config.health.lan;
    const password = this.cfg.lanPassword;
    const source: BoxSource = {
      agentId: () => this.cfg.config.agentId,
      version: pkg.version,
      startedAt: this.startedAt,
      verdict: () => this.verdict(),
      jobs: () => [...this.jobs.values()].map((j) => j.state),
      store: () => this.outbox.current,
      underContract: (serial) => contractList(this.cfg.config.devices.allow)?.covers(serial) ?? true,
      providerUrl: () => this.cfg.provider.url,
      secrets: () => this.cfg.secrets,
      readNow: async () => {
        const poll = this.jobs.get('poll') as Job;
        poll.trigger('status-page:read-now');
        await poll.settled();
        return poll.state;
      },
      ...(this.opts.doctor ? { testCommunication: () => (this.opts.doctor as NonNullable<DaemonOptions['doctor']>)(this.opts.configFile, () => this.heartbeatNow()) } : {}),
    };
    this.page = await startBoxPage({ source, log: this.logs.child('status-page'), ...(lan && password ? { lan: { ...lan, password, stateDir: dirname(this.cfg.config.storage.path) } } : {}) });
    return this.page;
  }

  /** A heartbeat now, through the heartbeat job (never beside a scheduled one): how "test communication" checks the token. */
  private async heartbeatNow(): Promise<HeartbeatCheck> {
    const job = this.jobs.get('heartbeat') as Job;
    this.lastHeartbeat = undefined;
    job.trigger('status-page:test-communication');
    await job.settled();
    return this.lastHeartbeat ? heartbeatCheck(this.lastHeartbeat) : { ok: false, error: this.deliveryError ?? 'no heartbeat was sent' };
  }

  /** On start: discover when nothing is known; poll soon when the last reading is older than the poll interval. */
  private catchUp(): void {
    const known = this.knownDevices();
    const poll = this.jobs.get('poll') as Job;
    const soon = Math.min(30_000, poll.jitterMs);
    if (known.length === 0) {
      if (this.cfg.targets.length > 0) {
        this.log.info('no known devices yet: discovering now');
        (this.jobs.get('discovery') as Job).trigger('start', soon);
      }
      return;
    }
    const last = this.lastReadingAt();
    const age = last ? Date.now() - Date.parse(last) : Number.POSITIVE_INFINITY;
    if (age > poll.state.intervalMs) {
      this.log.info({ lastReadingAt: last ?? null, intervalMs: poll.state.intervalMs }, 'last poll is older than the poll interval: polling soon');
      poll.trigger('start', soon);
    }
  }

  private lastReadingAt(): string | undefined {
    const store = this.outbox.current;
    if (!store) return undefined;
    try {
      return store.devices.lastReadingAt();
    } catch {
      return undefined;
    }
  }

  /** Devices to poll (under contract, when devices.allow is set), with the time each was last read. */
  private knownDevices(): KnownDevice[] {
    const byKey = new Map<string, KnownDevice>();
    const store = this.outbox.current;
    if (store) {
      try {
        for (const r of store.devices.hosts()) byKey.set(r.key, { key: r.key, host: r.host, ...(r.lastReadingAt ? { lastReadingAt: r.lastReadingAt } : {}) });
      } catch {
        // the outbox is failing; the registry still knows what discovery found
      }
    }
    const contract = contractList(this.cfg.config.devices.allow);
    for (const d of this.registry.devices()) {
      if (!d.hosts[0] || (contract && !contract.covers(d.serial))) continue;
      byKey.set(d.key, { ...byKey.get(d.key), key: d.key, host: d.hosts[0] });
    }
    return [...byKey.values()];
  }

  /** Serials in devices.allow that no sweep has found (judged once a discovery ran in this process). */
  private allowNotFound(): string[] | undefined {
    const contract = contractList(this.cfg.config.devices.allow);
    if (!contract || !this.lastDiscovery) return undefined;
    return contract.missing(this.registry.devices().map((d) => d.serial));
  }

  private outboxFigures(): { pending: number; oldestPendingAgeSeconds?: number; rejected: number; dataLossEvents: number } | undefined {
    const store = this.outbox.current;
    if (!store) return undefined;
    try {
      const c = store.readings.counts();
      const loss = store.events.count(DATA_LOSS_KINDS);
      return { pending: c.pending, rejected: c.rejected, dataLossEvents: loss, ...(c.oldestPendingAt ? { oldestPendingAgeSeconds: Math.max(0, (Date.now() - Date.parse(c.oldestPendingAt)) / 1000) } : {}) };
    } catch {
      return undefined;
    }
  }

  private countDataEvents(events: Record<string, number>): void {
    for (const [kind, n] of Object.entries(events)) this.metrics.dataProblems.inc({ kind }, n);
  }

  /** Free space beside the outbox against what it may still need; undefined when the filesystem cannot be asked. */
  private disk(): ReturnType<typeof diskVerdict> & { freeBytes: number; needBytes: number } | undefined {
    try {
      const st = this.cfg.config.storage;
      const d = measureOutboxDisk(st.path, st.maxBytes);
      return { ...diskVerdict(d.freeBytes, d.need, d.dir), freeBytes: d.freeBytes, needBytes: d.need.needBytes };
    } catch {
      return undefined;
    }
  }

  private noteErrors(errors: ErrorCounts): void {
    for (const [k, n] of Object.entries(errors) as [ErrorCode, number][]) this.recentErrors[k] = (this.recentErrors[k] ?? 0) + n;
  }

  private async runPoll(signal: AbortSignal): Promise<JobResult> {
    const devices = this.knownDevices();
    const s = await pollDevices({
      cfg: this.cfg,
      devices,
      outbox: this.outbox,
      hints: this.hints,
      log: this.logs.child('poll'),
      signal,
      onRead: (ok, code) => {
        this.metrics.reads.inc();
        if (!ok) this.metrics.readErrors.inc({ code: code ?? 'MBX_SNMP_ERROR' });
      },
    });
    this.lastPoll = s;
    this.noteErrors(s.errors);
    this.countDataEvents(s.dataEvents);
    const summary = { devices: s.devices, ok: s.ok, failed: s.failed, stored: s.stored, held: s.held };
    const health = this.outbox.health();
    if (!health.writable) {
      this.metrics.polls.inc({ result: 'failed' });
      return { ok: false, reason: `readings not stored: ${health.failure?.message ?? 'outbox not writable'}`, summary };
    }
    this.metrics.polls.inc({ result: s.failed > 0 ? 'partial' : 'ok' });
    if (s.stored > 0 && this.cfg.config.schedules.uploadAfterPoll && !signal.aborted) (this.jobs.get('upload') as Job).trigger('after-poll', 0, true);
    return { ok: true, summary };
  }

  /** What discovery knew before a restart (the devices table): addresses, labels and the credential that worked per device. */
  private restoreRegistry(): void {
    try {
      this.registry = DeviceRegistry.restore(this.outbox.current?.devices.swept() ?? []);
      for (const d of this.registry.devices()) for (const h of d.hosts) this.hints.set(h, d.credential);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not load the saved discovery registry; the next sweep rebuilds it');
    }
  }

  private async runDiscovery(signal: AbortSignal): Promise<JobResult> {
    if (this.cfg.targets.length === 0) return { skipped: true, reason: 'no targets configured' };
    try {
      const s = await discoverDevices({ cfg: this.cfg, outbox: this.outbox, registry: this.registry, hints: this.hints, log: this.logs.child('discovery'), signal });
      this.lastDiscovery = s;
      this.countDataEvents(s.dataEvents);
      this.metrics.discoveries.inc({ result: 'ok' });
      if (s.stored > 0 && this.cfg.config.schedules.uploadAfterPoll && !signal.aborted) (this.jobs.get('upload') as Job).trigger('after-discovery', 0, true);
      const m = s.summary;
      return { ok: true, summary: { addresses: m.addresses, answered: m.answered, printers: s.printers, notUnderContract: s.notUnderContract, nonPrinters: m.nonPrinters, credentialsRefused: m.failed, timedOut: m.silent, stored: s.stored } };
    } catch (err) {
      this.metrics.discoveries.inc({ result: 'failed' });
      if (isMeterboxError(err)) this.noteErrors({ [err.code]: 1 });
      return { ok: false, reason: isMeterboxError(err) ? `${err.message} [${err.code}]` : String(err) };
    }
  }

  private async runUpload(): Promise<JobResult> {
    if (!this.delivery) return { ok: false, reason: this.deliveryError ?? 'uploader unavailable' };
    const r = await this.delivery.drainOnce();
    this.metrics.uploads.inc({ stop: r.stop });
    this.metrics.uploadedReadings.inc(r.delivered);
    const summary = { stop: r.stop, batches: r.batches, delivered: r.delivered, rejected: r.rejected, quarantined: r.quarantined };
    if (r.stop === 'empty' || r.stop === 'limit') return { ok: true, summary };
    if (r.stop === 'backoff') return { skipped: true, reason: `backing off until ${r.retryAt?.toISOString() ?? '?'}` };
    // Every stop that is a failure has its MBX_* code: the error's, or for 'no-store' the outbox's own failure.
    const code: ErrorCode = r.error?.code ?? this.outbox.health().failure?.code ?? 'MBX_STORE_IO';
    this.metrics.uploadErrors.inc({ class: code });
    this.noteErrors({ [code]: 1 });
    return { ok: false, reason: r.error ? `${r.error.message} [${r.error.code}]` : `upload stopped: ${r.stop}`, summary };
  }

  private async runHeartbeat(): Promise<JobResult> {
    if (!this.delivery) return { ok: false, reason: this.deliveryError ?? 'uploader unavailable' };
    const snap: HeartbeatSnapshot = {
      version: pkg.version,
      uptimeSeconds: Math.round(process.uptime()),
      deviceCount: this.knownDevices().length,
      recentErrors: this.recentErrors,
      health: this.verdict(),
    };
    const remoteConfig = this.remote.report();
    const update = this.update.report();
    if (remoteConfig || update) snap.remote = { ...(remoteConfig ? { config: remoteConfig } : {}), ...(update ? { update } : {}) };
    const p = this.lastPoll;
    if (p) snap.lastPoll = { at: p.at, durationMs: p.durationMs, devices: p.devices, ok: p.ok, failed: p.failed, ...failureCounts(p.errors) };
    const d = this.lastDiscovery;
    if (d) {
      const m = d.summary;
      snap.lastDiscovery = { at: d.at, durationMs: d.durationMs, devices: d.printers + d.notUnderContract, ok: d.printers, failed: m.failed, answered: m.answered, timedOut: m.silent, credentialsRefused: m.failed, nonPrinters: m.nonPrinters };
    }
    const disk = this.disk();
    if (disk) {
      snap.diskFreeBytes = disk.freeBytes;
      snap.diskNeedBytes = disk.needBytes;
    }
    const r = await this.delivery.sendHeartbeat(snap);
    this.lastHeartbeat = r;
    // The helper's result, and the download in the maintenance window, paced by the heartbeat; not awaited.
    void this.update.tick();
    this.metrics.heartbeats.inc({ result: r.ok ? 'ok' : 'failed' });
    // The provider is back: uploads that were backing off go now, not at the end of their delay.
    if (r.ok && r.uploadsResumed) (this.jobs.get('upload') as Job).trigger('provider-back', 0, true);
    if (r.ok) {
      this.recentErrors = {};
      return { ok: true, summary: { status: r.status, commands: r.commands, eventsReported: r.eventsReported, ...(r.clockSkewMs !== undefined ? { clockSkewMs: r.clockSkewMs } : {}) } };
    }
    return { ok: false, reason: r.error ? `${r.error.message} [${r.error.code}]` : `heartbeat failed (HTTP ${r.status ?? '?'})` };
  }

  private async runRetention(): Promise<JobResult> {
    const store = this.outbox.current;
    if (!store) return { ok: false, reason: 'outbox not open' };
    const r = store.enforceRetention();
    return { ok: true, summary: { prunedByAge: r.prunedByAge, prunedForSize: r.prunedForSize, droppedPending: r.droppedPending, usedBytes: r.usedBytes } };
  }

  /** Runs the job a provider command asks for; resolves when that run is over, so the heartbeat acknowledges it only then. */
  private onCommand(cmd: 'read-now' | 'discover-now'): Promise<void> {
    this.log.info({ command: cmd }, 'provider asked for a command');
    const job = this.jobs.get(cmd === 'read-now' ? 'poll' : 'discovery') as Job;
    job.trigger(`provider:${cmd}`);
    return job.settled();
  }

  private verdict(): HealthVerdict {
    const jitterMs: Record<string, number> = {};
    for (const [n, j] of this.jobs) jitterMs[n] = j.jitterMs;
    const h = this.outbox.health();
    const noTargets = this.cfg.targets.length === 0;
    const poll = this.jobs.get('poll') as Job;
    const d = this.lastDiscovery;
    const p = this.lastPoll;
    const allowNotFound = this.allowNotFound();
    return assessHealth({
      now: new Date(),
      startedAt: this.startedAt,
      jobs: [...this.jobs.values()].map((j) => j.state),
      jitterMs,
      store: { writable: h.writable, ...(h.failure ? { failure: `${h.failure.message} [${h.failure.code}]` } : {}) },
      idle: noTargets ? ['discovery'] : [],
      disk: this.disk(),
      ...(noTargets
        ? {}
        : {
            sight: {
              ...(d ? { lastDiscovery: { addresses: d.summary.addresses, answered: d.summary.answered, printers: d.printers, notUnderContract: d.notUnderContract, nonPrinters: d.summary.nonPrinters, credentialsRefused: d.summary.failed } } : {}),
              ...(p ? { lastPoll: { devices: p.devices, ok: p.ok, ...failureCounts(p.errors) } } : {}),
              devices: this.knownDevices(),
              readWindowMs: jobWindowMs(poll.state.intervalMs, poll.jitterMs),
              ...(allowNotFound ? { allowNotFound } : {}),
            },
          }),
    });
  }

  /** The /healthz answer: 200 with a summary, or 503 with the reasons. */
  healthz(): { status: number; body: Record<string, unknown> } {
    const v = this.verdict();
    const o = this.outboxFigures();
    return {
      status: v.status === 'unhealthy' ? 503 : 200,
      body: {
        status: v.status,
        reasons: v.reasons,
        warnings: v.warnings,
        agentId: this.cfg.config.agentId,
        version: pkg.version,
        uptimeSeconds: Math.round((Date.now() - this.startedAt.getTime()) / 1000),
        devices: this.knownDevices().length,
        outbox: o ?? null,
        store: this.outbox.health(),
        jobs: Object.fromEntries([...this.jobs].map(([n, j]) => [n, j.state])),
        lastPoll: this.lastPoll ?? null,
        lastDiscovery: this.lastDiscovery ?? null,
      },
    };
  }

  private statusLine(): string {
    const o = this.outboxFigures();
    const p = this.lastPoll;
    const v = this.verdict();
    return [
      `${this.knownDevices().length} devices`,
      p ? `last poll ${p.at.slice(11, 19)}Z ${p.ok}/${p.devices} read` : 'no poll yet',
      o ? `${o.pending} pending` : 'outbox closed',
      v.status === 'ok' ? 'healthy' : `${v.status}: ${v.reasons[0] ?? ''}`,
    ].join('; ');
  }

  /** After each run: a change of the health verdict is logged (a blind box is a warning in the journal), and systemd's STATUS follows. */
  private async updateStatus(): Promise<void> {
    const v = this.verdict();
    const poll = (this.jobs.get('poll') as Job).state;
    const hb = (this.jobs.get('heartbeat') as Job).state;
    this.remote.observe({ verdict: v, pollRunning: poll.running, ...(poll.lastStartedAt ? { pollStartedAt: poll.lastStartedAt } : {}), ...(poll.lastFinishedAt ? { pollFinishedAt: poll.lastFinishedAt } : {}), ...(hb.lastSuccessAt ? { heartbeatSuccessAt: hb.lastSuccessAt } : {}) });
    // The same reasons with other figures (seconds late, counts) are the same verdict: no new line for them.
    const key = `${v.status}\n${v.reasons.join('\n').replace(/\d+/g, '#')}`;
    if (key !== this.lastVerdict) {
      const first = this.lastVerdict === undefined;
      this.lastVerdict = key;
      if (v.status !== 'ok') this.log.warn({ status: v.status, reasons: v.reasons }, `health: ${v.status}: ${v.reasons[0] ?? ''}`);
      else if (!first) this.log.info({ status: v.status }, 'health: ok again');
    }
    if (this.notifier.enabled) await this.notifier.status(this.statusLine());
  }

  /** SIGHUP: load the config again; on any problem keep the running one. Returns whether it was applied. */
  async reload(): Promise<boolean> {
    await this.notifier.reloading();
    let next: ResolvedConfig;
    try {
      // The local file, with the remote configuration in force over it (src/remote/overlay.ts).
      next = this.remote.effective();
    } catch (err) {
      const problems = isMeterboxError(err) ? ((err.context.problems as ConfigProblem[] | undefined) ?? []) : [];
      this.log.error({ config: this.opts.configFile, code: isMeterboxError(err) ? err.code : undefined, problems }, 'new configuration refused; the running one stays in force');
      await this.notifier.ready(this.statusLine());
      return false;
    }
    this.applyConfig(next, 'SIGHUP');
    await this.notifier.ready(this.statusLine());
    return true;
  }

  /** The running configuration swapped for `next` (secrets and log level with it), before any job runs. */
  private adopt(next: ResolvedConfig): void {
    this.logs.setSecrets([...new Set([...this.cfg.secrets, ...next.secrets])]);
    this.cfg = next;
    this.logs.setLevel(next.config.logging.level as LevelWithSilent);
  }

  /** The one way a new configuration takes effect, whether SIGHUP or the provider brought it. */
  private applyConfig(next: ResolvedConfig, why: string): void {
    const prev = this.cfg;
    this.adopt(next);
    for (const w of next.warnings) this.log.warn({ path: next.file }, w);
    // Synchronous, one job after the other in one turn of the event loop: no tick can fire between an old and a new schedule.
    for (const [n, j] of this.jobs) j.reschedule(next.config.schedules[n], next.config.schedules.jitterSeconds);
    this.delivery?.reconfigure(next);
    if (JSON.stringify(prev.config.billing) !== JSON.stringify(next.config.billing)) {
      this.outbox.setBillingContract(next.config.billing);
      this.log.info({ billing: next.config.billing }, 'billing contract reloaded: new readings are validated under it');
    }
    const restartNeeded: string[] = [];
    if (JSON.stringify(prev.config.storage) !== JSON.stringify(next.config.storage)) restartNeeded.push('storage');
    if (JSON.stringify(prev.config.health) !== JSON.stringify(next.config.health)) restartNeeded.push('health');
    if (restartNeeded.length > 0) this.log.warn({ settings: restartNeeded }, 'these settings take effect at the next restart');
    this.log.info({ config: next.file, why, schedules: next.config.schedules, targets: next.config.targets.length }, 'configuration reloaded');
  }

  /** A remote configuration (or its rollback): applied like SIGHUP, then read at once so its health shows within the window. */
  private applyRemote(next: ResolvedConfig, why: string): void {
    const prev = this.cfg.config;
    this.applyConfig(next, why);
    const c = next.config;
    const sweepChanged = ['targets', 'exclude', 'credentials', 'snmp'].some((k) => JSON.stringify(prev[k as keyof typeof prev]) !== JSON.stringify(c[k as keyof typeof c]));
    if (sweepChanged && next.targets.length > 0) (this.jobs.get('discovery') as Job).trigger('remote-config');
    (this.jobs.get('poll') as Job).trigger('remote-config');
    if (this.notifier.enabled) void this.notifier.status(this.statusLine());
  }

  /** SIGTERM: no new work, in-flight work gets the bound, then the database is closed. */
  stop(reason = 'SIGTERM'): Promise<void> {
    this.stopping ??= (async () => {
      const started = Date.now();
      this.log.info({ reason, boundMs: this.opts.stopBoundMs ?? STOP_BOUND_MS }, 'stopping: no new work; waiting for work in flight');
      await this.notifier.stopping();
      if (this.watchdogTimer) clearInterval(this.watchdogTimer);
      const inFlight = [...this.jobs.values()].filter((j) => j.busy).map((j) => j.name);
      const waits = Promise.all([...this.jobs.values()].map((j) => j.stopScheduling()));
      let timer: NodeJS.Timeout | undefined;
      const bound = this.opts.stopBoundMs ?? STOP_BOUND_MS;
      const timedOut = await Promise.race([
        waits.then(() => false),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(true), Math.max(0, bound - 1500));
        }),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        this.abort.abort();
        this.log.warn({ jobs: [...this.jobs.values()].filter((j) => j.state.running).map((j) => j.name) }, 'work in flight did not finish in time; abandoned (nothing half-written: each cycle is one transaction)');
      }
      await this.health?.close();
      await this.page?.close();
      this.outbox.close();
      this.log.info({ ms: Date.now() - started, inFlight }, 'stopped; database closed');
    })();
    return this.stopping;
  }
}

/** A cycle's failures by cause: no answer at all, or every credential refused. */
function failureCounts(errors: ErrorCounts): { timedOut: number; credentialsRefused: number } {
  return { timedOut: errors.MBX_SNMP_TIMEOUT ?? 0, credentialsRefused: errors.MBX_SNMP_AUTH ?? 0 };
}
