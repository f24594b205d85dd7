/**
 * The SNMP client: one session to one device, on net-snmp.
 * Owns: get (batched, split on tooBig), GETBULK and GETNEXT subtree walks, typed errors,
 * request counting. Knows nothing about printers; the read plan (profiles/plan.ts) decides what to read.
 */
import snmp from 'net-snmp';
import { MeterboxError } from '../contract/errors.js';
import type { SnmpCredentials } from './credentials.js';
import { isUnder, compareOids } from './oid.js';
import { fromNetSnmp, toNetSnmpUser } from './convert.js';
import type { SnmpValue, Varbind } from './values.js';

export interface SnmpTarget {
  host: string;
  port?: number;
  credentials: SnmpCredentials;
  /** Per request, in milliseconds. */
  timeoutMs?: number;
  retries?: number;
  /** GETBULK max-repetitions per repeater. */
  maxRepetitions?: number;
  /** false: walk with GETNEXT only (devices whose GETBULK is broken). */
  bulk?: boolean;
  /** Upper bound of OIDs in one GET PDU before the device has even said tooBig. */
  maxOidsPerGet?: number;
}

export interface SnmpStats {
  requests: number;
  timeouts: number;
  bulkFallbacks: number;
  /** Objects that could not be read and were left out, with why. */
  skipped: { oid: string; code: string }[];
  /** Walks that stopped because the agent went back or in a circle, or would not end. */
  brokenWalks: BrokenWalk[];
}

/** A walk that stopped early: an OID not after the one before it, or the row limit. What came before it is kept. */
export interface BrokenWalk {
  /** The subtree walked. */
  root: string;
  /** The OID the walk stopped at. */
  oid: string;
  reason: string;
}

const MIN_BULK_BUDGET = 10;
/** Rows one subtree walk may return: a printer's largest table has a few hundred; an agent that never ends must not hang the poll. */
const MAX_WALK_ROWS = 10_000;

/** A GETBULK column must climb strictly from its cursor; after endOfMibView nothing real may follow. */
function inOrder(cursor: string, column: readonly RawVarbind[]): boolean {
  let last = cursor;
  let ended = false;
  for (const vb of column) {
    if (snmp.isVarbindError(vb as snmp.Varbind)) {
      ended = true;
      continue;
    }
    if (ended || compareOids(vb.oid, last) <= 0) return false;
    last = vb.oid;
  }
  return true;
}

/** Errors that concern one object rather than the device as a whole. */
function isObjectLevel(err: MeterboxError): boolean {
  return err.code === 'MBX_SNMP_MALFORMED' || err.code === 'MBX_SNMP_ERROR' || err.code === 'MBX_SNMP_NO_SUCH';
}

interface RawVarbind {
  oid: string;
  type: number;
  value: unknown;
}

type NetSnmpSession = ReturnType<typeof snmp.createSession>;


export class SnmpClient {
  readonly host: string;
  readonly port: number;
  readonly stats: SnmpStats = { requests: 0, timeouts: 0, bulkFallbacks: 0, skipped: [], brokenWalks: [] };
  private readonly session: NetSnmpSession;
  private maxRepetitions: number;
  private bulk: boolean;
  private maxOidsPerGet: number;
  private lastGarbageAt = 0;
  /** A well-formed SNMP message has come back from this device (so undecodable replies concern single objects). */
  private answered = false;
  private bulkConfirmed = false;
  /** Upper bound of varbinds we ask one GETBULK response to carry. */
  private bulkBudget = 60;

