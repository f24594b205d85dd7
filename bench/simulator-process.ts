/**
 * `meterbox simulate --synthetic N` as a child process (the simulated printers answer from a
 * process of their own, so their work never slows the process that measures), and stopping a
 * child cleanly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { NODE_FLAGS } from '../src/node-flags.js';
import { CLI_MAIN } from './receiver-process.js';

export interface SimulatorProcess {
  child: ChildProcess;
  port: number;
  hosts: string[];
}

/** Resolves with the simulator's UDP port and hosts once every agent is bound (its --json output). */
export async function startSimulator(o: { devices: number; first: string; community?: string; latencyMs?: number }): Promise<SimulatorProcess> {
  const args = [...NODE_FLAGS, CLI_MAIN, 'simulate', '--synthetic', String(o.devices), '--first', o.first, '--community', o.community ?? 'bench', '--json', ...(o.latencyMs ? ['--latency', String(o.latencyMs)] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout?.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`simulator exited (${code}) before it was ready`)));
    child.stdout?.on('data', (d: string) => {
      out += d;
      try {
        const doc = JSON.parse(out) as { port: number; devices: { host: string }[] };
        resolve({ child, port: doc.port, hosts: doc.devices.map((x) => x.host) });
      } catch {
        // not all of the JSON yet
      }
    });
  });
}

/** SIGTERM, and resolves once the child has exited (at once when it already has). */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  await exited;
}
