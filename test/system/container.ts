/**
 * A Debian bookworm system booted under its own systemd, for tests that prove the package the way a
 * provider installs it (this issue's installed-system test; the signed self-update test boots the
 * same container). Needs root, debootstrap, systemd-nspawn, nsenter and dpkg-repack; `skipReason()`
 * says what is missing.
 *
 * - The root is made once with debootstrap (minbase + systemd) from the Debian mirror apt already
 *   uses here, and cached under .cache/system-test/ (git-ignored); each boot works on a copy.
 * - Node 20+ comes from the host's installed `nodejs` package (bookworm's archive has only 18),
 *   rebuilt with dpkg-repack and cached by version.
 * - The container shares the host's network: agents and receivers on 127.0.0.0/8 are reachable, and
 *   nothing it does is routed anywhere else. Commands run inside through nsenter into its PID 1.
 * - nspawn mounts a tmpfs on the container's /tmp: files for it go under /var/cache or /etc.
 * (The debootstrap and nspawn recipe is the one checked in ../shared/design/TOOLCHAIN.md.)
 */
import { spawn, spawnSync } from 'node:child_process';
import { childrenOf, runProcess, type RunResult } from '../helpers/process.js';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/paths.js';

export const CACHE_DIR = process.env.METERBOX_SYSTEM_CACHE ?? join(PACKAGE_ROOT, '.cache', 'system-test');
/** What the root holds beyond minbase: systemd itself, procps (priority important: on every real Debian), and what the host's nodejs package depends on. */
const INCLUDE = ['systemd', 'systemd-sysv', 'dbus', 'adduser', 'procps', 'python3', 'ca-certificates'];
const SUITE = 'bookworm';
const PATH_INSIDE = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export type { RunResult };
/** The host tools live in sbin (debootstrap, nsenter's friends), which a CI runner's PATH may lack. */
const HOST_ENV: NodeJS.ProcessEnv = { ...process.env, PATH: [...new Set([...(process.env.PATH ?? '').split(':').filter(Boolean), '/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/bin', '/bin'])].join(':') };
/** A command run to the end (2 minutes at most unless told); never throws for its exit code. */
export const run = (cmd: string, args: readonly string[], opts: Parameters<typeof runProcess>[2] = {}): Promise<RunResult> => runProcess(cmd, args, { timeoutMs: 120_000, env: HOST_ENV, ...opts });

