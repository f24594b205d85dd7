/**
 * Self-update, the daemon's half. The heartbeat answer announces a signed manifest (version, path on
 * the provider, SHA-256, size); the daemon verifies it, and inside the maintenance window downloads
 * the package through the provider transport (resuming a cut download), checks size, hash and
 * signature, and hands it to the privileged helper through the spool directory: the package and
 * the signed manifest first, then `request`, which meterbox-update.path waits for. The helper
 * (src/cli/update-helper.ts, as root) verifies everything again, installs, waits for the new
 * version to be healthy and reinstalls the previous package when it is not; its result.json is
 * picked up here (by whichever version runs then) and reported. Every refusal is an event, and
 * the box stays on its version.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { EventKind } from '../contract/events.js';
import type { ResolvedConfig } from '../config/load.js';
import { claimedVersion, readJsonState, writeJsonState, UPDATE_STATE_FILE, type UpdateReport, type UpdateState } from '../remote/state.js';
import { SPOOL, inWindow, packageProblem, partialName, verifyManifest, type HelperResult } from '../remote/update.js';
import type { DownloadOutcome } from './delivery.js';

export interface SelfUpdateDeps {
  stateDir: string;
  running: string;
  log: Logger;
  current: () => ResolvedConfig;
  download: (path: string, dest: string) => Promise<DownloadOutcome>;
  event: (kind: EventKind, severity: 'info' | 'warning' | 'error', message: string, data: Record<string, unknown>) => void;
  now?: () => Date;
}

/** Download attempts of one manifest before it is given up (each resumes the last). */
const MAX_ATTEMPTS = 20;

export class SelfUpdate {
  private state: UpdateState;
  private busy = false;
  private attempts = 0;

  constructor(private readonly deps: SelfUpdateDeps) {
    this.state = readJsonState<UpdateState>(deps.stateDir, UPDATE_STATE_FILE, {});
  }

  private now(): Date {
    return (this.deps.now ?? (() => new Date()))();
  }

  private spool(): string {
    return this.deps.current().config.remote?.update.spoolDir ?? join(this.deps.stateDir, 'update');
  }

  /** An `update` document from the heartbeat answer. Never throws. */
  offer(doc: unknown): void {
    try {
      this.take(doc);
    } catch (err) {
      this.deps.log.error({ err: (err as Error).message }, 'update announcement could not be handled');
    }
  }

  private take(doc: unknown): void {
    const cfg = this.deps.current();
    const remote = cfg.config.remote;
    const s = this.state;
    const digest = createHash('sha256').update(JSON.stringify(doc)).digest('hex');
    if (digest === s.refusedDigest) return;
    const refuse = (manifest: number, target: string, code: string, reason: string) => {
      s.refusedDigest = digest;
      this.record({ manifest, target, state: 'refused', code, reason }, 'update.refused', 'error');
    };
    if (!remote?.update.enabled) return refuse(claimedVersion(doc), '?', 'MBX_REMOTE_SIGNATURE', 'self-update is not enabled on this box (no remote section, or remote.update.enabled is false)');
    const v = verifyManifest(doc, { agentId: cfg.config.agentId, keys: remote.keys, ...(s.lastVersion !== undefined ? { lastVersion: s.lastVersion } : {}), now: this.now() });
    if (!v.ok) {
      if (v.code === 'MBX_REMOTE_REPLAYED' && v.version === s.lastVersion) return;
      return refuse(v.version ?? claimedVersion(doc), '?', v.code, v.reason);
    }
    const m = v.envelope.payload;
    s.lastVersion = v.envelope.version;
    s.refusedDigest = undefined;
    if (m.version === this.deps.running) {
      s.pending = undefined;
      return this.record({ manifest: v.envelope.version, target: m.version, state: 'installed', reason: 'already running this version' });
    }
    s.pending = { version: v.envelope.version, document: doc, manifest: m };
    this.attempts = 0;
    // Partial downloads of other packages are of no use any more.
    try {
      for (const f of readdirSync(this.spool())) if (f.startsWith('download-') && f !== partialName(m.sha256)) rmSync(join(this.spool(), f), { force: true });
    } catch {
      // no spool yet
    }
    this.deps.log.info({ manifest: v.envelope.version, target: m.version, size: m.size, window: remote.update.window }, `update to ${m.version} announced; it is downloaded and installed in the maintenance window`);
    this.record({ manifest: v.envelope.version, target: m.version, state: 'waiting' });
  }

