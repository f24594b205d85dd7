/**
 * VLANs for real: an isolated routed lab built only from network namespaces.
 *   site (prober) ── rtr (forwarding on, only here) ─┬─ p1: 10.201.1.0/24
 *                                                    ├─ p2: 10.201.2.0/24
 *                                                    └─ p3: 10.201.3.0/24
 * Every veth is created inside a lab namespace (never in the root namespace), the root namespace
 * gets no routes and no forwarding, so no test packet can leave the machine. `meterbox discover`
 * runs inside `site`; the printers are simulator agents inside p1..p3. Torn down in afterAll,
 * also when setup fails halfway. Needs root and iproute2; skips with the reason otherwise.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { CLI_ARGV } from '../helpers/cli.js';

const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip'].find((p) => existsSync(p));
const isRoot = process.getuid?.() === 0;
const skipReason = !isRoot ? 'needs root (network namespaces)' : !IP ? 'needs iproute2 (`ip`)' : undefined;
if (skipReason) console.warn(`netns discovery lab skipped: ${skipReason}`);

const id = Math.random().toString(36).slice(2, 6);
const NS = { site: `mbx${id}-site`, rtr: `mbx${id}-rtr`, p: [1, 2, 3].map((k) => `mbx${id}-p${k}`) };
const HELPER = join(PACKAGE_ROOT, 'test', 'discovery', 'ns-agents.mjs');

function ip(...args: string[]): void {
  execFileSync(IP as string, args, { stdio: 'pipe' });
}
const inNs = (ns: string, ...args: string[]) => ip('netns', 'exec', ns, ...args);

const PRINTERS = [
  { ns: 0, address: '10.201.1.10', ordinal: 101, communities: ['alpha'] },
  { ns: 0, address: '10.201.1.20', ordinal: 102, communities: ['alpha'] },
  { ns: 1, address: '10.201.2.10', ordinal: 201, communities: ['beta'] },
  { ns: 2, address: '10.201.3.30', ordinal: 301, communities: ['beta', 'alpha'] },
  { ns: 2, address: '10.201.3.40', ordinal: 302, communities: ['alpha'] }, // excluded below
];
const SWITCHES = [{ ns: 1, address: '10.201.2.5', communities: ['alpha'] }];

describe.skipIf(skipReason !== undefined)('discovery across routed VLANs in network namespaces', () => {
  const children: ChildProcess[] = [];
  const created: string[] = [];

  beforeAll(async () => {
    for (const ns of [NS.site, NS.rtr, ...NS.p]) {
      ip('netns', 'add', ns);
      created.push(ns);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
    // site <-> rtr, created directly inside the namespaces.
    ip('-n', NS.site, 'link', 'add', 's0', 'type', 'veth', 'peer', 'name', 'r0', 'netns', NS.rtr);
    ip('-n', NS.site, 'addr', 'add', '10.200.0.2/30', 'dev', 's0');
    ip('-n', NS.rtr, 'addr', 'add', '10.200.0.1/30', 'dev', 'r0');
    ip('-n', NS.site, 'link', 'set', 's0', 'up');
    ip('-n', NS.rtr, 'link', 'set', 'r0', 'up');
    ip('-n', NS.site, 'route', 'add', 'default', 'via', '10.200.0.1');
    NS.p.forEach((ns, i) => {
      const k = i + 1;
      ip('-n', NS.rtr, 'link', 'add', `r${k}`, 'type', 'veth', 'peer', 'name', 'p0', 'netns', ns);
      ip('-n', NS.rtr, 'addr', 'add', `10.201.${k}.1/24`, 'dev', `r${k}`);
      ip('-n', ns, 'addr', 'add', `10.201.${k}.2/24`, 'dev', 'p0');
      ip('-n', NS.rtr, 'link', 'set', `r${k}`, 'up');
      ip('-n', ns, 'link', 'set', 'p0', 'up');
      ip('-n', ns, 'route', 'add', 'default', 'via', `10.201.${k}.1`);
    });
    // Forwarding only inside rtr.
    inNs(NS.rtr, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');

    for (const [i, ns] of NS.p.entries()) {
      const specs = [
        ...PRINTERS.filter((p) => p.ns === i).map((p) => ({ ...p, kind: 'printer', port: 161 })),
        ...SWITCHES.filter((s) => s.ns === i).map((s) => ({ ...s, kind: 'switch', port: 161 })),
      ];
      for (const s of specs) ip('-n', ns, 'addr', 'add', `${s.address}/24`, 'dev', 'p0');
      const child = spawn(IP as string, ['netns', 'exec', ns, process.execPath, HELPER, JSON.stringify(specs)], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      await new Promise<void>((resolve, reject) => {
        let err = '';
        child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
        child.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
        child.on('exit', (code) => reject(new Error(`agents in ${ns} exited with ${code}: ${err}`)));
      });
    }
  });

  afterAll(async () => {
    for (const c of children) c.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    // Deleting a namespace deletes its veths (and their peers).
    for (const ns of created.reverse()) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // already gone
      }
    }
    const left = execFileSync(IP as string, ['netns', 'list'], { encoding: 'utf8' });
    expect(left).not.toContain(`mbx${id}-`);
  });

  it('finds the printers of every VLAN from the site namespace, labelled, with the credential used', async () => {
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(
        IP as string,
        ['netns', 'exec', NS.site, process.execPath, ...CLI_ARGV, 'discover', 'vlan1=10.201.1.0/24', 'vlan2=10.201.2.0/24', 'vlan3=10.201.3.0/24',
          '--exclude', '10.201.3.40', '--community', 'alpha', '--community', 'beta', '--timeout', '300', '--retries', '0', '--json'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const doc = JSON.parse(out.stdout) as {
      printers: { host: string; label: string; credential: string; device: { key: string; serial: string; vendor: string; mac: string } }[];
      others: { host: string; kind: string }[];
      summary: Record<string, number>;
    };
    expect(doc.printers.map((p) => [p.host, p.label, p.credential, p.device.serial])).toEqual([
      ['10.201.1.10', 'vlan1', 'v2c-1', 'SIM00101'],
      ['10.201.1.20', 'vlan1', 'v2c-1', 'SIM00102'],
      ['10.201.2.10', 'vlan2', 'v2c-2', 'SIM00201'],
      ['10.201.3.30', 'vlan3', 'v2c-1', 'SIM00301'],
    ]);
    expect(doc.printers[0]?.device).toMatchObject({ key: expect.stringMatching(/:SIM00101$/), mac: expect.stringMatching(/^02:00:5e/) });
    expect(doc.others).toEqual([expect.objectContaining({ host: '10.201.2.5', kind: 'not-a-printer', label: 'vlan2' })]);
    // The routers' own addresses (.1) and the namespace's own (.2) do not answer SNMP.
    expect(doc.summary).toMatchObject({ addresses: 3 * 254 - 1, printers: 4, nonPrinters: 1, answered: 5 });
  });
});