  constructor(target: SnmpTarget) {
    this.host = target.host;
    this.port = target.port ?? 161;
    this.maxRepetitions = target.maxRepetitions ?? 25;
    this.maxOidsPerGet = target.maxOidsPerGet ?? 48;
    const creds = target.credentials;
    // v1 has no GETBULK at all.
    this.bulk = (target.bulk ?? true) && creds.version !== '1';
    const common = {
      port: this.port,
      retries: target.retries ?? 1,
      timeout: target.timeoutMs ?? 2000,
      backoff: 1,
      transport: target.host.includes(':') ? 'udp6' : 'udp4',
      idBitsSize: 32 as const,
    };
    if (creds.version === '3') {
      this.session = snmp.createV3Session(target.host, toNetSnmpUser(creds), {
        ...common,
        context: creds.context ?? '',
      } as snmp.SessionOptionsV3);
    } else {
      this.session = snmp.createSession(target.host, creds.community, {
        ...common,
        version: creds.version === '1' ? snmp.Version1 : snmp.Version2c,
      } as snmp.SessionOptions);
    }
    // An undecodable datagram is emitted as 'error'; unhandled it would kill the process.
    this.session.on('error', () => {
      this.lastGarbageAt = Date.now();
    });
  }

  /** Apply a profile's quirks once the device is known. */
  configure(q: { bulk?: boolean; maxRepetitions?: number; maxOidsPerGet?: number }): void {
    if (q.bulk === false) this.bulk = false;
    if (q.maxRepetitions) this.maxRepetitions = q.maxRepetitions;
    if (q.maxOidsPerGet) this.maxOidsPerGet = Math.min(this.maxOidsPerGet, q.maxOidsPerGet);
  }

  close(): void {
    try {
      this.session.close();
    } catch {
      // already closed
    }
  }

  /**
   * GET many OIDs in as few PDUs as the device accepts. Missing objects are simply
   * absent from the result (v2c varbind exceptions, or v1 noSuchName).
   */
  async get(oids: readonly string[]): Promise<Map<string, SnmpValue>> {
    const out = new Map<string, SnmpValue>();
    const unique = [...new Set(oids)];
    for (let i = 0; i < unique.length; i += this.maxOidsPerGet) {
      await this.getBatch(unique.slice(i, i + this.maxOidsPerGet), out);
    }
    return out;
  }

  private async getBatch(oids: string[], out: Map<string, SnmpValue>): Promise<void> {
    if (oids.length === 0) return;
    try {
      const vbs = await this.call<RawVarbind[]>('get', oids, (cb) => this.session.get(oids, cb as never));
      for (const vb of vbs) {
        if (snmp.isVarbindError(vb as snmp.Varbind)) continue;
        out.set(vb.oid, fromNetSnmp(vb.type, vb.value, vb.oid));
      }
    } catch (err) {
      if (err instanceof MeterboxError && err.code === 'MBX_SNMP_TOO_BIG' && oids.length > 1) {
        // The device cannot answer this many at once: remember a smaller batch size and split.
        const half = Math.ceil(oids.length / 2);
        this.maxOidsPerGet = Math.min(this.maxOidsPerGet, half);
        await this.getBatch(oids.slice(0, half), out);
        await this.getBatch(oids.slice(half), out);
        return;
      }
      if (err instanceof MeterboxError && err.code === 'MBX_SNMP_NO_SUCH') {
        // SNMPv1: one missing OID fails the whole PDU. Drop it and ask for the rest.
        const bad = err.context.oid;
        const rest = oids.filter((o) => o !== bad);
        if (bad && rest.length < oids.length) {
          await this.getBatch(rest, out);
          return;
        }
        if (oids.length === 1) return;
        for (const oid of oids) await this.getBatch([oid], out);
        return;
      }
      if (err instanceof MeterboxError && isObjectLevel(err)) {
        // A device that has never answered with valid SNMP is broken as a whole: splitting would only add timeouts.
        if (err.code === 'MBX_SNMP_MALFORMED' && !this.answered) throw err;
        // One bad object (a corrupt value, a genErr) must not cost the rest of the read.
        if (oids.length === 1) {
          this.stats.skipped.push({ oid: oids[0] as string, code: err.code });
          return;
        }
        const half = Math.ceil(oids.length / 2);
        await this.getBatch(oids.slice(0, half), out);
        await this.getBatch(oids.slice(half), out);
        return;
      }
      throw err;
    }
  }

