/**
 * `meterbox demo`: start a simulated multi-vendor fleet on loopback, read every device as the
 * agent would, print what the provider would bill from, and stop. Needs no root.
 */
import { Command } from 'commander';
import Table from 'cli-table3';
import { DEVICE_FIXTURES } from '../paths.js';
import { readDevice } from '../reading/read-device.js';
import { listSnmprec, loadSnmprecFile, startFleet } from '../simulator/fleet.js';
import type { Reading } from '../reading/types.js';

function lowestSupply(r: Reading): string {
  const withPercent = r.supplies.filter((s) => s.percent !== undefined && s.class !== 'receptacle');
  if (withPercent.length === 0) return '';
  const low = withPercent.reduce((a, b) => ((a.percent as number) <= (b.percent as number) ? a : b));
  return `${low.description} ${low.percent}%`;
}

export function demoCommand(): Command {
  return new Command('demo')
    .description('simulate a multi-vendor fleet on loopback, read every device, print the meter table and stop')
    .option('--first <address>', 'first loopback address of the simulated fleet', '127.0.10.1')
    .action(async (f: { first: string }) => {
      const templates = listSnmprec(DEVICE_FIXTURES);
      const specs = templates.map((t, i) => ({ name: t.name, varbinds: loadSnmprecFile(t.path), synthetic: { ordinal: i + 1 } }));
      const community = 'demo-public';
      const fleet = await startFleet(specs, { auth: { communities: [community] }, firstAddress: f.first, port: 'auto', fallbackPort: 16161 });
      process.stdout.write(`Simulated ${fleet.devices.length} devices on ${fleet.devices[0]?.host}…${fleet.devices.at(-1)?.host}, UDP port ${fleet.port}${fleet.port === 161 ? '' : ' (161 needs root, so the reader is pointed at this port)'}\n\n`);
      try {
        const table = new Table({ head: ['host', 'vendor', 'model', 'serial', 'total', 'mono', 'colour', 'lowest supply', 'requests'], style: { head: [], border: [], compact: true } });
        const started = Date.now();
        const results = await Promise.all(
          fleet.devices.map(async (d) => {
            try {
              return { d, res: await readDevice({ host: d.host, port: d.port, credentials: { version: '2c', community }, timeoutMs: 1000, retries: 1 }) };
            } catch (err) {
              return { d, err: err as Error };
            }
          }),
        );
        let failed = 0;
        for (const { d, res, err } of results) {
          if (!res) {
            failed++;
            table.push([d.host, { colSpan: 8, content: `read failed: ${err?.message}` }]);
            continue;
          }
          const r = res.reading;
          const c = r.counters;
          const fmt = (n: number | undefined) => (n === undefined ? '' : n.toLocaleString('en-US'));
          table.push([d.host, r.device.brand ? `${r.device.vendor} (${r.device.brand})` : r.device.vendor, r.device.model ?? '', r.device.serial ?? '', fmt(c.total), fmt(c.mono), fmt(c.color), lowestSupply(r), String(res.stats.requests)]);
        }
        process.stdout.write(table.toString() + '\n');
        process.stdout.write(`\nRead ${results.length - failed} of ${results.length} devices in ${Date.now() - started} ms. Try: meterbox read ${fleet.devices[0]?.host} --port ${fleet.port} --community ${community} (while 'meterbox simulate' runs).\n`);
        if (failed > 0) process.exitCode = 1;
      } finally {
        await fleet.close();
      }
    });
}
