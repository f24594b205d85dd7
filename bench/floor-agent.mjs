/**
 * The floor under the idle goal (`npm run bench -- idle`): a process that does the least a meter-reading
 * agent must do, with none of meterbox's code, started the way the unit starts meterbox. On the
 * agent's poll schedule it reads sysDescr from every simulated device over SNMP (net-snmp), stores
 * one row per answer in a WAL SQLite file (better-sqlite3, 2 MB page cache as the outbox has), and
 * sends one HTTPS POST to the provider (TLS with a private CA). Two modes, measured side by side:
 * - FLOOR_MODE=chosen: with the project's chosen scheduler and HTTP client (node-cron, axios);
 * - FLOOR_MODE=builtins: with setInterval and node:https instead.
 * Plain JavaScript on purpose: run under tsx, the loader's own memory would count against the floor.
 * Everything comes from the environment: FLOOR_HOSTS (comma-separated), FLOOR_PORT, FLOOR_COMMUNITY,
 * FLOOR_URL, FLOOR_CA, FLOOR_DB, FLOOR_SCHEDULE (a six-field cron expression, every minute).
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import Database from 'better-sqlite3';
import snmp from 'net-snmp';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`floor-agent: ${name} is not set`);
  return v;
};
const mode = env('FLOOR_MODE');
const hosts = env('FLOOR_HOSTS').split(',');
const port = Number(env('FLOOR_PORT'));
const community = env('FLOOR_COMMUNITY');
const url = env('FLOOR_URL');
const httpsAgent = new https.Agent({ ca: readFileSync(env('FLOOR_CA')), keepAlive: true });

const db = new Database(env('FLOOR_DB'));
db.pragma('journal_mode = WAL');
db.pragma('cache_size = -2000');
db.exec('CREATE TABLE IF NOT EXISTS readings (id INTEGER PRIMARY KEY, host TEXT, json TEXT)');
const insert = db.prepare('INSERT INTO readings (host, json) VALUES (?, ?)');

const SYS_DESCR = '1.3.6.1.2.1.1.1.0';
function read(host) {
  return new Promise((resolve) => {
    const session = snmp.createSession(host, community, { port, version: snmp.Version2c, timeout: 2000, retries: 1 });
    session.get([SYS_DESCR], (err, varbinds) => {
      session.close();
      resolve(err ? undefined : String(varbinds[0]?.value));
    });
  });
}

async function postWithAxios(body) {
  const { default: axios } = await import('axios');
  await axios.post(url, body, { httpsAgent, validateStatus: () => true });
}

function postWithHttps(body) {
  return new Promise((resolve) => {
    const req = https.request(url, { method: 'POST', agent: httpsAgent, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', resolve);
    req.end(body);
  });
}

async function tick() {
  const answers = await Promise.all(hosts.map(async (h) => [h, await read(h)]));
  const at = new Date().toISOString();
  for (const [host, descr] of answers) if (descr !== undefined) insert.run(host, JSON.stringify({ host, descr, at }));
  const body = JSON.stringify({ at, answered: answers.filter(([, d]) => d !== undefined).length });
  await (mode === 'chosen' ? postWithAxios(body) : postWithHttps(body));
}

const run = () => void tick().catch((err) => console.error(`floor-agent: ${err instanceof Error ? err.message : String(err)}`));
if (mode === 'chosen') {
  const { default: cron } = await import('node-cron');
  cron.schedule(env('FLOOR_SCHEDULE'), run);
} else if (mode === 'builtins') {
  setInterval(run, 60_000);
} else {
  throw new Error(`floor-agent: FLOOR_MODE must be chosen or builtins, not ${mode}`);
}
run();
