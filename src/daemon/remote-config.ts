/**
 * Remote configuration on the box: a signed document from the heartbeat answer is verified
 * (src/remote/envelope.ts), laid over the local file and validated by the same loader
 * (src/remote/overlay.ts), and applied through the SIGHUP path. It is then on probation: unless the
 * box is healthy (a poll run after it, the verdict `ok`, a heartbeat delivered) within
 * `remote.healthWindowSeconds`, the last known-good configuration comes back. Every outcome is
 * logged, recorded as an event and reported by the heartbeat; a refused document leaves the running
 * configuration as it is.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { isMeterboxError } from '../contract/errors.js';
import type { ConfigProblem, ResolvedConfig } from '../config/load.js';
import { verifyDocument } from '../remote/envelope.js';
import { effectiveConfig } from '../remote/overlay.js';
import { claimedVersion, readRemoteState, writeRemoteState, type ConfigReport, type RemoteDocument, type RemoteState } from '../remote/state.js';
import type { EventKind } from '../contract/events.js';
import type { HealthVerdict } from './health.js';

export interface RemoteConfigDeps {
  configFile: string;
  stateDir: string;
  env?: NodeJS.ProcessEnv;
  log: Logger;
  /** The running configuration (its local part decides agent id, keys and window). */
  current: () => ResolvedConfig;
  /** The SIGHUP path: swap the running configuration. */
  apply: (next: ResolvedConfig, why: string) => void;
  event: (kind: EventKind, severity: 'info' | 'warning' | 'error', message: string, data: Record<string, unknown>) => void;
  now?: () => Date;
}

/** What `observe` needs to judge the probation. */
export interface HealthEvidence {
  verdict: HealthVerdict;
  /** When the poll job last finished a run it started (ISO), and whether one is running. */
  pollStartedAt?: string;
  pollFinishedAt?: string;
  pollRunning: boolean;
  heartbeatSuccessAt?: string;
}

export class RemoteConfig {
  private state: RemoteState;

  constructor(private readonly deps: RemoteConfigDeps) {
    this.state = readRemoteState(deps.stateDir);
  }

  private now(): Date {
    return (this.deps.now ?? (() => new Date()))();
  }

  /**
   * The configuration to start with (or reload on SIGHUP): the local file with the remote document
   * in force. When that no longer validates over the local file (the local file changed), the last
   * known-good one is tried, then the local file alone; what was dropped is logged and reported.
   * Throws only when the local file itself is invalid.
   */
  effective(): ResolvedConfig {
    const s = this.state.config;
    for (const doc of [s.active, s.lastGood, undefined]) {
      try {
        const cfg = effectiveConfig(this.deps.configFile, doc?.payload, { env: this.deps.env });
        if (doc !== s.active) this.fallBack(doc, s.active);
        return cfg;
      } catch (err) {
        if (!doc || !isMeterboxError(err, 'MBX_REMOTE_CONFIG_INVALID')) throw err;
      }
    }
    throw new Error('unreachable');
  }

  private fallBack(to: RemoteDocument | undefined, from: RemoteDocument | undefined): void {
    if (!from) return;
    const reason = `remote configuration ${from.version} no longer validates over the local file; running ${to ? `remote configuration ${to.version}` : 'the local file alone'}`;
    this.deps.log.error({ version: from.version }, reason);
    this.state.config.active = to;
    this.state.config.pending = undefined;
    this.record({ version: from.version, state: 'rolled-back', code: 'MBX_REMOTE_CONFIG_INVALID', reason }, 'remote.config-rolled-back', 'error');
  }

  /** A `config` document from the heartbeat answer. Never throws. */
  offer(doc: unknown): void {
    try {
      this.take(doc);
    } catch (err) {
      this.deps.log.error({ err: (err as Error).message }, 'remote configuration could not be handled');
    }
  }

