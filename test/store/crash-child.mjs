// Crash-test child (plain ESM on the built dist/): polls simulated printers and stores each poll
// cycle through the Outbox in a loop; after every commit it appends the committed reading ids to
// a side file. The parent SIGKILLs it at random moments. Every few cycles it also takes a batch
// and applies a receipt, so kills land in those transactions too.
// env: MBX_DB, MBX_SIDE, MBX_HOSTS (comma-separated), MBX_PORT, MBX_COMMUNITY
import { appendFileSync, existsSync, readFileSync, truncateSync } from 'node:fs';
import { pino } from 'pino';
import { Outbox } from '../../dist/store/outbox.js';
import { readDevice } from '../../dist/reader/read-device.js';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`crash-child: ${k} is not set`);
  return v;
};
const db = env('MBX_DB');
const side = env('MBX_SIDE');
const hosts = env('MBX_HOSTS').split(',');
const port = Number(env('MBX_PORT'));
const community = env('MBX_COMMUNITY');

// A kill during the append can leave a torn last line: cut it off before appending more.
if (existsSync(side)) {
  const bytes = readFileSync(side);
  const end = bytes.lastIndexOf(10) + 1; // after the last '\n'
  if (end !== bytes.length) truncateSync(side, end);
}

const outbox = new Outbox(db, { log: pino({ level: 'silent' }) });
process.stdout.write('ready\n');

for (let n = 1; ; n++) {
  const readings = await Promise.all(
    hosts.map(async (host) => (await readDevice({ host, port, credentials: { version: '2c', community }, timeoutMs: 1000, retries: 2 })).reading),
  );
  const res = outbox.record(readings);
  if (res.error) {
    process.stderr.write(`crash-child: store failed: ${res.error.message}\n`);
    process.exit(3);
  }
  appendFileSync(side, res.ids.map((id) => `${id}\n`).join(''));
  process.stdout.write('c\n');
  if (n % 4 === 0) {
    const store = outbox.current;
    const batch = store.readings.nextBatch({ maxCount: 8 });
    store.applyReceipt({ accepted: batch.slice(1).map((b) => b.id), duplicate: batch.slice(0, 1).map((b) => b.id), rejected: [] });
  }
}
