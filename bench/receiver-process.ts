/**
 * `meterbox receiver` as a child process (the way a provider runs it), for the benchmarks and the
 * tests that need a node they can kill or measure: started, waited for until it listens, its
 * memory read from /proc (the kernel's own figures), stopped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/paths.js';

export interface ReceiverProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM (finish requests in flight) or SIGKILL (die mid-request); resolves when it exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** The built CLI (also when this module runs from src/ under the tests). */
export const CLI_MAIN = join(PACKAGE_ROOT, 'dist', 'cli', 'main.js');

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * Resident and peak resident set size (VmRSS, VmHWM) of a process, bytes, and the resident set
 * split as the kernel counts it: `anon` is the process's own memory (V8's heap, malloc), `file`
 * the pages of files it maps (mostly the node binary's code and ICU data: shared with every node
 * process and dropped by the kernel under pressure). Undefined where /proc is not there.
 */
export function processMemory(pid: number): { rss: number; peak: number; anon: number; file: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM'), anon: kb('RssAnon'), file: kb('RssFile') + kb('RssShmem') };
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used so far; 0 once it is gone. */
export function processCpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100 on Linux)
  } catch {
    return 0;
  }
}

/** Starts `meterbox receiver ARGS…` and resolves once it prints the URL it listens on. */
export function spawnReceiver(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 30_000): Promise<ReceiverProcess> {
  const child = spawn(process.execPath, [CLI_MAIN, 'receiver', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, METERBOX_LOG_LEVEL: 'warn', ...env } });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop('SIGKILL');
      reject(new Error(`receiver did not start within ${timeoutMs} ms:\n${out.slice(-2000)}`));
    }, timeoutMs);
    const check = () => {
      const m = /receiver listening on (https:\/\/\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout?.off('data', check);
      resolve({ url: m[1] as string, pid: child.pid as number, child, output: () => out, stop });
    };
    child.stdout?.on('data', check);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`receiver exited (${signal ?? code}) before listening:\n${out.slice(-2000)}`));
    });
  });
}