  private take(doc: unknown): void {
    const cfg = this.deps.current();
    const remote = cfg.config.remote;
    const s = this.state.config;
    const digest = createHash('sha256').update(JSON.stringify(doc)).digest('hex');
    if (digest === s.refusedDigest) return; // the provider sends it until it sees our report
    const refuse = (version: number, code: string, reason: string, problems?: ConfigProblem[]) => {
      s.refusedDigest = digest;
      this.deps.log.error({ version, code, ...(problems ? { problems } : {}) }, `remote configuration ${version || '(unverified)'} refused: ${reason}; the running configuration stays in force`);
      this.record({ version, state: 'refused', code, reason }, 'remote.config-refused', 'error');
    };
    if (!remote?.config) return refuse(claimedVersion(doc), 'MBX_REMOTE_SIGNATURE', 'remote configuration is not enabled on this box (no remote section, or remote.config is false)');
    const v = verifyDocument<Record<string, unknown>>(doc, { kind: 'config', agentId: cfg.config.agentId, keys: remote.keys, ...(s.lastVersion !== undefined ? { lastVersion: s.lastVersion } : {}), now: this.now() });
    if (!v.ok) {
      if (v.code === 'MBX_REMOTE_REPLAYED' && v.version === s.lastVersion) return; // the one we have: sent again before our report arrived
      return refuse(v.version ?? claimedVersion(doc), v.code, v.reason);
    }
    const version = v.envelope.version;
    let next: ResolvedConfig;
    try {
      next = effectiveConfig(this.deps.configFile, v.envelope.payload, { env: this.deps.env });
    } catch (err) {
      s.lastVersion = version;
      const problems = isMeterboxError(err) ? ((err.context.problems as ConfigProblem[] | undefined) ?? []) : [];
      return refuse(version, isMeterboxError(err) ? err.code : 'MBX_REMOTE_CONFIG_INVALID', problems.length ? problems.map((p) => `${p.path}: expected ${p.expected}`).join('; ').slice(0, 1000) : (err as Error).message);
    }
    s.lastVersion = version;
    s.refusedDigest = undefined;
    // A document taken while another is on probation: the one on probation never proved itself, so the known-good stays.
    if (!s.pending && s.active) s.lastGood = s.active;
    s.active = { version, payload: v.envelope.payload };
    s.pending = { version, appliedAt: this.now().toISOString() };
    this.deps.apply(next, `remote configuration ${version}`);
    this.deps.log.info({ version, keyId: v.keyId, sections: Object.keys(v.envelope.payload), windowSeconds: remote.healthWindowSeconds }, `remote configuration ${version} applied; on probation until the box is healthy`);
    this.record({ version, state: 'pending' });
  }

  /** After every job run: ends the probation, one way or the other. */
  observe(e: HealthEvidence): void {
    const s = this.state.config;
    const p = s.pending;
    if (!p) return;
    const since = p.appliedAt;
    const polled = !e.pollRunning && e.pollStartedAt !== undefined && e.pollStartedAt >= since && (e.pollFinishedAt ?? '') >= e.pollStartedAt;
    const delivered = e.heartbeatSuccessAt !== undefined && e.heartbeatSuccessAt >= since;
    if (polled && delivered && e.verdict.status === 'ok') {
      s.pending = undefined;
      s.lastGood = s.active;
      this.deps.log.info({ version: p.version }, `remote configuration ${p.version} is healthy: it is the known-good one now`);
      this.record({ version: p.version, state: 'applied' }, 'remote.config-applied', 'info');
      return;
    }
    const windowMs = (this.deps.current().config.remote?.healthWindowSeconds ?? 600) * 1000;
    if (this.now().getTime() - Date.parse(since) < windowMs) return;
    const why = [
      ...(e.verdict.status !== 'ok' ? [`health ${e.verdict.status}: ${e.verdict.reasons.slice(0, 3).join('; ')}`] : []),
      ...(!polled ? ['no poll finished since it was applied'] : []),
      ...(!delivered ? ['no heartbeat delivered since it was applied'] : []),
    ].join('; ');
    const back = s.lastGood;
    let cfg: ResolvedConfig;
    try {
      cfg = effectiveConfig(this.deps.configFile, back?.payload, { env: this.deps.env });
    } catch {
      cfg = effectiveConfig(this.deps.configFile, undefined, { env: this.deps.env });
    }
    s.pending = undefined;
    s.active = back;
    this.deps.apply(cfg, `rollback of remote configuration ${p.version}`);
    const reason = `not healthy within ${windowMs / 1000} s (${why}); back to ${back ? `remote configuration ${back.version}` : 'the local file alone'}`;
    this.deps.log.error({ version: p.version, reasons: e.verdict.reasons }, `remote configuration ${p.version} rolled back: ${reason}`);
    this.record({ version: p.version, state: 'rolled-back', code: 'MBX_REMOTE_ROLLED_BACK', reason }, 'remote.config-rolled-back', 'error');
  }

  /** What the heartbeat reports. */
  report(): ConfigReport | undefined {
    return this.state.config.report;
  }

  private record(r: Omit<ConfigReport, 'at' | 'inForce'>, kind?: EventKind, severity: 'info' | 'warning' | 'error' = 'info'): void {
    // The wire allows 1000 characters of reason: a longer one would make every heartbeat invalid.
    const report: ConfigReport = { ...r, ...(r.reason ? { reason: r.reason.slice(0, 1000) } : {}), inForce: this.state.config.active?.version ?? 0, at: this.now().toISOString() };
    this.state.config.report = report;
    try {
      writeRemoteState(this.deps.stateDir, this.state);
    } catch (err) {
      this.deps.log.error({ err: (err as Error).message, dir: this.deps.stateDir }, 'cannot save the remote configuration state; a restart may forget it');
    }
    if (kind) this.deps.event(kind, severity, `remote configuration ${r.version}: ${r.state}${r.reason ? `: ${r.reason}` : ''}`.slice(0, 1000), { ...report });
  }
}
