/** `meterbox doctor`: pass / warn / fail lines with remedies, bounded time, non-zero exit on a failure. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { freeTcpPort, labConfig, startLabFleet, tempDir, writeConfig } from './harness.js';

describe('meterbox doctor', () => {
  it('passes SNMP on a live target, fails an unreachable provider with a remedy, and exits 1', async () => {
    const dir = tempDir();
    const fleet = await startLabFleet(2);
    try {
      const cfg = labConfig({ fleet, dir, healthPort: 0, providerUrl: `https://127.0.0.1:${await freeTcpPort()}` });
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
      const bad = join(dir, 'bad.json');
      writeConfig(bad, { ...cfg, agentId: '' });
      const b = await runCli(['doctor', '--config', bad]);
      expect(b.code).toBe(1);
      expect(b.stdout).toMatch(/^FAIL {2}config: [\s\S]*\$\.agentId/m);
    } finally {
      await fleet.close();
    }
  }, 40_000);
});
