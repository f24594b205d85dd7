/**
 * `meterbox doctor`: checks what an installer can get wrong, each with pass / warn / fail and a
 * one-line remedy: the config and its permissions, the database and free disk, the clock, the
 * way to the provider (DNS, TCP, proxy, TLS, token via a real heartbeat) and SNMP on a sample of
 * each target. Bounded to well under 30 s; exits 1 when anything fails.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command } from 'commander';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { isMeterboxError } from '../contract/errors.js';
import { loadConfig, type ResolvedConfig } from '../config/load.js';
import { DEFAULT_CONFIG_PATH } from '../config/schema.js';
import { probeHost } from '../discovery/probe.js';
import { TokenBucket } from '../discovery/rate.js';
import { expandTargets, interleave } from '../net/targets.js';
import { probeOids } from '../profiles/match.js';
import { PROFILES } from '../profiles/index.js';
import { connectionOptions, heartbeatCheck, type HeartbeatCheck } from '../daemon/delivery.js';
import { diskVerdict, measureOutboxDisk } from '../store/disk.js';
import { walDamage } from '../store/damaged-file.js';
import { EXIT } from './exit-codes.js';

export type Verdict = 'pass' | 'warn' | 'fail';
export interface Check {
  name: string;
  verdict: Verdict;
  detail: string;
  remedy?: string;
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`${what}: no answer within ${ms} ms`)), ms).unref())]);

function tcpConnect(host: string, port: number, ms: number): Promise<number> {
  const started = Date.now();
  return withTimeout(
    new Promise<number>((resolve, reject) => {
      const s = net.connect({ host, port }, () => {
        s.destroy();
        resolve(Date.now() - started);
      });
      s.once('error', (e) => {
        s.destroy();
        reject(e);
      });
    }),
    ms,
    `TCP ${host}:${port}`,
  );
}

/** The doctor's own heartbeat (version "doctor", no outbox); `meterbox run` passes its own instead (runDoctor's `heartbeat`). */
async function doctorHeartbeat(cfg: ResolvedConfig): Promise<HeartbeatCheck> {
  const mod = await import('../upload/index.js');
  const hb = new mod.Heartbeat({ ...connectionOptions(cfg, pino({ level: 'silent' })), timeoutMs: 10_000 });
  return heartbeatCheck(await hb.sendOnce({ version: 'doctor', uptimeSeconds: Math.round(process.uptime()), deviceCount: 0, extra: { doctor: true } }));
}

