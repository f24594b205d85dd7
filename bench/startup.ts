/**
 * `npm run bench -- startup`: how long the CLI takes to start and finish, next to bare Node, in one
 * run. Each command runs `runs` times (default 9), interleaved round by round so that a busy
 * moment of the machine lands on every row alike; the median is what to read. meterbox is started
 * the way its shebang and the systemd unit start it (`node` with NODE_FLAGS), so the flags' own
 * cost is a row of its own. `read` reads one simulated device served by this
 * process on loopback. BENCH_STARTUP_BASELINE=<another build's dist/cli/main.js> adds its rows
 * (a before/after in one run). Peak RSS comes from GNU time (`/usr/bin/time`) when the machine has it.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { NODE_FLAGS } from '../src/node-flags.js';
import { DEVICE_FIXTURES, PACKAGE_ROOT } from '../src/paths.js';
import { listSnmprec, loadSnmprecFile, startFleet } from '../src/simulator/fleet.js';
import { CLI_MAIN } from './receiver-process.js';

const GNU_TIME = '/usr/bin/time';

interface Row {
  label: string;
  argv: string[];
  ms: number[];
  rssKb: number[];
}

/** One run: wall milliseconds and (with GNU time) peak RSS in KiB. Fails on a non-zero exit: a broken command is not fast. */
function runOnce(argv: string[], rssFile: string | undefined): Promise<{ ms: number; rssKb?: number }> {
  const [cmd, ...args] = rssFile ? [GNU_TIME, '-f', '%M', '-o', rssFile, ...argv] : argv;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd as string, args, { cwd: PACKAGE_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (code !== 0) return reject(new Error(`startup: ${argv.join(' ')} exited ${code}:\n${err.slice(-2000)}`));
      resolve({ ms, ...(rssFile ? { rssKb: Number(readFileSync(rssFile, 'utf8').trim().split('\n').at(-1)) } : {}) });
    });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

export async function benchStartup(o: { runs: number; baseline?: string }): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mbx-bench-startup-'));
  const rssFile = existsSync(GNU_TIME) ? join(dir, 'rss') : undefined;
  const template = listSnmprec(DEVICE_FIXTURES)[0] as { name: string; path: string };
  const fleet = await startFleet([{ name: template.name, varbinds: loadSnmprecFile(template.path) }], {
    auth: { communities: ['bench'] },
    firstAddress: '127.0.71.1',
    port: 'auto',
    fallbackPort: 16163,
  });
  const device = fleet.devices[0] as { host: string; port: number };
  const node = process.execPath;
  const meterboxRows = (name: string, main: string) => {
    const meterbox = (...args: string[]) => [node, ...NODE_FLAGS, main, ...args];
    return [
      { label: `${name} --version`, argv: meterbox('--version') },
      { label: `${name} --help`, argv: meterbox('--help') },
      { label: `${name} config check --no-secrets <example>`, argv: meterbox('config', 'check', '--no-secrets', join(PACKAGE_ROOT, 'config', 'meterbox.example.json')) },
      { label: `${name} read <1 simulated device>`, argv: meterbox('read', device.host, '--port', String(device.port), '--community', 'bench') },
    ];
  };
  const rows: Row[] = [
    { label: 'node -e 0', argv: [node, '-e', '0'] },
    { label: `node ${NODE_FLAGS.join(' ')} -e 0`, argv: [node, ...NODE_FLAGS, '-e', '0'] },
    ...meterboxRows('meterbox', CLI_MAIN),
    // Another build's CLI beside this one (e.g. main's, for a before/after in one run).
    ...(o.baseline ? meterboxRows('baseline', o.baseline) : []),
  ].map((r) => ({ ...r, ms: [], rssKb: [] }));
  try {
    // One unmeasured round: the first start of each reads its files from disk, later ones from the page cache.
    for (const r of rows) await runOnce(r.argv, undefined);
    for (let i = 0; i < o.runs; i++) {
      for (const r of rows) {
        const one = await runOnce(r.argv, rssFile);
        r.ms.push(one.ms);
        if (one.rssKb !== undefined) r.rssKb.push(one.rssKb);
      }
    }
  } finally {
    await fleet.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const bare = median((rows[0] as Row).ms);
  console.log(`startup: median of ${o.runs} runs each, interleaved; load average at the end ${loadavg()[0]?.toFixed(2)}; ${node} ${process.version}`);
  if (o.baseline) console.log(`  baseline = ${o.baseline}`);
  const width = Math.max(46, ...rows.map((r) => r.label.length));
  console.log(`  ${'command'.padEnd(width)} ${'median'.padStart(8)} ${'min'.padStart(7)} ${'max'.padStart(7)}  ${'× node'.padStart(6)}  ${rssFile ? 'peak RSS' : ''}`);
  for (const r of rows) {
    const m = median(r.ms);
    const rss = r.rssKb.length ? `${(median(r.rssKb) / 1024).toFixed(1)} MiB` : '';
    console.log(`  ${r.label.padEnd(width)} ${m.toFixed(0).padStart(5)} ms ${Math.min(...r.ms).toFixed(0).padStart(4)} ms ${Math.max(...r.ms).toFixed(0).padStart(4)} ms  ${(m / bare).toFixed(2).padStart(6)}  ${rss}`);
  }
  const byLabel = (prefix: string) => median((rows.find((r) => r.label.startsWith(prefix)) as Row).ms);
  console.log(
    `  goals: --help ${(byLabel('meterbox --help') / bare).toFixed(2)}× and --version ${(byLabel('meterbox --version') / bare).toFixed(2)}× bare node (≤ 2×); ` +
      `read of one local device ${(byLabel('meterbox read') / 1000).toFixed(2)} s (≤ 0.6 s on a quiet machine)`,
  );
}
