/**
 * The crash test: a child process (crash-child.mjs, on the built dist/) polls simulated printers
 * and stores every poll cycle, appending committed ids to a side file. We SIGKILL it at random
 * moments — during start-up (open, WAL recovery, migrations) and in the middle of its poll /
 * commit / receipt loop — at least CRASH_KILLS times (default 100), restarting it each time.
 * After every kill: quick_check is ok, every id in the side file is in the database, no id is
 * stored twice, and nothing was moved aside as corrupt.
 *
 * The kill schedule (start-up or loop, the delays, the commits waited for) comes from a seeded
 * PRNG per lane. The seed is printed; MBX_SEED=<seed> replays the same schedule (the exact
 * instruction a kill interrupts still depends on timing).
 */
import Database from 'better-sqlite3';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_FIXTURES, PACKAGE_ROOT } from '../../src/paths.js';
import { loadSnmprecFile, startFleet, type Fleet } from '../../src/simulator/fleet.js';
import { loopbackEndpoint } from '../helpers/net.js';
import { runSeed, seeded } from '../helpers/random.js';
import { tempDir } from './helpers.js';

const KILLS = Number(process.env.CRASH_KILLS ?? 100);
const COMMUNITY = 'crashtest';
const SEED = runSeed();

let fleet: Fleet;
let tmp: ReturnType<typeof tempDir>;
let CHILD: string;
/** Children we started and that have not exited; afterAll kills them if a lane failed. */
const live = new Set<ChildProcess>();
let stop = false;

/**
 * The child runs from a private copy of dist/: other builds (another `npm run build`, the vitest
 * global setup of a parallel run) rewrite dist/ in place, and a child starting mid-write would
 * fail to load. The copy is checked by importing it once.
 */