async function providerChecks(cfg: ResolvedConfig, heartbeat: () => Promise<HeartbeatCheck>): Promise<Check[]> {
  const out: Check[] = [];
  const url = new URL(cfg.provider.url);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 443);
  if (net.isIP(host) === 0) {
    try {
      const a = await withTimeout(lookup(host), 5000, `DNS ${host}`);
      out.push({ name: 'provider DNS', verdict: 'pass', detail: `${host} → ${a.address}` });
    } catch (err) {
      out.push({ name: 'provider DNS', verdict: 'fail', detail: `${host}: ${(err as Error).message}`, remedy: 'check /etc/resolv.conf and the DNS server the box gets from DHCP, or the provider URL' });
      return out;
    }
  }
  // The proxy the heartbeat and the uploader will use: provider.proxy, else HTTPS_PROXY unless NO_PROXY matches (proxy-from-env).
  const { resolveProxy } = await import('../upload/transport.js');
  let proxy: ReturnType<typeof resolveProxy>;
  try {
    const conn = connectionOptions(cfg, pino({ level: 'silent' }));
    proxy = resolveProxy(conn.url, conn.proxy);
  } catch (err) {
    out.push({ name: 'proxy', verdict: 'fail', detail: (err as Error).message, remedy: 'fix provider.proxy (or HTTPS_PROXY): an http:// or https:// URL' });
    return out;
  }
  if (proxy) {
    const p = proxy.url;
    try {
      const ms = await tcpConnect(p.hostname, Number(p.port || (p.protocol === 'https:' ? 443 : 80)), 5000);
      out.push({ name: 'proxy', verdict: 'pass', detail: `${p.hostname}:${p.port} reachable (${ms} ms); TLS and token are checked through it by the heartbeat` });
    } catch (err) {
      out.push({ name: 'proxy', verdict: 'fail', detail: `${p.hostname}:${p.port}: ${(err as Error).message}`, remedy: 'check provider.proxy (or HTTPS_PROXY) and that the proxy allows this box' });
    }
  } else {
    try {
      const ms = await tcpConnect(host, port, 5000);
      out.push({ name: `provider TCP ${port}`, verdict: 'pass', detail: `${host}:${port} connected in ${ms} ms` });
    } catch (err) {
      out.push({ name: `provider TCP ${port}`, verdict: 'fail', detail: `${host}:${port}: ${(err as Error).message}`, remedy: `allow outbound TCP ${port} to ${host} in the firewall, or configure provider.proxy` });
      return out;
    }
    try {
      const ca = cfg.provider.caFile ? [...tls.rootCertificates, readFileSync(cfg.provider.caFile, 'utf8')] : undefined;
      const cert = await withTimeout(
        new Promise<tls.PeerCertificate>((resolve, reject) => {
          const s = tls.connect({
            host,
            port,
            servername: net.isIP(host) ? undefined : host,
            minVersion: 'TLSv1.2',
            ...(ca ? { ca } : {}),
            ...(cfg.provider.clientCert && cfg.provider.clientKey ? { cert: readFileSync(cfg.provider.clientCert), key: readFileSync(cfg.provider.clientKey) } : {}),
          }, () => {
            const c = s.getPeerCertificate();
            s.destroy();
            resolve(c);
          });
          s.once('error', (e) => {
            s.destroy();
            reject(e);
          });
        }),
        8000,
        'TLS handshake',
      );
      const days = Math.floor((Date.parse(cert.valid_to) - Date.now()) / 86_400_000);
      out.push({
        name: 'provider TLS',
        verdict: days < 14 ? 'warn' : 'pass',
        detail: `certificate for ${cert.subject?.CN ?? host}, issued by ${cert.issuer?.CN ?? cert.issuer?.O ?? '?'}, expires in ${days} days`,
        ...(days < 14 ? { remedy: 'ask the provider to renew its certificate' } : {}),
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      out.push({ name: 'provider TLS', verdict: 'fail', detail: `${(err as Error).message}${code ? ` (${code})` : ''}`, remedy: /CERT|SELF_SIGNED|ISSUER/.test(code) ? 'set provider.caFile to the CA that signed the provider (or the TLS-inspecting proxy) certificate' : 'check the provider URL and that nothing intercepts TLS' });
      return out;
    }
  }
  try {
    const r = await withTimeout(heartbeat(), 12_000, 'heartbeat');
    if (r.ok) {
      out.push({ name: 'provider token', verdict: 'pass', detail: `heartbeat accepted (HTTP ${r.status ?? 200})` });
      if (r.clockSkewMs !== undefined) {
        const skew = Math.abs(r.clockSkewMs) / 1000;
        out.push({ name: 'clock vs provider', verdict: skew > 300 ? 'fail' : skew > 30 ? 'warn' : 'pass', detail: `differs by ${skew.toFixed(1)} s`, ...(skew > 30 ? { remedy: 'enable NTP (timedatectl set-ntp true) and allow UDP 123 outbound' } : {}) });
      }
    } else {
      const auth = r.status === 401 || r.status === 403;
      out.push({ name: 'provider token', verdict: 'fail', detail: r.error ?? `HTTP ${r.status ?? '?'}`, remedy: auth || r.error?.includes('[MBX_UPLOAD_AUTH]') ? 'the token was refused: paste the agent token from the provider portal into provider.token' : 'see the detail; meterbox run retries by itself' });
    }
  } catch (err) {
    // A MeterboxError here is the upload settings refused before sending (MBX_UPLOAD_CONFIG, MBX_TLS_CLIENT_CERT); anything else is the time bound.
    if (isMeterboxError(err)) out.push({ name: 'provider token', verdict: 'fail', detail: `not checked: ${err.message} [${err.code}]`, remedy: 'fix the provider setting named in the detail (token file, caFile, clientCert, clientKey, proxy)' });
    else out.push({ name: 'provider token', verdict: 'warn', detail: `not checked: ${(err as Error).message}`, remedy: 'the provider did not answer the heartbeat in time; meterbox run retries by itself' });
  }
  return out;
}

function storageChecks(cfg: ResolvedConfig): Check[] {
  const out: Check[] = [];
  const path = cfg.config.storage.path;
  if (!existsSync(path)) {
    let dir = dirname(path);
    while (!existsSync(dir)) dir = dirname(dir);
    try {
      accessSync(dir, constants.W_OK);
      out.push({ name: 'database', verdict: 'warn', detail: `${path} does not exist yet; meterbox run creates it`, remedy: 'start the service (systemctl start meterbox)' });
    } catch {
      out.push({ name: 'database', verdict: 'fail', detail: `${path} does not exist and ${dir} is not writable`, remedy: `create the state directory for the meterbox user (install.sh does: install -d -o meterbox ${dirname(path)})` });
    }
  } else {
    try {
      const db = new Database(path, { readonly: true, fileMustExist: true });
      try {
        db.pragma('busy_timeout = 3000');
        const check = walDamage(path) ?? (db.pragma('quick_check', { simple: true }) as string) ?? '?';
        const version = (db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get() as string | undefined) ?? '?';
        const pending = db.prepare("SELECT COUNT(*) FROM readings WHERE state = 'pending'").pluck().get() as number;
        out.push(
          check === 'ok'
            ? { name: 'database', verdict: 'pass', detail: `${path}: integrity ok, schema ${version}, ${pending} reading(s) pending` }
            : { name: 'database', verdict: 'fail', detail: `${path}: integrity check says ${check}`, remedy: 'restart meterbox: it moves a damaged database aside and salvages every readable reading into a fresh one (meterbox status shows what is readable)' },
        );
      } finally {
        db.close();
      }
      accessSync(path, constants.W_OK);
    } catch (err) {
      out.push({ name: 'database', verdict: 'fail', detail: `${path}: ${(err as Error).message}`, remedy: `check the owner and mode of ${path} (meterbox:meterbox 0600)` });
    }
  }
  try {
    const d = measureOutboxDisk(path, cfg.config.storage.maxBytes);
    const v = diskVerdict(d.freeBytes, d.need, d.dir);
    const verdict: Verdict = v.verdict === 'critical' ? 'fail' : v.verdict === 'low' ? 'warn' : 'pass';
    out.push({ name: 'free disk', verdict, detail: v.message, ...(v.remedy ? { remedy: v.remedy } : {}) });
  } catch (err) {
    out.push({ name: 'free disk', verdict: 'warn', detail: (err as Error).message });
  }
  return out;
}

function clockCheck(): Check {
  const y = new Date().getUTCFullYear();
  if (y < 2025 || y > 2100) return { name: 'clock', verdict: 'fail', detail: `the system clock says ${new Date().toISOString()}`, remedy: 'set the time and enable NTP (timedatectl set-ntp true); a box without RTC boots in 1970' };
  return { name: 'clock', verdict: 'pass', detail: `${new Date().toISOString()} (compared with the provider below when the heartbeat works)` };
}

async function snmpChecks(cfg: ResolvedConfig, perTarget: number): Promise<Check[]> {
  const specs = cfg.targets;
  if (specs.length === 0) return [{ name: 'SNMP', verdict: 'warn', detail: 'no targets configured: discovery has nothing to sweep', remedy: 'add targets (CIDR blocks or ranges of the printer VLANs)' }];
  const s = cfg.config.snmp;
  const creds = cfg.credentials.map((c) => ({ name: c.name, credentials: c.credentials }));
  const oids = probeOids(PROFILES);
  const bucket = new TokenBucket(200);
  const targets = await expandTargets(specs, cfg.config.exclude, { force: true });
  return Promise.all(
    targets.map(async (t) => {
      const sample: string[] = [];
      for (const a of interleave([t])) {
        sample.push(a.host);
        if (sample.length >= perTarget) break;
      }
      const results = await Promise.all(sample.map((h) => probeHost(h, creds, { port: s.port, timeoutMs: Math.min(s.timeoutMs, 1500), retries: 0, oids, bucket })));
      const answered = results.filter((r) => r.kind === 'answered');
      const failed = results.filter((r) => r.kind === 'failed');
      const name = `SNMP ${t.label ?? t.spec.target}`;
      if (answered.length > 0) return { name, verdict: 'pass' as const, detail: `${answered.length} of ${sample.length} sampled address(es) answered (${[...new Set(answered.map((r) => (r.kind === 'answered' ? r.credential.name : '')))].join(', ')})` };
      if (failed.length > 0) return { name, verdict: 'fail' as const, detail: `${failed.length} address(es) answered but refused every credential set`, remedy: 'check the v3 user and keys in credentials' };
      return { name, verdict: 'warn' as const, detail: `none of ${sample.length} sampled address(es) answered`, remedy: 'normal for unused addresses; otherwise check the community / v3 user, the printer’s SNMP setting and UDP 161 on the VLAN' };
    }),
  );
}

/**
 * `heartbeat`: how to check the token and the clock against the provider; by default the doctor
 * sends a heartbeat of its own, and `meterbox run` (the status page's "test communication") runs
 * its heartbeat job instead, so the provider never sees a stray "doctor" heartbeat from a running box.
 */
export async function runDoctor(file: string, opts: { sample?: number; heartbeat?: () => Promise<HeartbeatCheck> } = {}): Promise<Check[]> {
  const checks: Check[] = [];
  let cfg: ResolvedConfig;
  try {
    cfg = loadConfig(file);
  } catch (err) {
    checks.push({ name: 'config', verdict: 'fail', detail: isMeterboxError(err) ? err.message : String(err), remedy: `fix the file, then: meterbox config check ${file}` });
    checks.push(clockCheck());
    return checks;
  }
  checks.push({ name: 'config', verdict: 'pass', detail: `${file} is valid (agent ${cfg.config.agentId})` });
  for (const w of cfg.warnings) checks.push({ name: 'config permissions', verdict: 'warn', detail: w.replace(/: chmod.*$/, ''), remedy: w.replace(/^.*: (chmod.*)$/, '$1') });
  if (cfg.warnings.length === 0) checks.push({ name: 'config permissions', verdict: 'pass', detail: 'config and secret files are not readable by others' });
  checks.push(...storageChecks(cfg));
  checks.push(clockCheck());
  const [prov, snmp] = await Promise.all([
    withTimeout(providerChecks(cfg, opts.heartbeat ?? (() => doctorHeartbeat(cfg))), 25_000, 'provider checks').catch((err: Error) => [{ name: 'provider', verdict: 'fail' as const, detail: err.message }]),
    withTimeout(snmpChecks(cfg, opts.sample ?? 4), 20_000, 'SNMP checks').catch((err: Error) => [{ name: 'SNMP', verdict: 'fail' as const, detail: err.message }]),
  ]);
  checks.push(...prov, ...snmp);
  return checks;
}

function formatChecks(checks: readonly Check[]): string {
  const mark: Record<Verdict, string> = { pass: 'pass', warn: 'WARN', fail: 'FAIL' };
  return checks.map((c) => `${mark[c.verdict]}  ${c.name}: ${c.detail}${c.remedy && c.verdict !== 'pass' ? `\n      → ${c.remedy}` : ''}`).join('\n');
}

export function doctorCommand(): Command {
  return new Command('doctor')
    .description('check config, database, disk, clock, the way to the provider and SNMP; pass / warn / fail with remedies')
    .option('-c, --config <file>', 'configuration file', process.env.METERBOX_CONFIG ?? DEFAULT_CONFIG_PATH)
    .option('--sample <n>', 'addresses probed per target', '4')
    .option('--json', 'print the checks as JSON')
    .action(async (f: { config: string; sample: string; json?: boolean }) => {
      const started = Date.now();
      const checks = await runDoctor(f.config, { sample: Math.max(1, Number(f.sample) || 4) });
      const fails = checks.filter((c) => c.verdict === 'fail').length;
      const warns = checks.filter((c) => c.verdict === 'warn').length;
      if (f.json) process.stdout.write(JSON.stringify({ checks, fails, warns, ms: Date.now() - started }, null, 2) + '\n');
      else process.stdout.write(`${formatChecks(checks)}\n\n${fails} failed, ${warns} warning(s), ${checks.length - fails - warns} passed in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      if (fails > 0) process.exitCode = EXIT.failure;
    });
}
