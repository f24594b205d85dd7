/** Plain Readings and temp databases for the store tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import type { Reading } from '../../src/contract/reading.js';
import { sampleReading } from '../../bench/store.js';

export const silent = pino({ level: 'silent' });

/** A realistic Reading (about 1.2 KB of JSON) for device `n`, read at `readAt`. */
export function makeReading(n: number, readAt: string | Date, total = 1000 + n, id: string = uuidv7()): Reading {
  return sampleReading({ device: n, serial: `SIM${String(n).padStart(5, '0')}`, readAt, total, id });
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
