/**
 * `meterbox update-helper`: the privileged half of the self-update, run as root by
 * meterbox-update.service when meterbox-update.path sees `request` in the spool directory. The
 * daemon (unprivileged) downloaded and checked the package; nothing it wrote is trusted here: the
 * package and the signed manifest are moved into a root-only directory first, then the signature
 * (against the keys pinned in the local config), size, SHA-256, package name and version are
 * checked again. The running version's package is kept (from an earlier update, `--keep`, or
 * rebuilt by dpkg-repack); the new one is installed, and unless the service becomes healthy —
 * active (READY) and a heartbeat delivered by the new version, as /healthz says — within
 * remote.healthWindowSeconds, the kept package is reinstalled. The outcome goes to result.json in
 * the spool, which the daemon reports in its next heartbeat.
 *
 * Every module this needs is imported statically, before dpkg replaces /opt/meterbox under it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { readDocument } from '../config/load.js';
import { DEFAULT_CONFIG_PATH, RemoteSchema } from '../config/schema.js';
import { SPOOL, packageProblem, verifyManifest, type HelperResult, type UpdateManifest } from '../remote/update.js';

const KEEP_DIR = '/var/lib/meterbox-update';
const SERVICE = 'meterbox.service';

interface HelperOptions {
  config: string;
  keepDir: string;
  keep?: string;
}

function say(msg: string): void {
  process.stdout.write(`${msg}\n`);
}

function run(cmd: string, args: readonly string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}`.trim() };
}

function installedVersion(): string | undefined {
  const r = run('dpkg-query', ['-W', '--showformat=${Version}', 'meterbox']);
  return r.ok && r.out ? r.out : undefined;
}

function debField(file: string, field: string): string {
  return execFileSync('dpkg-deb', ['-f', file, field], { encoding: 'utf8' }).trim();
}

const keptName = (version: string) => `meterbox_${version}.deb`;

/** The package of the version running now, to roll back to: kept from before, or rebuilt from the installed files. */
function previousPackage(keepDir: string, version: string): string | undefined {
  const kept = join(keepDir, keptName(version));
  if (existsSync(kept)) return kept;
  const work = join(keepDir, 'repack');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true, mode: 0o700 });
  const r = spawnSync('dpkg-repack', ['meterbox'], { cwd: work, encoding: 'utf8' });
  const made = r.status === 0 ? readdirSync(work).find((f) => f.endsWith('.deb')) : undefined;
  if (!made) return undefined;
  renameSync(join(work, made), kept);
  rmSync(work, { recursive: true, force: true });
  return kept;
}

interface Health {
  healthy: boolean;
  detail: string;
}

/** READY (the unit is active) and a heartbeat delivered by `version` since `since`, as /healthz says. */
async function health(url: string, version: string, since: Date): Promise<Health> {
  const active = run('systemctl', ['is-active', SERVICE]).out;
  if (active !== 'active') return { healthy: false, detail: `${SERVICE} is ${active || 'unknown'}` };
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const body = (await res.json()) as { version?: string; jobs?: { heartbeat?: { lastSuccessAt?: string; lastFailure?: { reason?: string } } } };
    if (body.version !== version) return { healthy: false, detail: `running ${body.version ?? '?'}, not ${version}` };
    const hb = body.jobs?.heartbeat;
    if (hb?.lastSuccessAt && Date.parse(hb.lastSuccessAt) >= since.getTime()) return { healthy: true, detail: 'active, heartbeat delivered' };
    return { healthy: false, detail: `no heartbeat delivered yet${hb?.lastFailure?.reason ? ` (last failure: ${hb.lastFailure.reason})` : ''}` };
  } catch (err) {
    return { healthy: false, detail: `health endpoint ${url} not answering (${(err as Error).message})` };
  }
}

async function waitHealthy(url: string, version: string, since: Date, windowMs: number): Promise<Health> {
  const until = Date.now() + windowMs;
  let last: Health = { healthy: false, detail: 'not checked' };
  while (Date.now() < until) {
    last = await health(url, version, since);
    if (last.healthy) return last;
    await new Promise((r) => setTimeout(r, 2000));
  }
  return last;
}

function install(deb: string): { ok: boolean; out: string } {
  const r = run('dpkg', ['-i', '--force-confold', deb]);
  // postinst starts the service only when its config check passes; the helper wants it running either way.
  run('systemctl', ['restart', SERVICE]);
  return r;
}

