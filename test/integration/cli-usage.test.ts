/**
 * `meterbox usage` on the box (issue 12): from a real outbox written by the Store, the built CLI
 * gives per device the opening and closing readings, meters and deltas, the contract units (equal
 * to what the printer model printed), flags and events; --json carries every formula, --csv the
 * provider's export columns. The outbox is found by --db, $METERBOX_DB, or the config's
 * storage.path, whose billing contract applies.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../src/contract/reading.js';
import { Store } from '../../src/store/store.js';
import { HOUR, Printer, T0 } from '../billing/device-model.js';
import { runCli } from '../helpers/cli.js';
import { makeReading, silent, tempDir } from '../store/helpers.js';

const tmp = tempDir('mbx-usage-');
const db = join(tmp.dir, 'outbox.db');
afterAll(() => tmp.cleanup());

function readingOf(p: Printer, h: number, n: number): Reading {
  const m = p.read(T0 + h * HOUR);
  const r = makeReading(n, new Date(T0 + h * HOUR));
  return { ...r, device: { ...r.device, serial: p.serial, key: `generic:${p.serial}`, model: 'MFP 7' }, counters: m.counters, sources: m.sources ?? {}, ...(m.units ? { units: m.units } : {}) };
}

const truth: { h: number; mono: number; color: number; scans: number }[] = [];
const p = new Printer('SN-U1');
const q = new Printer('SN-U2');

beforeAll(() => {
  const s = Store.open(db, { log: silent });
  // 40 days, hourly; SN-U1 prints a mix every hour; SN-U2 is read daily and prints nothing after day 5.
  for (let h = 0; h <= 24 * 40; h++) {
    const cycle = [readingOf(p, h, 1)];
    if (h % 24 === 0) cycle.push(readingOf(q, h, 2));
    s.saveCycle(cycle);
    truth.push({ h, ...p.trueUnits() });
    p.print({ sheets: 2 }).print({ sheets: 1, size: 'A3', duplex: true }).print({ sheets: 1, color: true, duplex: h % 2 === 0 }).scan(3);
    if (h < 24 * 5) q.print({ sheets: 1 });
  }
  s.close();
});

describe('meterbox usage', () => {
  const from = '2026-01-11'; // day 10
  const to = '2026-02-01'; // day 31
  const at = (day: number) => truth.find((t) => t.h === day * 24) as { mono: number; color: number; scans: number };

  it('--json: units equal to what the printer printed, with formulas, readings and flags', async () => {
    const r = await runCli(['usage', '--db', db, '--from', from, '--to', to, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { devices: { deviceKey: string; units: Record<string, { computable: boolean; value?: number; formula?: string }>; opening?: { at: string }; closing?: { at: string }; estimated: boolean; flags: string[] }[] };
    const u1 = out.devices.find((d) => d.deviceKey === 'generic:SN-U1');
    expect(u1?.units.mono).toMatchObject({ computable: true, value: at(31).mono - at(10).mono, formula: expect.any(String) });
    expect(u1?.units.color?.value).toBe(at(31).color - at(10).color);
    expect(u1?.units.scan?.value).toBe(Math.floor(at(31).scans / 2) - Math.floor(at(10).scans / 2));
    expect(u1).toMatchObject({ opening: { at: '2026-01-11T00:00:00.000Z' }, closing: { at: '2026-02-01T00:00:00.000Z' }, estimated: false });
    const u2 = out.devices.find((d) => d.deviceKey === 'generic:SN-U2');
    expect(u2?.units.mono?.value).toBe(0);
  });

  it('text, --device and --csv; found through $METERBOX_DB and through the config, whose contract applies', async () => {
    const text = await runCli(['usage', '--from', from, '--to', to, '--device', 'generic:SN-U1'], { env: { METERBOX_DB: db } });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/generic:SN-U1 \(MFP 7\), serial SN-U1/);
    expect(text.stdout).toMatch(new RegExp(`units mono +${(at(31).mono - at(10).mono).toLocaleString('en-US')} +=`));
    expect(text.stdout).not.toMatch(/SN-U2/);

    const csv = await runCli(['usage', '--db', db, '--from', from, '--to', to, '--csv']);
    const lines = csv.stdout.trim().split('\r\n');
    expect(lines[0]).toMatch(/^agent_id,device_key,serial,model,period_from,period_to,total_opening,.*,units_mono,units_color,units_scan,estimated,source,flags,not_computable$/);
    const head = (lines[0] ?? '').split(',');
    const row = (lines.find((l) => l.includes('generic:SN-U1')) ?? '').split(',');
    expect(Number(row[head.indexOf('units_mono')])).toBe(at(31).mono - at(10).mono);
    expect(row[head.indexOf('source')]).toBe('box');

    // The config's storage.path finds the outbox, and its contract (an A3 side worth 3) changes the units.
    const cfg = join(tmp.dir, 'config.json');
    writeFileSync(
      cfg,
      JSON.stringify({ agentId: 'box-u', provider: { url: 'https://p.test', token: 'tok-usage-123456' }, credentials: [{ name: 'c', version: '2c', community: 'public' }], storage: { path: db }, billing: { unitsPerLargeSide: 3 } }),
      { mode: 0o600 },
    );
    const viaConfig = await runCli(['usage', '--config', cfg, '--from', from, '--to', to, '--csv', '--device', 'generic:SN-U1'], { env: {} });
    expect(viaConfig.code).toBe(0);
    const r2 = (viaConfig.stdout.trim().split('\r\n')[1] ?? '').split(',');
    expect(r2[0]).toBe('box-u');
    // 1 A3 duplex sheet an hour: 2 large sides an hour, each worth 1 more unit than under the default contract.
    expect(Number(r2[head.indexOf('units_mono')])).toBe(at(31).mono - at(10).mono + 2 * 24 * 21);

    const bad = await runCli(['usage', '--db', db, '--from', '2026-02-01', '--to', from]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/MBX_USAGE/);
  });
});
