/** `meterbox doctor`: pass / warn / fail lines with remedies, bounded time, non-zero exit on a failure. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { freeTcpPort, labConfig, startLabFleet, tempDir, writeConfig } from './harness.js';

describe('meterbox doctor', () => {
  it('passes SNMP on a live target, fails an unreachable provider (or proxy, unless NO_PROXY matches) with a remedy, and exits 1', async () => {
    const dir = tempDir();
    const fleet = await startLabFleet(2);
    try {
      const providerPort = await freeTcpPort();
      const cfg = labConfig({ fleet, dir, providerUrl: `https://127.0.0.1:${providerPort}` });
      const file = join(dir, 'config.json');
      writeConfig(file, cfg);
      const r = await runCli(['doctor', '--config', file, '--json'], { timeoutMs: 30_000 });
      expect(r.code).toBe(1);
      const out = JSON.parse(r.stdout) as { checks: { name: string; verdict: string; remedy?: string }[]; fails: number };
      const by = Object.fromEntries(out.checks.map((c) => [c.name, c]));
      expect(by.config?.verdict).toBe('pass');
      expect(by['config permissions']?.verdict).toBe('pass');
      expect(by.clock?.verdict).toBe('pass');
      expect(by['SNMP lab']?.verdict).toBe('pass');
      expect(out.checks.find((c) => c.name.startsWith('provider TCP'))).toMatchObject({ verdict: 'fail', remedy: expect.stringMatching(/firewall|proxy/) });
      // HTTPS_PROXY and NO_PROXY as the uploader reads them (proxy-from-env, which also knows host:port entries): a matching NO_PROXY goes direct.
      const proxyEnv = (noProxy: string) => ({ HTTPS_PROXY: `http://127.0.0.1:${deadProxy}`, https_proxy: `http://127.0.0.1:${deadProxy}`, NO_PROXY: noProxy, no_proxy: noProxy });
      const deadProxy = await freeTcpPort();
      const checksWith = async (env: NodeJS.ProcessEnv) => (JSON.parse((await runCli(['doctor', '--config', file, '--json'], { timeoutMs: 30_000, env })).stdout) as typeof out).checks.map((c) => c.name);
      const direct = await checksWith(proxyEnv(`localhost, 127.0.0.1:${providerPort}`));
      expect(direct.some((n) => n.startsWith('provider TCP'))).toBe(true);
      expect(direct).not.toContain('proxy');
      const proxied = await runCli(['doctor', '--config', file, '--json'], { timeoutMs: 30_000, env: proxyEnv('.example.test') });
      const viaProxy = (JSON.parse(proxied.stdout) as typeof out).checks;
      expect(viaProxy.find((c) => c.name === 'proxy')).toMatchObject({ verdict: 'fail', detail: expect.stringContaining(`127.0.0.1:${deadProxy}`), remedy: expect.stringMatching(/HTTPS_PROXY/) });
      expect(viaProxy.some((c) => c.name.startsWith('provider TCP'))).toBe(false);
      const bad = join(dir, 'bad.json');
      writeConfig(bad, { ...cfg, agentId: '' });
      const b = await runCli(['doctor', '--config', bad]);
      expect(b.code).toBe(1);
      expect(b.stdout).toMatch(/^FAIL {2}config: [\s\S]*\$\.agentId/m);
    } finally {
      await fleet.close();
    }
  }, 120_000);
});
