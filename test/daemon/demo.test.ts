/**
 * `meterbox demo` stopped part-way, as a user does it: SIGINT or SIGTERM to the demo process
 * alone, or to its `meterbox run` child alone. Either way no process is left behind and the temp
 * dir (which holds the demo's token) is gone.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLI_ARGV } from '../helpers/cli.js';
import { randomLoopbackBlock } from '../helpers/net.js';
import { childrenOf } from '../helpers/process.js';
import { waitFor } from './harness.js';

function alive(pid: number): boolean {
  try {
    // A zombie still answers kill(0); its state in /proc says it is gone.
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

async function startDemo(): Promise<{ pid: number; dir: string; agentPid: number; out: () => string; exited: Promise<number | null> }> {
  const demo = spawn(process.execPath, [...CLI_ARGV, 'demo', '--first', randomLoopbackBlock(), '--poll-seconds', '5'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  demo.stdout.on('data', (d: Buffer) => (out += d.toString()));
  demo.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => demo.on('close', (code) => r(code)));
  const dir = await waitFor(() => /meterbox run --config (\S+)\/config\.json/.exec(out)?.[1], 30_000, `the demo's config line; output so far:\n${out}`);
  // The agent is up once it says so; by then it is the demo's only child.
  await waitFor(() => (/agent\s+running; health on/.test(out) ? true : undefined), 30_000, `the agent running; output so far:\n${out}`);
  const agentPid = childrenOf(demo.pid as number)[0] as number;
  expect(agentPid).toBeGreaterThan(0);
  return { pid: demo.pid as number, dir, agentPid, out: () => out, exited };
}

describe('meterbox demo stopped part-way', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s to the demo process alone: its agent child stops, the temp dir with the token is removed, exit %i', async (signal, code) => {
    const d = await startDemo();
    expect(existsSync(`${d.dir}/token`)).toBe(true);
    process.kill(d.pid, signal);
    expect(await d.exited).toBe(code);
    expect(existsSync(d.dir)).toBe(false);
    expect(alive(d.agentPid)).toBe(false);
    expect(d.out()).toMatch(new RegExp(`${signal}: stopping the demo and cleaning up`));
  }, 90_000);

  it('SIGTERM to the agent child alone ends the demo too, with the same clean-up', async () => {
    const d = await startDemo();
    process.kill(d.agentPid, 'SIGTERM');
    const code = await d.exited;
    expect(code).toBe(1); // two poll cycles were not delivered
    expect(existsSync(d.dir)).toBe(false);
    expect(alive(d.agentPid)).toBe(false);
  }, 90_000);
});