async function mustRun(cmd: string, args: readonly string[], opts: Parameters<typeof run>[2] = {}): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}:\n${r.stderr.slice(-3000)}\n${r.stdout.slice(-2000)}`);
  return r.stdout;
}

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { env: HOST_ENV }).status === 0;

/** Why the container cannot be used here, or undefined when it can. */
export function skipReason(): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux';
  if (process.getuid?.() !== 0) return 'needs root (debootstrap and systemd-nspawn)';
  const missing = ['debootstrap', 'systemd-nspawn', 'nsenter', 'dpkg-repack', 'dpkg-deb', 'dpkg-query'].filter((c) => !has(c));
  if (missing.length > 0) return `missing ${missing.join(', ')} (apt-get install debootstrap systemd-container dpkg-repack)`;
  if (!existsSync('/sys/fs/cgroup')) return 'no cgroup file system for systemd-nspawn';
  return undefined;
}

/**
 * The Debian mirror apt already uses (so CI, which may reach only its Debian registry, can
 * debootstrap from it): the first `deb` source of Debian's main archive in /etc/apt/sources.list
 * or sources.list.d (one-line or deb822), else deb.debian.org. METERBOX_DEBIAN_MIRROR overrides.
 */
export function debianMirror(): string {
  if (process.env.METERBOX_DEBIAN_MIRROR) return process.env.METERBOX_DEBIAN_MIRROR;
  const files = ['/etc/apt/sources.list'];
  try {
    for (const f of readdirSync('/etc/apt/sources.list.d').sort()) if (/\.(list|sources)$/.test(f)) files.push(join('/etc/apt/sources.list.d', f));
  } catch {
    // no sources.list.d
  }
  const candidates: { uri: string; suites: string[] }[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    if (f.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const field = (k: string) => new RegExp(`^${k}:\\s*(.+)$`, 'mi').exec(stanza)?.[1]?.trim();
        if (!/\bdeb\b/.test(field('Types') ?? '') || /^no$/i.test(field('Enabled') ?? '')) continue;
        for (const uri of (field('URIs') ?? '').split(/\s+/).filter(Boolean)) candidates.push({ uri, suites: (field('Suites') ?? '').split(/\s+/) });
      }
    } else {
      for (const line of text.split('\n')) {
        const m = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
        if (m) candidates.push({ uri: m[1] as string, suites: [m[2] as string] });
      }
    }
  }
  // The main archive, not the security or updates archives: its path ends in /debian and it has the plain suite.
  const main = candidates.find((c) => /\/debian\/?$/.test(c.uri) && c.suites.includes(SUITE)) ?? candidates.find((c) => /\/debian\/?$/.test(c.uri));
  return main?.uri ?? 'http://deb.debian.org/debian';
}

/** The cached bookworm root (made now when missing). Built beside its final name and renamed, so a half-made root is never used. */
export async function bookwormRoot(log: (s: string) => void = () => undefined): Promise<string> {
  const key = createHash('sha256').update(`${SUITE} minbase ${INCLUDE.join(',')}`).digest('hex').slice(0, 12);
  const root = join(CACHE_DIR, `${SUITE}-${key}`);
  if (existsSync(join(root, 'usr', 'lib', 'systemd', 'systemd'))) return root;
  mkdirSync(CACHE_DIR, { recursive: true });
  const partial = `${root}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  const mirror = debianMirror();
  log(`debootstrap ${SUITE} from ${mirror} into ${root} (cached for later runs)`);
  await mustRun('debootstrap', ['--variant=minbase', `--include=${INCLUDE.join(',')}`, SUITE, partial, mirror], { timeoutMs: 600_000 });
  try {
    renameSync(partial, root);
  } catch (err) {
    // Another run made it meanwhile: use that one.
    rmSync(partial, { recursive: true, force: true });
    if (!existsSync(join(root, 'usr', 'lib', 'systemd', 'systemd'))) throw err;
  }
  return root;
}

/**
 * The host's Node as a .deb for the container: dpkg-repack of the installed package that owns
 * `node`, cached by its version. A Node not installed from a package is wrapped in a minimal
 * `nodejs` package instead, so the .deb's `Depends: nodejs (>= 20)` is met either way.
 */