  /** All varbinds strictly under `root`, in OID order. */
  async walk(root: string): Promise<Varbind[]> {
    const res = await this.walkMany([root]);
    return res.get(root) ?? [];
  }

  /**
   * Walk several subtrees at once: one GETBULK carries a repeater per unfinished subtree,
   * so tables that sit side by side cost the same round trips as the longest one.
   * Falls back to GETNEXT when the device's GETBULK answers wrongly.
   */
  async walkMany(roots: readonly string[]): Promise<Map<string, Varbind[]>> {
    return this.walkFrom(new Map(roots.map((r) => [r, r])));
  }

  /** Walk each subtree (key) onward from its cursor (value). */
  private async walkFrom(start: ReadonlyMap<string, string>): Promise<Map<string, Varbind[]>> {
    const result = new Map<string, Varbind[]>();
    const cursors = new Map(start);
    for (const r of start.keys()) result.set(r, []);
    while (cursors.size > 0) {
      const active = [...cursors.entries()];
      let columns: RawVarbind[][];
      const viaBulk = this.bulk;
      if (this.bulk) {
        try {
          columns = await this.bulkStep(active.map(([, c]) => c));
          if (columns.every((c) => c.length === 0)) {
            // A GETBULK answer with nothing in it would be asked again forever: walk with GETNEXT.
            this.bulk = false;
            this.stats.bulkFallbacks++;
            continue;
          }
          this.bulkConfirmed = true;
        } catch (err) {
          if (err instanceof MeterboxError && (err.context.bulk || (err.code === 'MBX_SNMP_TIMEOUT' && !this.bulkConfirmed))) {
            // GETBULK answered wrongly, or not at all although the device answers GET: walk with GETNEXT.
            this.bulk = false;
            this.stats.bulkFallbacks++;
            continue;
          }
          throw err;
        }
      } else {
        try {
          columns = await this.nextStep(active.map(([, c]) => c));
        } catch (err) {
          if (!(err instanceof MeterboxError && isObjectLevel(err))) throw err;
          if (active.length > 1) {
            // Find the subtree that breaks and walk the others on their own.
            for (const [root, cursor] of active) {
              const part = await this.walkFrom(new Map([[root, cursor]]));
              result.get(root)?.push(...(part.get(root) ?? []));
              cursors.delete(root);
            }
            continue;
          }
          // A single subtree whose next object cannot be read: keep what we have.
          const [root, cursor] = active[0] as [string, string];
          this.stats.skipped.push({ oid: cursor, code: err.code });
          cursors.delete(root);
          continue;
        }
      }
      active.forEach(([root, cursor], i) => {
        const column = columns[i] ?? [];
        // An agent may answer GETBULK with fewer varbinds than asked, to fit its message size
        // (RFC 3416 §4.2.3): a repeater left without any is not finished, it is asked again.
        if (viaBulk && column.length === 0) return;
        const rows = result.get(root) as Varbind[];
        let last = cursor;
        let done = column.length === 0;
        for (const vb of column) {
          const error = snmp.isVarbindError(vb as snmp.Varbind);
          if (!error && compareOids(vb.oid, last) <= 0) {
            // net-snmp accepts any order; an agent that goes back or in a circle would make us stop short without a word.
            this.stats.brokenWalks.push({ root, oid: vb.oid, reason: `not after ${last}` });
            done = true;
            break;
          }
          if (error || !isUnder(vb.oid, root)) {
            done = true;
            break;
          }
          if (rows.length >= MAX_WALK_ROWS) {
            this.stats.brokenWalks.push({ root, oid: vb.oid, reason: `more than ${MAX_WALK_ROWS} rows` });
            done = true;
            break;
          }
          rows.push({ oid: vb.oid, value: fromNetSnmp(vb.type, vb.value, vb.oid) });
          last = vb.oid;
        }
        if (done) cursors.delete(root);
        else cursors.set(root, last);
      });
    }
    return result;
  }

