/**
 * `meterbox discover` as a subprocess (dist/): bad input is refused with a clear message and exit 2
 * before any packet; the JSON document has the shape of the issue. Agents live in this process.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ARGV, runCli } from '../helpers/cli.js';
import { freeUdpPort } from '../helpers/ports.js';
import { randomBlock22, startOther, startPrinter, SWITCH, type LabAgent } from './lab.js';

describe('meterbox discover (CLI)', () => {
  const block = randomBlock22();
  const agents: LabAgent[] = [];
  let port = 0;
  beforeAll(async () => {
    port = await freeUdpPort(block.at(1));
    agents.push(await startPrinter(block.at(3), port, 7, ['beta']));
    agents.push(await startPrinter(block.at(9), port, 8, ['alpha']));
    agents.push(await startOther(block.at(5), port, SWITCH, ['alpha']));
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.agent.close()));
  });

  it('prints one JSON document: printers with the credential used, others, summary', async () => {
    const r = await runCli(['discover', `lab=${block.at(1)}-${block.at(20)}`, '--exclude', block.at(9), '--port', String(port), '--community', 'alpha', '--community', 'beta', '--timeout', '1500', '--retries', '0', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.printers).toEqual([
      {
        host: block.at(3),
        label: 'lab',
        credential: 'v2c-2',
        device: { key: expect.stringMatching(/:SIM00007$/), keySource: 'serial', vendor: expect.any(String), model: expect.any(String), serial: 'SIM00007', mac: '02:00:5e:00:00:07' },
      },
    ]);
    expect(doc.others).toEqual([{ host: block.at(5), label: 'lab', kind: 'not-a-printer', credential: 'v2c-1', sysDescr: expect.stringMatching(/^Cisco/), sysObjectID: '1.3.6.1.4.1.9.1.1208' }]);
    expect(doc.notUnderContract).toEqual([]);
    expect(doc.complete).toBe(true);
    expect(doc.summary).toMatchObject({ addresses: 19, answered: 2, printers: 1, nonPrinters: 1, silent: 17 });
    // The excluded printer was never asked.
    expect(agents[1]?.agent.requests).toBe(0);
  });

  it('prints the table and summary without --json', async () => {
    const r = await runCli(['discover', `${block.at(1)}-${block.at(6)}`, '--port', String(port), '--community', 'beta', '--timeout', '1500', '--retries', '0']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(block.at(3));
    expect(r.stdout).toContain('SIM00007');
    expect(r.stdout).toMatch(/6 addresses, 1 answered, 1 printers, 0 non-printers, 5 silent/);
  });

  it.each([
    [['10.1.20.10-10.1.20'], /target '10\.1\.20\.10-10\.1\.20': '10\.1\.20' is not an IPv4 or IPv6 address \[MBX_TARGET_INVALID\]/],
    [['10.0.0.0/8'], /16,777,214 addresses to sweep .*limit of 65,536.*pass --force if you really mean it \[MBX_TARGET_TOO_LARGE\]/],
    [['10.1.20.0/24', '--exclude', '10.1.20.5-4'], /runs backwards/],
  ])('refuses %j with exit 2 and says why', async (args, message) => {
    const r = await runCli(['discover', ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });

  it('refuses a --config target naming an unknown credential: the config loader\'s error, exit 78 as for the daemon', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mbx-discover-'));
    const cfg = join(dir, 'discovery.json');
    writeFileSync(cfg, JSON.stringify({
      credentials: [{ name: 'office', version: '2c', community: 'alpha' }],
      targets: [{ target: '10.1.20.0/24', label: 'vlan20', credentials: ['office', 'ops-v3'] }],
    }));
    const r = await runCli(['discover', '--config', cfg]);
    expect(r.code).toBe(78);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('$.targets[0].credentials[1] (line 1, column 148): got "ops-v3"; expected the name of a credential set in $.credentials (office) [MBX_CONFIG_INVALID]');
  });

  it('--config takes snmp.* (port, timeout, retries, rate, concurrency, size limit) from the agent config; a flag still wins', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mbx-discover-'));
    const file = join(dir, 'config.json');
    const agentConfig = (snmp: Record<string, unknown>) => ({
      agentId: 'box-1',
      provider: { url: 'https://p.test', token: 'tok-discover-1' },
      credentials: [{ name: 'beta', version: '2c', community: 'beta' }],
      targets: [`${block.at(1)}-${block.at(6)}`],
      snmp,
    });
    writeFileSync(file, JSON.stringify(agentConfig({ port, timeoutMs: 1500, retries: 0, ratePerSecond: 0, discoveryConcurrency: 8 })), { mode: 0o600 });
    const r = await runCli(['discover', '--config', file, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.printers.map((p: { host: string }) => p.host)).toEqual([block.at(3)]);
    expect(doc.summary).toMatchObject({ timeoutMs: 1500, retries: 0, ratePerSecond: 0, concurrency: 8 });
    // A flag typed on the command line wins over the config.
    const flagged = await runCli(['discover', '--config', file, '--timeout', '1400', '--json']);
    expect(JSON.parse(flagged.stdout).summary).toMatchObject({ timeoutMs: 1400, retries: 0 });

    writeFileSync(file, JSON.stringify(agentConfig({ port, maxAddresses: 4 })), { mode: 0o600 });
    // Over the config's own limit, the config is invalid: the daemon would refuse it too.
    const big = await runCli(['discover', '--config', file, '--json']);
    expect(big.code).toBe(78);
    expect(big.stderr).toMatch(/\$\.targets.*got 6 addresses; expected at most snmp\.maxAddresses \(4\)/);
  });

  it('an interrupted sweep prints what it found, marked "complete": false, and exits 130', async () => {
    // Two printers at the start of a slow, silent /22: the sweep is well under way, but far from done, when SIGINT comes.
    const first = agents[0]?.agent as LabAgent['agent'];
    const seen = first.requests;
    const child = spawn(process.execPath, [...CLI_ARGV, 'discover', `${block.at(3)}-${block.at(1020)}`, '--port', String(port), '--community', 'beta', '--timeout', '2000', '--retries', '0', '--concurrency', '4', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
    // The printer at the first address has been read: the sweep is running.
    for (let i = 0; i < 200 && first.requests < seen + 3; i++) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    const code = await exited;
    expect(code).toBe(130);
    const doc = JSON.parse(stdout);
    expect(doc.complete).toBe(false);
    expect(doc.printers.map((p: { host: string }) => p.host)).toEqual([block.at(3)]);
    expect(doc.summary.addresses).toBe(1018);
    expect(doc.summary.answered + doc.summary.silent).toBeLessThan(1018);
    expect(stderr).toMatch(/discover interrupted \(SIGINT\)/);
  }, 30_000);
});
