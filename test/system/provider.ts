/**
 * The provider's side of an installed-system test: the receiver's API as the provider reads it
 * (read token, the receiver's own certificate), and the count of readings at both ends — the
 * box's outbox (read from the host: SQLite WAL readers do not block the daemon) against the
 * receiver — that proves none was lost or delivered twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import https from 'node:https';
import Database from 'better-sqlite3';
import { it } from 'vitest';
import { CLI_ARGV } from '../helpers/cli.js';
import { waitFor } from '../daemon/harness.js';
import type { Container } from './container.js';

/**
 * `meterbox receiver` on 127.0.0.1:`port` with `args`, and the port it listens on, from the line it
 * prints. Port 0 the first time: the receiver's own bind picks it. (A port picked by the test and
 * bound only after the package build, minutes later, could be taken by another listener meanwhile.)
 */
export async function spawnReceiver(port: number, args: readonly string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [...CLI_ARGV, 'receiver', '--listen', `127.0.0.1:${port}`, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  const bound = await waitFor(() => (child.exitCode !== null ? Promise.reject(new Error(`the receiver exited ${child.exitCode}`)) : /^receiver listening on https:\/\/127\.0\.0\.1:(\d+)/m.exec(out)?.[1]), 30_000, 'the receiver to listen');
  return { child, port: Number(bound) };
}

export type ApiGet = (path: string) => Promise<{ status: number; body: Record<string, unknown> }>;

/** GET on the receiver at 127.0.0.1:`port` with `token`, trusting `ca`. */
export function receiverApi(port: () => number, ca: () => Buffer, token: string): ApiGet {
  return (path) =>
    new Promise((resolve, reject) => {
      const req = https.get({ host: '127.0.0.1', port: port(), path, ca: ca(), headers: { authorization: `Bearer ${token}` } }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || '{}') as Record<string, unknown> }));
      });
      req.on('error', reject);
    });
}

/** Ids of every reading the receiver holds, repeats kept (to see them). */
export async function receiverIds(get: ApiGet): Promise<string[]> {
  const devices = (await get('/v1/devices')).body.devices as { key: string }[];
  const ids: string[] = [];
  for (const d of devices) ids.push(...((await get(`/v1/devices/${encodeURIComponent(d.key)}/readings?limit=10000`)).body.readings as { id: string }[]).map((r) => r.id));
  return ids;
}

/** The box's outbox, oldest first. */
export function outbox(box: Container): { id: string; state: string }[] {
  const db = new Database(box.path('/var/lib/meterbox/outbox.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT id, state FROM readings ORDER BY seq').all() as { id: string; state: string }[];
  } finally {
    db.close();
  }
}

/** Waits until every reading the box committed is delivered and the receiver holds exactly those, none twice; returns how many. */
export function allDeliveredOnce(box: Container, get: ApiGet, what: string, timeoutMs = 60_000): Promise<number> {
  return waitFor(async () => {
    const rows = outbox(box);
    if (rows.length === 0 || rows.some((r) => r.state !== 'delivered')) return undefined;
    const ids = await receiverIds(get);
    if (ids.length !== new Set(ids).size) throw new Error(`the receiver holds a reading twice: ${ids.length} rows, ${new Set(ids).size} ids`);
    const mine = new Set(rows.map((r) => r.id));
    return ids.length === mine.size && ids.every((id) => mine.has(id)) ? ids.length : undefined;
  }, timeoutMs, what);
}

/**
 * The steps of one story on one box: they run in order, and a failed step skips the rest (they
 * would be meaningless) and fails with the units' journal, `more()` and the container's console.
 */
export function storySteps(box: () => Container, o: { units: readonly string[]; journalLines: number; passed: (name: string) => void; more?: () => Promise<string> }) {
  let failed = false;
  return (name: string, fn: () => Promise<void>, timeoutMs = 60_000) =>
    it(name, async (ctx) => {
      if (failed) ctx.skip();
      try {
        await fn();
        o.passed(name.split(':')[0] as string);
      } catch (err) {
        failed = true;
        const journal = (await box().exec(['journalctl', ...o.units.flatMap((u) => ['-u', u]), '-n', String(o.journalLines), '--no-pager'])).stdout;
        throw new Error(`${(err as Error).message}${o.more ? `\n${await o.more().catch(() => '')}` : ''}\n--- journal ---\n${journal}\n--- console ---\n${box().consoleTail()}`, { cause: err });
      }
    }, timeoutMs);
}