  private async bulkStep(cursors: string[]): Promise<RawVarbind[][]> {
    if (cursors.length > this.bulkBudget) return this.inHalves(cursors, (part) => this.bulkStep(part));
    // Many agents cap a response at ~64 varbinds and some drop larger ones silently.
    const reps = Math.max(1, Math.min(this.maxRepetitions, Math.floor(this.bulkBudget / cursors.length)));
    let columns: RawVarbind[][];
    try {
      columns = await this.call<RawVarbind[][]>('getBulk', cursors, (cb) => this.session.getBulk(cursors, 0, reps, cb as never));
    } catch (err) {
      if (err instanceof MeterboxError && (err.code === 'MBX_SNMP_MALFORMED' || err.code === 'MBX_SNMP_ERROR')) {
        throw new MeterboxError('MBX_SNMP_MALFORMED', err.message, { ...err.context, bulk: true }, { cause: err });
      }
      if (err instanceof MeterboxError && (err.code === 'MBX_SNMP_TOO_BIG' || (err.code === 'MBX_SNMP_TIMEOUT' && !this.bulkConfirmed)) && this.bulkBudget > MIN_BULK_BUDGET) {
        // Too big, or dropped without a word: ask for less and try once more before giving up on GETBULK.
        this.bulkBudget = MIN_BULK_BUDGET;
        return this.bulkStep(cursors);
      }
      throw err;
    }
    // net-snmp accepts OIDs that go backwards; a walk would then silently stop short. Treat it as broken GETBULK.
    const bad = cursors.findIndex((c, i) => !inOrder(c, columns[i] ?? []));
    if (bad >= 0) {
      throw new MeterboxError('MBX_SNMP_MALFORMED', `${this.host}: GETBULK answered out of order after ${cursors[bad]}`, {
        host: this.host,
        port: this.port,
        op: 'getBulk',
        oid: cursors[bad],
        bulk: true,
      });
    }
    return columns;
  }

  private async nextStep(cursors: string[]): Promise<RawVarbind[][]> {
    if (cursors.length > this.maxOidsPerGet) return this.inHalves(cursors, (part) => this.nextStep(part));
    try {
      const vbs = await this.call<RawVarbind[]>('getNext', cursors, (cb) => this.session.getNext(cursors, cb as never));
      return vbs.map((vb) => [vb]);
    } catch (err) {
      // SNMPv1 reports the end of the MIB as noSuchName on the varbind that ran off it.
      if (err instanceof MeterboxError && err.code === 'MBX_SNMP_NO_SUCH') {
        if (cursors.length === 1) return [[]];
        const cols: RawVarbind[][] = [];
        for (const c of cursors) cols.push(...(await this.nextStep([c])));
        return cols;
      }
      if (err instanceof MeterboxError && err.code === 'MBX_SNMP_TOO_BIG' && cursors.length > 1) {
        this.maxOidsPerGet = Math.min(this.maxOidsPerGet, Math.ceil(cursors.length / 2));
        return this.inHalves(cursors, (part) => this.nextStep(part));
      }
      throw err;
    }
  }

  private async inHalves<T>(items: string[], fn: (part: string[]) => Promise<T[]>): Promise<T[]> {
    const half = Math.ceil(items.length / 2);
    return [...(await fn(items.slice(0, half))), ...(await fn(items.slice(half)))];
  }

  private call<T>(op: string, oids: readonly string[], fn: (cb: (err: Error | null, res: T) => void) => void): Promise<T> {
    this.stats.requests++;
    const started = Date.now();
    return new Promise<T>((resolve, reject) => {
      try {
        fn((err, res) => {
          if (err) {
            const mapped = this.mapError(err, op, oids, started);
            if (mapped.code !== 'MBX_SNMP_TIMEOUT' && mapped.code !== 'MBX_SNMP_MALFORMED' && mapped.code !== 'MBX_USAGE') this.answered = true;
            reject(mapped);
          } else {
            this.answered = true;
            resolve(res);
          }
        });
      } catch (err) {
        reject(this.mapError(err as Error, op, oids, started));
      }
    });
  }