export async function runUpdateHelper(o: HelperOptions): Promise<number> {
  const raw = readDocument(o.config).raw as Record<string, unknown>;
  const remote = RemoteSchema.safeParse(raw.remote ?? {});
  const agentId = typeof raw.agentId === 'string' ? raw.agentId : '';
  if (!remote.success || !raw.remote) {
    say(`update-helper: ${o.config} has no usable remote section; nothing is installed`);
    return 1;
  }
  const spool = remote.data.update.spoolDir;
  const h = (raw.health ?? {}) as { host?: string; port?: number };
  const healthUrl = `http://${h.host && h.host !== '0.0.0.0' ? h.host : '127.0.0.1'}:${h.port ?? 9161}/healthz`;
  mkdirSync(o.keepDir, { recursive: true, mode: 0o700 });
  if (o.keep) {
    const v = debField(o.keep, 'Version');
    copyFileSync(o.keep, join(o.keepDir, keptName(v)));
    say(`update-helper: kept ${o.keep} as the package of version ${v}`);
    return 0;
  }
  const requestFile = join(spool, SPOOL.request);
  if (!existsSync(requestFile)) return 0;
  const started = new Date();
  // Take everything out of the daemon's reach before looking at it; `request` goes first so the .path unit does not start us again.
  const incoming = join(o.keepDir, 'incoming');
  rmSync(incoming, { recursive: true, force: true });
  mkdirSync(incoming, { recursive: true, mode: 0o700 });
  const deb = join(incoming, 'meterbox.deb');
  const manifestFile = join(incoming, 'manifest.json');
  rmSync(requestFile, { force: true });
  let document: unknown;
  try {
    copyFileSync(join(spool, SPOOL.deb), deb);
    copyFileSync(join(spool, SPOOL.manifest), manifestFile);
    document = JSON.parse(readFileSync(manifestFile, 'utf8'));
  } catch (err) {
    document = undefined;
    say(`update-helper: the spool is incomplete (${(err as Error).message})`);
  } finally {
    rmSync(join(spool, SPOOL.deb), { force: true });
    rmSync(join(spool, SPOOL.manifest), { force: true });
  }
  const running = installedVersion() ?? '?';
  const state = join(o.keepDir, 'state.json');
  const lastVersion = existsSync(state) ? (JSON.parse(readFileSync(state, 'utf8')) as { lastManifest?: number }).lastManifest : undefined;
  const v = verifyManifest(document, { agentId, keys: remote.data.keys, ...(lastVersion !== undefined ? { lastVersion } : {}), now: new Date() });
  const result = (r: Omit<HelperResult, 'at' | 'seconds'>): number => {
    const out: HelperResult = { ...r, at: new Date().toISOString(), seconds: Math.round((Date.now() - started.getTime()) / 1000) };
    writeFileSync(join(spool, `${SPOOL.result}.tmp`), JSON.stringify(out), { mode: 0o644 });
    renameSync(join(spool, `${SPOOL.result}.tmp`), join(spool, SPOOL.result));
    say(`update-helper: ${r.target}: ${r.state}${r.reason ? `: ${r.reason}` : ''} (${out.seconds} s)`);
    rmSync(incoming, { recursive: true, force: true });
    return 0;
  };
  if (!v.ok) return result({ manifest: v.version ?? 0, target: '?', state: 'refused', running, code: v.code, reason: v.reason });
  const m: UpdateManifest = v.envelope.payload;
  const base = { manifest: v.envelope.version, target: m.version };
  writeFileSync(state, JSON.stringify({ lastManifest: v.envelope.version }));
  const problem = await packageProblem(deb, m);
  if (problem) return result({ ...base, state: 'refused', running, code: 'MBX_UPDATE_DOWNLOAD', reason: `package refused: ${problem}` });
  let name: string;
  let version: string;
  try {
    name = debField(deb, 'Package');
    version = debField(deb, 'Version');
  } catch (err) {
    return result({ ...base, state: 'refused', running, code: 'MBX_UPDATE_FAILED', reason: `not a Debian package (${(err as Error).message.split('\n')[0] ?? ''})` });
  }
  if (name !== 'meterbox' || version !== m.version) return result({ ...base, state: 'refused', running, code: 'MBX_UPDATE_FAILED', reason: `the package is ${name} ${version}, the manifest announced meterbox ${m.version}` });
  const previous = running === '?' ? undefined : previousPackage(o.keepDir, running);
  if (!previous) return result({ ...base, state: 'refused', running, code: 'MBX_UPDATE_FAILED', reason: `no package of the running version ${running} to roll back to: install dpkg-repack, or keep it with \`meterbox update-helper --keep meterbox_${running}_<arch>.deb\`` });
  const windowMs = remote.data.healthWindowSeconds * 1000;
  say(`update-helper: installing meterbox ${m.version} over ${running} (rollback package ${previous}); healthy within ${windowMs / 1000} s or rolled back`);
  const installedAt = new Date();
  const inst = install(deb);
  const ok = inst.ok ? await waitHealthy(healthUrl, m.version, installedAt, windowMs) : { healthy: false, detail: `dpkg -i failed: ${inst.out.split('\n').slice(-3).join(' ')}` };
  if (ok.healthy) {
    renameSync(deb, join(o.keepDir, keptName(m.version)));
    // Keep the package now running and the one before it; older ones go.
    for (const f of readdirSync(o.keepDir)) if (f.endsWith('.deb') && f !== keptName(m.version) && f !== keptName(running)) rmSync(join(o.keepDir, f), { force: true });
    return result({ ...base, state: 'installed', running: m.version });
  }
  say(`update-helper: ${m.version} not healthy (${ok.detail}); reinstalling ${running}`);
  const backAt = new Date();
  const back = install(previous);
  const again = back.ok ? await waitHealthy(healthUrl, running, backAt, windowMs) : { healthy: false, detail: `dpkg -i of ${previous} failed: ${back.out.split('\n').slice(-3).join(' ')}` };
  const reason = `${m.version} was not healthy within ${windowMs / 1000} s (${ok.detail})`;
  if (!again.healthy) return result({ ...base, state: 'failed', running: installedVersion() ?? '?', code: 'MBX_UPDATE_FAILED', reason: `${reason}; and ${running} reinstalled is not healthy either (${again.detail})` });
  return result({ ...base, state: 'rolled-back', running, code: 'MBX_UPDATE_FAILED', reason: `${reason}; ${running} reinstalled` });
}

export function updateHelperCommand(): Command {
  return new Command('update-helper')
    .description('install an update the agent downloaded and verified, as root (meterbox-update.service); reinstall the previous package if the new one is not healthy')
    .option('-c, --config <file>', 'configuration file (for the pinned keys, the window and the health endpoint)', DEFAULT_CONFIG_PATH)
    .option('--keep-dir <dir>', 'where packages are kept for rollback (root only)', KEEP_DIR)
    .option('--keep <deb>', 'keep this package as the one to roll back to (the version installed by hand), and exit')
    .action(async (o: HelperOptions) => {
      process.exitCode = await runUpdateHelper(o);
    });
}
