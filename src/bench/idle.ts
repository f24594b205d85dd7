/**
 * `npm run bench -- idle`: the daemon's footprint. `meterbox run` as a child process with 50
 * simulated devices (discovery at start, a poll every minute, uploads and heartbeats to a
 * provider that is down) for 2 minutes; prints peak and final RSS and CPU seconds from /proc.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEVICE_FIXTURES, PACKAGE_ROOT } from '../paths.js';
import { listSnmprec, loadSnmprecFile, startFleet } from '../simulator/fleet.js';

export function procStats(pid: number): { rssBytes: number; cpuSeconds: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
    return { rssBytes: rssKb * 1024, cpuSeconds: ticks / 100 };
  } catch {
    return undefined;
  }
}

export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

export async function benchIdle(o: { devices: number; seconds: number }): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mbx-bench-idle-'));
  const templates = listSnmprec(DEVICE_FIXTURES);
  const specs = Array.from({ length: o.devices }, (_, i) => {
    const t = templates[i % templates.length] as { name: string; path: string };
    return { name: t.name, varbinds: loadSnmprecFile(t.path), synthetic: { ordinal: i + 1 } };
  });
  const fleet = await startFleet(specs, { auth: { communities: ['bench'] }, firstAddress: '127.0.60.1', port: 'auto', fallbackPort: 16161 });
  const hosts = fleet.devices.map((d) => d.host);
  const config = {
    agentId: 'bench-idle',
    provider: { url: `https://127.0.0.1:${await freePort()}`, token: 'bench-token-xxxxxxxx' },
    credentials: [{ name: 'bench', version: '2c', community: 'bench' }],
    targets: [`${hosts[0]}-${hosts.at(-1)}`],
    snmp: { port: fleet.port, timeoutMs: 1000, retries: 1 },
    schedules: { poll: '0 * * * * *', upload: '30 * * * * *', heartbeat: '15 * * * * *', jitterSeconds: 0 },
    storage: { path: join(dir, 'outbox.db') },
    logging: { level: 'warn' },
    health: { port: await freePort() },
  };
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
  const child = spawn(process.execPath, [join(PACKAGE_ROOT, 'dist', 'cli', 'main.js'), 'run', '--config', file], { stdio: ['ignore', 'ignore', 'inherit'] });
  const pid = child.pid as number;
  let peak = 0;
  let atTen: { rssBytes: number; cpuSeconds: number } | undefined;
  const started = Date.now();
  const timer = setInterval(() => {
    const s = procStats(pid);
    if (s) peak = Math.max(peak, s.rssBytes);
    if (!atTen && Date.now() - started >= 10_000) atTen = s;
  }, 250);
  await new Promise((r) => setTimeout(r, o.seconds * 1000));
  clearInterval(timer);
  const end = procStats(pid);
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  child.kill('SIGTERM');
  const t0 = Date.now();
  const code = await exited;
  await fleet.close();
  rmSync(dir, { recursive: true, force: true });
  const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
  console.log(`idle: meterbox run, ${o.devices} simulated devices, ${o.seconds} s (discovery at start, poll every minute, provider down)`);
  console.log(`  RSS       peak ${mib(peak)} MiB, at end ${mib(end?.rssBytes ?? 0)} MiB`);
  console.log(`  CPU       ${end?.cpuSeconds.toFixed(2) ?? '?'} s in all; ${atTen && end ? (end.cpuSeconds - atTen.cpuSeconds).toFixed(2) : '?'} s after the first 10 s (start-up and discovery excluded)`);
  console.log(`  SIGTERM   exit ${code} in ${Date.now() - t0} ms`);
}