  private mapError(err: Error, op: string, oids: readonly string[], started: number): MeterboxError {
    const where = { host: this.host, port: this.port, op, oid: oids[0] };
    const name = err.name;
    const anyErr = err as Error & { code?: number; status?: number };
    if (name === 'RequestTimedOutError') {
      this.stats.timeouts++;
      if (this.lastGarbageAt >= started) {
        return new MeterboxError(
          'MBX_SNMP_MALFORMED',
          `${this.host}: the device answered with data that is not valid SNMP; check the device firmware or what else listens on UDP ${this.port}`,
          where,
          { cause: err },
        );
      }
      return new MeterboxError(
        'MBX_SNMP_TIMEOUT',
        `${this.host}:${this.port}: no SNMP answer; check the address, that SNMP is enabled on the device, the community or v3 credentials, and that UDP ${this.port} is not blocked`,
        where,
        { cause: err },
      );
    }
    if (name === 'ResponseInvalidError') {
      if (anyErr.code === snmp.ResponseInvalidCode.EAuthFailure || anyErr.code === snmp.ResponseInvalidCode.ECouldNotDecrypt) {
        return new MeterboxError(
          'MBX_SNMP_AUTH',
          `${this.host}: SNMPv3 authentication failed (${err.message}); check the v3 user name, auth protocol and key, privacy protocol and key`,
          where,
          { cause: err },
        );
      }
      return new MeterboxError('MBX_SNMP_MALFORMED', `${this.host}: invalid SNMP response to ${op}: ${err.message}`, where, {
        cause: err,
      });
    }
    if (name === 'RequestFailedError') {
      const status = anyErr.status;
      if (status === snmp.ErrorStatus.TooBig) {
        return new MeterboxError('MBX_SNMP_TOO_BIG', `${this.host}: response too big for ${oids.length} OIDs`, where, { cause: err });
      }
      if (status === snmp.ErrorStatus.NoSuchName) {
        const m = /:\s*([\d.]+)\s*$/.exec(err.message);
        return new MeterboxError('MBX_SNMP_NO_SUCH', `${this.host}: no such object ${m?.[1] ?? ''}`.trim(), {
          ...where,
          oid: m?.[1],
        });
      }
      if (status === snmp.ErrorStatus.AuthorizationError) {
        return new MeterboxError('MBX_SNMP_AUTH', `${this.host}: the device refused access (authorizationError); check the credentials and the device's SNMP access list`, where);
      }
      return new MeterboxError('MBX_SNMP_ERROR', `${this.host}: device answered ${op} with error ${err.message}`, where, { cause: err });
    }
    if ((err as NodeJS.ErrnoException).code === 'ERR_OSSL_EVP_UNSUPPORTED') {
      // OpenSSL 3 moved DES (and other old ciphers) to its legacy provider, which Node does not load by default.
      return new MeterboxError(
        'MBX_USAGE',
        `${this.host}: this Node.js cannot use the SNMPv3 privacy protocol (${err.message}); DES needs Node started with --openssl-legacy-provider (e.g. NODE_OPTIONS=--openssl-legacy-provider), or switch the device and --v3-priv-proto to aes`,
        where,
        { cause: err },
      );
    }
    if (name === 'RequestInvalidError' || err instanceof TypeError) {
      return new MeterboxError('MBX_SNMP_ERROR', `${this.host}: could not send ${op}: ${err.message}`, where, { cause: err });
    }
    const sys = err as NodeJS.ErrnoException;
    if (sys.code === 'ENOTFOUND' || sys.code === 'EAI_AGAIN' || sys.code === 'EHOSTUNREACH' || sys.code === 'ENETUNREACH') {
      return new MeterboxError('MBX_SNMP_TIMEOUT', `${this.host}: unreachable (${sys.code}); check the host name or address and the route to it`, where, { cause: err });
    }
    return new MeterboxError('MBX_SNMP_ERROR', `${this.host}: ${op} failed: ${err.message}`, where, { cause: err });
  }
}