async function privateBuild(root: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    rmSync(join(root, 'dist'), { recursive: true, force: true });
    cpSync(join(PACKAGE_ROOT, 'dist'), join(root, 'dist'), { recursive: true });
    copyFileSync(join(PACKAGE_ROOT, 'package.json'), join(root, 'package.json'));
    if (!existsSync(join(root, 'node_modules'))) symlinkSync(join(PACKAGE_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
    mkdirSync(join(root, 'test', 'store'), { recursive: true });
    const child = join(root, 'test', 'store', 'crash-child.mjs');
    copyFileSync(join(import.meta.dirname, 'crash-child.mjs'), child);
    try {
      execFileSync(process.execPath, ['--input-type=module', '-e', "await import('./dist/store/outbox.js'); await import('./dist/reader/read-device.js');"], { cwd: root, stdio: 'pipe' });
      return child;
    } catch (err) {
      if (attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

beforeAll(async () => {
  const { first, port } = await loopbackEndpoint();
  const varbinds = loadSnmprecFile(join(DEVICE_FIXTURES, 'generic-color-laser.snmprec'));
  fleet = await startFleet(
    [1, 2, 3].map((i) => ({ name: `generic#${i}`, varbinds, synthetic: { ordinal: i } })),
    { auth: { communities: [COMMUNITY] }, firstAddress: first, port },
  );
  tmp = tempDir('mbx-crash-');
  CHILD = await privateBuild(join(tmp.dir, 'build'));
});
afterAll(async () => {
  stop = true;
  for (const c of live) c.kill('SIGKILL');
  await fleet?.close();
  tmp?.cleanup();
});

function sideIds(path: string): string[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  // Only complete lines: a kill can tear the last one, which the child cuts off when it restarts.
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean);
}

interface Child {
  child: ChildProcess;
  ready: Promise<void>;
  exited: Promise<number | null>;
  stderr: () => string;
  /** Resolves once the child has reported `n` commits since it started. */
  commits: (n: number) => Promise<void>;
}

function start(db: string, side: string): Child {
  const child = spawn(process.execPath, [CHILD], {
    env: {
      ...process.env,
      MBX_DB: db,
      MBX_SIDE: side,
      MBX_HOSTS: fleet.devices.map((d) => d.host).join(','),
      MBX_PORT: String(fleet.port),
      MBX_COMMUNITY: COMMUNITY,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  let committed = 0;
  const waiters: { n: number; res: () => void }[] = [];
  let resolveReady: () => void = () => {};
  const ready = new Promise<void>((res) => (resolveReady = res));
  child.stdout?.on('data', (b: Buffer) => {
    const text = b.toString();
    if (text.includes('ready')) resolveReady();
    committed += text.split('c\n').length - 1;
    for (const w of waiters.filter((w) => committed >= w.n)) w.res();
  });
  live.add(child);
  const exited = new Promise<number | null>((res) =>
    child.on('exit', (code) => {
      live.delete(child);
      res(code);
    }),
  );
  const commits = (n: number) => (committed >= n ? Promise.resolve() : new Promise<void>((res) => waiters.push({ n, res })));
  return { child, ready, exited, stderr: () => err, commits };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One lane: its own database and side file, killed and restarted `kills` times on a schedule drawn from `random`. */
async function lane(name: string, kills: number, random: () => number): Promise<{ startup: number; committed: number }> {
  const db = join(tmp.dir, `${name}.db`);
  const side = join(tmp.dir, `${name}.ids`);
  let startup = 0;
  let committed = 0;
  for (let k = 0; k < kills && !stop; k++) {
    const at = `lane ${name}, kill ${k + 1}, MBX_SEED=${SEED}`;
    const c = start(db, side);
    let earlyExit: number | null | undefined;
    void c.exited.then((code) => (earlyExit = code));
    if (random() < 0.2) {
      // Anywhere from spawn on: lands in module loading, open, WAL recovery, migrations.
      await sleep(random() * 250);
      startup++;
    } else {
      // In the poll / commit / side-file / receipt loop: after 0–2 commits, then a little more.
      // Both drawn before waiting, so the schedule depends on the seed alone, not on what the child did first.
      const commits = Math.floor(random() * 3);
      const more = random() * 60;
      await Promise.race([c.ready.then(() => c.commits(commits)), c.exited, sleep(5000)]);
      await sleep(more);
    }
    expect(earlyExit, `${at}: child exited by itself: ${c.stderr()}`).toBeUndefined();
    c.child.kill('SIGKILL');
    await c.exited;

    if (!existsSync(db)) continue;
    const conn = new Database(db);
    try {
      expect(conn.pragma('quick_check', { simple: true }), at).toBe('ok');
      const ids = conn.prepare('SELECT id FROM readings').pluck().all() as string[];
      const inDb = new Set(ids);
      expect(inDb.size, `${at}: an id is stored twice`).toBe(ids.length);
      const ids2 = sideIds(side);
      expect(new Set(ids2).size, `${at}: the side file has an id twice`).toBe(ids2.length);
      const missing = ids2.filter((id) => !inDb.has(id));
      expect(missing, `${at}: committed readings missing from the database`).toEqual([]);
      committed = ids2.length;
    } finally {
      conn.close();
    }
    expect(readdirSync(tmp.dir).filter((f) => f.includes('.corrupt-')), at).toEqual([]);
  }
  return { startup, committed };
}

describe('crash safety', () => {
  it(`every committed reading survives ${KILLS} SIGKILLs at random moments, none is stored twice`, async () => {
    console.log(`crash test: MBX_SEED=${SEED} (set it to replay this kill schedule)`);
    const started = Date.now();
    // Two lanes side by side (separate databases) halve the wall time; each kill is checked.
    const half = Math.ceil(KILLS / 2);
    const lanes = await Promise.all([lane('a', half, seeded(SEED)), lane('b', KILLS - half, seeded(SEED + 1))]).catch((err: unknown) => {
      stop = true; // the other lane stops at its next kill
      throw err;
    });
    const secs = (Date.now() - started) / 1000;
    const startup = lanes.reduce((n, l) => n + l.startup, 0);
    const committed = lanes.reduce((n, l) => n + l.committed, 0);
    console.log(`crash test: ${KILLS} kills (${startup} during start-up) in ${secs.toFixed(1)} s, ${committed} committed readings verified, MBX_SEED=${SEED}`);
    for (const l of lanes) expect(l.committed, `MBX_SEED=${SEED}`).toBeGreaterThan(half); // each loop really committed, many times over
  }, 180_000);
});
