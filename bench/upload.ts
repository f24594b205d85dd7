/**
 * `npm run bench -- upload`: drain a backlog of readings (default 100 000) from a real outbox to
 * the reference receiver over HTTPS on loopback. The receiver runs in its own process
 * (`meterbox receiver`), so the peak RSS printed is the agent's alone.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { selfSignedPair } from '../src/net/tls.js';
import { Store } from '../src/store/store.js';
import { Uploader } from '../src/upload/index.js';
import { spawnReceiver } from './receiver-process.js';
import { PeakRss } from './rss.js';
import { reading } from './store.js';

export interface UploadBenchOptions {
  readings: number;
  devices: number;
  batchCount: number;
  batchBytes: number;
}

export async function benchUpload(o: UploadBenchOptions): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mbx-bench-upload-'));
  const token = 'bench-token-0123456789abcdef';
  const agentId = 'bench-box';
  const pair = await selfSignedPair('127.0.0.1');
  const certFile = join(dir, 'cert.pem');
  writeFileSync(certFile, pair.cert);
  writeFileSync(join(dir, 'key.pem'), pair.key);
  writeFileSync(join(dir, 'tokens.json'), JSON.stringify({ [agentId]: token }));
  const rx = await spawnReceiver(['--listen', '127.0.0.1:0', '--db', join(dir, 'receiver.db'), '--tokens', join(dir, 'tokens.json'), '--cert', certFile, '--key', join(dir, 'key.pem')]);
  const url = rx.url;
  try {
    const store = Store.open(join(dir, 'outbox.db'), { log: pino({ level: 'silent' }) });
    const t0 = Date.parse('2026-11-01T00:00:00Z');
    const fillStart = Date.now();
    for (let i = 0; i < o.readings; i += 1000) {
      const cycle = [];
      for (let j = i; j < Math.min(o.readings, i + 1000); j++) cycle.push(reading(j % o.devices, t0 + j * 1000));
      store.saveCycle(cycle);
    }
    const fillMs = Date.now() - fillStart;
    const jsonBytes = store.db.prepare('SELECT SUM(bytes) FROM readings').pluck().get() as number;

    const rss = new PeakRss();
    const u = new Uploader({ url, agentId, token, caFile: certFile, store: { current: store }, batch: { maxCount: o.batchCount, maxBytes: o.batchBytes }, timeoutMs: 60_000, logger: pino({ level: 'warn' }), proxy: null });
    const start = process.hrtime.bigint();
    let delivered = 0;
    let bytes = 0;
    let batches = 0;
    for (;;) {
      const r = await u.drainOnce();
      delivered += r.delivered;
      bytes += r.bytesSent;
      batches += r.batches;
      if (r.stop === 'empty') break;
      if (r.stop !== 'retry' && r.stop !== 'backoff') throw new Error(`upload stopped: ${r.stop} ${r.error?.message ?? ''}`);
      await new Promise((res) => setTimeout(res, Math.max(0, (r.retryAt?.getTime() ?? Date.now()) - Date.now())));
    }
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const peak = rss.stop();
    u.close();
    const counts = store.readings.counts();
    store.close();

    const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
    console.log(`upload: ${o.readings} readings (${o.devices} devices) backlog filled in ${(fillMs / 1000).toFixed(1)} s; batches of ≤${o.batchCount} readings / ≤${mb(o.batchBytes)}`);
    console.log(`  drained in       ${(ms / 1000).toFixed(2)} s over ${batches} requests to ${url} (receiver in its own process, SQLite synchronous=FULL)`);
    console.log(`  readings/s       ${Math.round(delivered / (ms / 1000))}`);
    console.log(`  bytes/reading    ${(bytes / delivered).toFixed(1)} gzip on the wire (JSON ${(jsonBytes / o.readings).toFixed(0)} B, ratio ${(jsonBytes / bytes).toFixed(1)}×)`);
    console.log(`  agent peak RSS   ${mb(peak)}`);
    console.log(`  outbox after     ${counts.pending} pending, ${counts.delivered} delivered, ${counts.rejected} rejected`);
    if (delivered !== o.readings || counts.pending !== 0) {
      process.exitCode = 1;
      console.error(`bench upload: delivered ${delivered} of ${o.readings}`);
    }
  } finally {
    await rx.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
