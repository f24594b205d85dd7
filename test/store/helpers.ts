/** Plain Readings and temp databases for the store tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import type { Reading } from '../../src/reading/types.js';

export const silent = pino({ level: 'silent' });

/** A realistic Reading (about 1.2 KB of JSON) for device `n`, read at `readAt`. */
export function makeReading(n: number, readAt: string | Date, total = 1000 + n, id: string = uuidv7()): Reading {
  const serial = `SIM${String(n).padStart(5, '0')}`;
  return {
    id,
    readAt: typeof readAt === 'string' ? readAt : readAt.toISOString(),
    device: {
      key: `generic:${serial}`,
      keySource: 'serial',
      vendor: 'Generic',
      model: 'Color Laser 9000',
      serial,
      mac: `02:00:5e:00:${(n >> 8).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`,
      firmware: 'V1.02.03',
      sysObjectID: '1.3.6.1.4.1.99999.1.1',
      sysDescr: 'Generic Color Laser 9000 printer, firmware V1.02.03',
      host: `10.1.${(n >> 8) & 255}.${n & 255}`,
    },
    counters: { total, mono: Math.floor(total * 0.7), color: total - Math.floor(total * 0.7) },
    sources: { total: '1.3.6.1.2.1.43.10.2.1.4.1.1', mono: '1.3.6.1.4.1.99999.2.1.0', color: '1.3.6.1.4.1.99999.2.2.0' },
    supplies: [
      { index: 1, description: 'Toner (Black)', kind: 'toner', color: 'black', level: 40, max: 100, percent: 40, state: 'ok', class: 'consumed' },
      { index: 2, description: 'Toner (Cyan)', kind: 'toner', color: 'cyan', level: 60, max: 100, percent: 60, state: 'ok', class: 'consumed' },
      { index: 3, description: 'Toner (Magenta)', kind: 'toner', color: 'magenta', level: 8, max: 100, percent: 8, state: 'low', class: 'consumed' },
      { index: 4, description: 'Toner (Yellow)', kind: 'toner', color: 'yellow', level: 75, max: 100, percent: 75, state: 'ok', class: 'consumed' },
    ],
    status: { device: 'running', printer: 'idle', errors: [], alerts: [{ severity: 'warning', code: 'tonerLow', text: 'Magenta toner low' }] },
    profile: 'generic@1',
  };
}

export function tempDir(prefix = 'mbx-store-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A clock the test moves by hand. */
export function fakeClock(start = '2026-11-22T08:00:00.000Z'): { now: () => Date; set: (iso: string) => void; advance: (ms: number) => void } {
  let t = Date.parse(start);
  return {
    now: () => new Date(t),
    set: (iso) => {
      t = Date.parse(iso);
    },
    advance: (ms) => {
      t += ms;
    },
  };
}