export async function hostNodeDeb(log: (s: string) => void = () => undefined): Promise<string> {
  mkdirSync(CACHE_DIR, { recursive: true });
  const nodePath = (await mustRun('readlink', ['-f', process.execPath])).trim();
  const owner = await run('dpkg-query', ['-S', nodePath]);
  const pkg = owner.code === 0 ? owner.stdout.split(':')[0]?.trim() : undefined;
  const arch = (await mustRun('dpkg', ['--print-architecture'])).trim();
  if (pkg) {
    const version = (await mustRun('dpkg-query', ['-W', '-f', '${Version}', pkg])).trim();
    const deb = join(CACHE_DIR, `${pkg}_${version.replace(/:/g, '%3a')}_${arch}.deb`);
    if (existsSync(deb)) return deb;
    log(`dpkg-repack ${pkg} ${version} (the host's Node ${process.version})`);
    const work = join(CACHE_DIR, `repack-${process.pid}`);
    mkdirSync(work, { recursive: true });
    try {
      // gzip -1: the repack is for a local dpkg -i, size does not matter, time does.
      await mustRun('dpkg-repack', ['--deb-option=-Zgzip', '--deb-option=-z1', pkg], { cwd: work, timeoutMs: 300_000 });
      const built = readdirSync(work).find((f) => f.endsWith('.deb'));
      if (!built) throw new Error(`dpkg-repack ${pkg} made no .deb`);
      renameSync(join(work, built), deb);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    return deb;
  }
  const version = process.version.slice(1);
  const deb = join(CACHE_DIR, `nodejs_${version}-hostcopy_${arch}.deb`);
  if (existsSync(deb)) return deb;
  log(`${nodePath} belongs to no package: wrapping it as nodejs ${version}-hostcopy`);
  const tree = join(CACHE_DIR, `hostcopy-${process.pid}`);
  try {
    mkdirSync(join(tree, 'DEBIAN'), { recursive: true });
    mkdirSync(join(tree, 'usr', 'bin'), { recursive: true });
    await mustRun('cp', [nodePath, join(tree, 'usr', 'bin', 'node')]);
    writeFileSync(join(tree, 'DEBIAN', 'control'), `Package: nodejs\nVersion: ${version}-hostcopy\nArchitecture: ${arch}\nMaintainer: meterbox tests <meterbox@localhost>\nDepends: libc6, libstdc++6\nDescription: the test host's Node.js binary\n`);
    await mustRun('dpkg-deb', ['--root-owner-group', '-Zgzip', '-z1', '--build', tree, deb]);
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
  return deb;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One booted container. `Container.boot()` makes it; `stop()` ends it and removes its root. */
export class Container {
  private constructor(
    readonly name: string,
    /** The container's / on the host. */
    readonly root: string,
    private readonly nspawn: ReturnType<typeof spawn>,
    /** The container's systemd, as the host sees it. */
    readonly pid1: number,
    private readonly console: () => string,
  ) {}

  /**
   * Copies the cached root, installs the host's Node in it, boots it with systemd-nspawn -b and
   * waits until its systemd says the system is up.
   */
  static async boot(opts: { log?: (s: string) => void } = {}): Promise<Container> {
    const log = opts.log ?? (() => undefined);
    const [base, nodeDeb] = await Promise.all([bookwormRoot(log), hostNodeDeb(log)]);
    const name = `mbx-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
    const root = join(CACHE_DIR, 'run', name);
    mkdirSync(dirname(root), { recursive: true });
    await mustRun('cp', ['-a', '--reflink=auto', base, root]);
    // Node goes in before the boot, as it would be on a box: dpkg in a chroot needs no running system.
    const inRoot = join(root, 'var', 'cache', 'meterbox-test');
    mkdirSync(inRoot, { recursive: true });
    await mustRun('cp', [nodeDeb, join(inRoot, 'nodejs.deb')]);
    await mustRun('chroot', [root, '/usr/bin/env', '-i', `PATH=${PATH_INSIDE}`, 'dpkg', '-i', '/var/cache/meterbox-test/nodejs.deb'], { timeoutMs: 300_000 });
    const nspawn = spawn('systemd-nspawn', ['-q', '-D', root, `--machine=${name}`, '--register=no', '--keep-unit', '--link-journal=no', '-b', '--console=pipe'], { stdio: ['ignore', 'pipe', 'pipe'], env: HOST_ENV });
    let consoleText = '';
    nspawn.stdout?.setEncoding('utf8').on('data', (d: string) => (consoleText = (consoleText + d).slice(-20_000)));
    nspawn.stderr?.setEncoding('utf8').on('data', (d: string) => (consoleText = (consoleText + d).slice(-20_000)));
    let pid1 = 0;
    for (let i = 0; i < 300 && !pid1; i++) {
      if (nspawn.exitCode !== null) throw new Error(`systemd-nspawn exited ${nspawn.exitCode}:\n${consoleText}`);
      pid1 = childrenOf(nspawn.pid as number).find((p) => {
        try {
          return readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'systemd';
        } catch {
          return false;
        }
      }) ?? 0;
      if (!pid1) await sleep(100);
    }
    const c = new Container(name, root, nspawn, pid1, () => consoleText);
    if (!pid1) {
      await c.stop();
      throw new Error(`the container's systemd did not appear:\n${consoleText}`);
    }
    // `running` or `degraded` (a unit of the minimal system failed): either way, systemd is up. Until
    // its private socket exists, systemctl cannot even ask.
    let up: RunResult = { code: null, stdout: '', stderr: '' };
    for (let i = 0; i < 300; i++) {
      up = await c.exec(['systemctl', 'is-system-running', '--wait'], { timeoutMs: 90_000 });
      if (!/Failed to connect to bus|No such file or directory/.test(up.stderr)) break;
      await sleep(100);
    }
    if (!/^(running|degraded)$/m.test(up.stdout)) {
      await c.stop();
      throw new Error(`the container did not finish booting (${up.stdout.trim()} ${up.stderr.trim()}):\n${consoleText}`);
    }
    log(`booted ${name} (systemd ${pid1})`);
    return c;
  }

  /** A command inside the container (its mount, PID, IPC and UTS namespaces, its root and cwd), with a clean environment. */
  exec(argv: readonly string[], opts: { input?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<RunResult> {
    const env = Object.entries({ PATH: PATH_INSIDE, LANG: 'C.UTF-8', SYSTEMD_PAGER: '', SYSTEMD_COLORS: '0', DEBIAN_FRONTEND: 'noninteractive', ...opts.env }).map(([k, v]) => `${k}=${v}`);
    return run('nsenter', ['-t', String(this.pid1), '-m', '-u', '-i', '-p', '-r', '-w', '--', '/usr/bin/env', '-i', ...env, ...argv], opts);
  }

  /** `sh -c script` inside; throws with its output when it fails. */
  async sh(script: string, opts: { timeoutMs?: number } = {}): Promise<string> {
    const r = await this.exec(['sh', '-c', script], opts);
    if (r.code !== 0) throw new Error(`in ${this.name}: ${script}\nexit ${r.code}\n${r.stderr.slice(-3000)}\n${r.stdout.slice(-3000)}`);
    return r.stdout;
  }

  /** The host path of a path inside the container. */
  path(inside: string): string {
    return join(this.root, inside);
  }

  /** Writes a file inside the container (not under /tmp, which is the container's own tmpfs). */
  writeFile(inside: string, content: string | Buffer, o: { mode?: number; uid?: number; gid?: number } = {}): void {
    const p = this.path(inside);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
    chmodSync(p, o.mode ?? 0o644);
    chownSync(p, o.uid ?? 0, o.gid ?? 0);
  }

  exists(inside: string): boolean {
    try {
      statSync(this.path(inside));
      return true;
    } catch {
      return false;
    }
  }

  /** `systemctl show` properties of a unit. */
  async show(unit: string, props: readonly string[]): Promise<Record<string, string>> {
    const out = await this.sh(`systemctl show ${unit} ${props.map((p) => `-p ${p}`).join(' ')}`);
    return Object.fromEntries(out.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  }

  /** The journal of a unit as JSON records (`journalctl -u UNIT -o json`), oldest first. */
  async journal(unit: string): Promise<Record<string, unknown>[]> {
    const out = await this.sh(`journalctl -u ${unit} -o json --no-pager`);
    return out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  /** The last lines nspawn printed (the container's console), for failure messages. */
  consoleTail(): string {
    return this.console().slice(-4000);
  }

  /** Powers the container off (SIGTERM to nspawn, then SIGKILL), then removes its root. */
  async stop(): Promise<void> {
    const n = this.nspawn;
    if (n.exitCode === null && n.signalCode === null) {
      const gone = new Promise<void>((r) => n.once('exit', () => r()));
      n.kill('SIGTERM');
      const t1 = setTimeout(() => n.kill('SIGTERM'), 10_000);
      const t2 = setTimeout(() => n.kill('SIGKILL'), 25_000);
      await gone;
      clearTimeout(t1);
      clearTimeout(t2);
    }
    rmSync(this.root, { recursive: true, force: true });
  }
}