  /** After every heartbeat: the helper's result, then the download and the hand-over when in the window. */
  async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      this.pickUpResult();
      await this.advance();
    } catch (err) {
      this.deps.log.error({ err: (err as Error).message }, 'self-update step failed; tried again after the next heartbeat');
    } finally {
      this.busy = false;
    }
  }

  /** result.json from meterbox-update.service: installed, rolled back, failed or refused. */
  private pickUpResult(): void {
    const file = join(this.spool(), SPOOL.result);
    if (!existsSync(file)) return;
    let r: HelperResult;
    try {
      r = JSON.parse(readFileSync(file, 'utf8')) as HelperResult;
    } catch {
      return; // being written
    }
    rmSync(file, { force: true });
    if (this.state.pending?.version === r.manifest) this.state.pending = undefined;
    const kind: EventKind = r.state === 'installed' ? 'update.installed' : r.state === 'rolled-back' ? 'update.rolled-back' : 'update.refused';
    this.record({ manifest: r.manifest, target: r.target, state: r.state, ...(r.code ? { code: r.code } : {}), ...(r.reason ? { reason: r.reason } : {}) }, kind, r.state === 'installed' ? 'info' : 'error', { ...(r.seconds !== undefined ? { seconds: r.seconds } : {}) });
  }

  private async advance(): Promise<void> {
    const p = this.state.pending;
    const remote = this.deps.current().config.remote;
    if (!p || !remote) return;
    const spool = this.spool();
    // Handed over: the helper has it (also after the restart it causes), and its result.json ends the wait.
    if (this.state.report?.state === 'downloaded' && this.state.report.manifest === p.version) return;
    if (existsSync(join(spool, SPOOL.request))) return;
    if (!inWindow(remote.update.window, this.now())) {
      if (this.state.report?.state !== 'waiting') this.record({ manifest: p.version, target: p.manifest.version, state: 'waiting' });
      return;
    }
    const part = join(spool, partialName(p.manifest.sha256));
    mkdirSync(spool, { recursive: true, mode: 0o750 });
    const before = this.state.report?.state;
    if (before !== 'downloading') this.record({ manifest: p.version, target: p.manifest.version, state: 'downloading' });
    this.attempts++;
    const out = await this.deps.download(p.manifest.url, part);
    if (!out.ok) {
      if (out.status === 416 || out.status === 404 || this.attempts >= MAX_ATTEMPTS) {
        rmSync(part, { force: true });
        this.state.pending = undefined;
        const reason = out.status === 416 ? `the provider has fewer bytes than the manifest's ${p.manifest.size} (truncated on the provider)` : out.status === 404 ? 'the provider does not have the package' : `download failed ${this.attempts} times: ${out.error}`;
        return this.record({ manifest: p.version, target: p.manifest.version, state: 'refused', code: 'MBX_UPDATE_DOWNLOAD', reason }, 'update.refused', 'error');
      }
      this.deps.log.warn({ target: p.manifest.version, attempt: this.attempts, error: out.error, status: out.status }, 'update download interrupted; it resumes after the next heartbeat');
      return;
    }
    const problem = await packageProblem(part, p.manifest);
    if (problem?.startsWith('truncated') && this.attempts < MAX_ATTEMPTS) {
      this.deps.log.warn({ target: p.manifest.version, problem }, 'update download incomplete; it resumes after the next heartbeat');
      return;
    }
    if (problem) {
      rmSync(part, { force: true });
      this.state.pending = undefined;
      return this.record({ manifest: p.version, target: p.manifest.version, state: 'refused', code: 'MBX_UPDATE_DOWNLOAD', reason: `package refused: ${problem}` }, 'update.refused', 'error');
    }
    // The hand-over: package and manifest, then the request the .path unit starts the helper on.
    renameSync(part, join(spool, SPOOL.deb));
    writeFileSync(join(spool, SPOOL.manifest), JSON.stringify(p.document), { mode: 0o640 });
    writeJsonState(spool, SPOOL.request, { manifest: p.version, target: p.manifest.version, from: this.deps.running, at: this.now().toISOString() }, 0o640);
    this.deps.log.info({ target: p.manifest.version, sha256: p.manifest.sha256, size: p.manifest.size }, `update to ${p.manifest.version} downloaded and verified; handed to meterbox-update.service`);
    this.record({ manifest: p.version, target: p.manifest.version, state: 'downloaded' }, 'update.downloaded', 'info');
  }

  report(): UpdateReport | undefined {
    return this.state.report;
  }

  private record(r: Omit<UpdateReport, 'at' | 'running'>, kind?: EventKind, severity: 'info' | 'warning' | 'error' = 'info', extra: Record<string, unknown> = {}): void {
    // The wire allows 1000 characters of reason (dpkg's output can be longer): a longer one would make every heartbeat invalid.
    const report: UpdateReport = { ...r, ...(r.reason ? { reason: r.reason.slice(0, 1000) } : {}), running: this.deps.running, at: this.now().toISOString() };
    this.state.report = report;
    try {
      writeJsonState(this.deps.stateDir, UPDATE_STATE_FILE, this.state);
    } catch (err) {
      this.deps.log.error({ err: (err as Error).message }, 'cannot save the self-update state');
    }
    const msg = `update to ${r.target} (manifest ${r.manifest}): ${r.state}${r.reason ? `: ${r.reason}` : ''}`.slice(0, 1000);
    if (severity === 'error') this.deps.log.error({ code: r.code, manifest: r.manifest, target: r.target }, msg);
    else this.deps.log.info({ manifest: r.manifest, target: r.target, ...extra }, msg);
    if (kind) this.deps.event(kind, severity, msg, { ...report, ...extra });
  }
}
