/**
 * `meterbox demo` prints the URLs of the box's status page and the provider's fleet view, and both
 * answer while it runs.
 *
 * `meterbox demo` stopped part-way, as a user does it: SIGINT or SIGTERM to the demo process
 * alone, or to its `meterbox run` child alone. Either way no process is left behind and the temp
 * dir (which holds the demo's token) is gone.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import https from 'node:https';
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

async function startDemo(extra: readonly string[] = []): Promise<{ pid: number; dir: string; agentPid: number; out: () => string; exited: Promise<number | null> }> {
  const demo = spawn(process.execPath, [...CLI_ARGV, 'demo', '--first', randomLoopbackBlock(), '--poll-seconds', '5', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
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

/** An HTTPS request to the demo's receiver (self-signed: its fingerprint is what the demo printed). */
function rx(url: string, o: { method?: string; body?: string; cookie?: string } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: o.method ?? 'GET', rejectUnauthorized: false, headers: { ...(o.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...(o.cookie ? { cookie: o.cookie } : {}) } }, (res) => {
      // Read the certificate now: by 'end' a kept-alive socket is back in the agent and res.socket is null.
      const fingerprint = (res.socket as import('node:tls').TLSSocket).getPeerX509Certificate()?.fingerprint256 ?? '';
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, fingerprint }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

describe('meterbox demo and its pages', () => {
  it('prints the URLs of the status page and the fleet view (and how to log in), and both work while it runs', async () => {
    // --stay: the demo would otherwise end after two 5-second poll cycles, racing these requests on a busy machine.
    const d = await startDemo(['--stay']);
    try {
      const box = /Status page \(the box's own page\): (http:\/\/\S+)/.exec(d.out())?.[1] as string;
      const [, fleet, token] = /Fleet view \(the provider's page\): (https:\/\/\S+) .* provider token (\S+)/.exec(d.out()) ?? [];
      const fingerprint = /self-signed, SHA-256 ([0-9A-F:]+)…/.exec(d.out())?.[1] as string;
      expect(box).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await fetch(box);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<script type="module" src="/assets/box/client/box.js">');
      const status = (await (await fetch(`${box}api/status`)).json()) as { agent: { id: string } };
      expect(status.agent.id).toBe('demo-box');
      const login = await rx(`${fleet}login`, { method: 'POST', body: `token=${encodeURIComponent(token as string)}` });
      expect(login.fingerprint.startsWith(fingerprint)).toBe(true);
      expect(login.status).toBe(303);
      const cookie = String(login.headers['set-cookie']).split(';')[0] as string;
      // The demo agent appears once its first heartbeat or upload has landed.
      await waitFor(
        async () => {
          const agents = await rx(`${fleet}api/agents`, { cookie });
          expect(agents.status).toBe(200);
          return (JSON.parse(agents.body) as { agents: { agentId: string }[] }).agents.some((a) => a.agentId === 'demo-box') || undefined;
        },
        30_000,
        'demo-box in the fleet view',
      );
      // --stay keeps the demo, and so the pages, alive after its two poll cycles.
      await waitFor(() => (/the demo keeps running for the pages above/.test(d.out()) ? true : undefined), 60_000, `the demo staying; output so far:\n${d.out()}`);
      expect((await fetch(`${box}api/status`)).status).toBe(200);
      expect((await rx(`${fleet}api/agents`, { cookie })).status).toBe(200);
    } finally {
      process.kill(d.pid, 'SIGINT');
      await d.exited;
    }
  }, 90_000);
});

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
