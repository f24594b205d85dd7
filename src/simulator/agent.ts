/**
 * One simulated printer: a real UDP SNMP agent (net-snmp's, so v1/v2c/v3 with USM are real)
 * whose GET / GETNEXT / GETBULK answers come from a MibData, with fault knobs for tests.
 * Owns: request handling and faults. Does not know about profiles or readings.
 */
import snmp from 'net-snmp';
import type { Socket, RemoteInfo } from 'node:dgram';
import { MeterboxError } from '../contract/errors.js';
import type { V3Credentials } from '../snmp/credentials.js';
import { toNetSnmp, toNetSnmpUser } from '../snmp/convert.js';
import type { MibData } from './mib-data.js';

export interface Faults {
  /** Added before every answer, in milliseconds. */
  latencyMs?: number;
  /** Fraction of requests (0..1) that get no answer at all. */
  dropRate?: number;
  /** How the device mishandles GETBULK: no answer, genErr, or OIDs out of order. */
  bulk?: 'ok' | 'silent' | 'genErr' | 'out-of-order';
  /** Answer every request with bytes that are not SNMP. */
  malformed?: boolean;
  /** GETs and GETNEXTs with more OIDs than this are answered with tooBig, as small-buffer agents do. */
  maxGetOids?: number;
  /** Source of randomness for dropRate (default Math.random); tests pass a seeded one to stay deterministic. */
  random?: () => number;
}

export interface AgentAuth {
  /** v1/v2c communities this device answers; any other is met with silence, like real devices. */
  communities: string[];
  users?: V3Credentials[];
}

export interface AgentOptions {
  address: string;
  port: number;
  data: MibData;
  auth: AgentAuth;
  faults?: Faults;
  /** Called before each request is answered, so synthetic devices can advance their counters. */
  beforeRequest?: () => void;
}

export interface RunningAgent {
  address: string;
  port: number;
  requests: number;
  faults: Faults;
  close(): Promise<void>;
}

/** The parts of net-snmp's agent internals we hook; its public typings do not describe them. */
interface RequestVarbind {
  oid: string;
  type?: number;
  value?: unknown;
}
interface RequestPdu {
  type: number;
  varbinds: RequestVarbind[];
  nonRepeaters?: number;
  maxRepetitions?: number;
  errorStatus?: number;
  errorIndex?: number;
  getResponsePduForRequest(): RequestPdu;
}
interface RequestMessage {
  version: number;
  pdu: RequestPdu;
}
type Handler = (socket: Socket, message: RequestMessage, rinfo: RemoteInfo) => void;
interface AgentInternals {
  getRequest: Handler;
  getNextRequest: Handler;
  getBulkRequest: Handler;
  setRequest: Handler;
  onProxyRequest: Handler;
  sendResponse(socket: Socket, rinfo: RemoteInfo, message: RequestMessage, pdu: RequestPdu): void;
  listener: { sockets: Record<string, Socket> };
  getAuthorizer(): { addCommunity(c: string): void; addUser(u: unknown): void };
  close(cb?: () => void): void;
}

const MAX_RESPONSE_VARBINDS = 200;


export function startAgent(opts: AgentOptions): Promise<RunningAgent> {
  const faults: Faults = { ...(opts.faults ?? {}) };
  return new Promise((resolve, reject) => {
    let settled = false;
    const agent = snmp.createAgent(
      { port: opts.port, address: opts.address, disableAuthorization: false } as Parameters<typeof snmp.createAgent>[0],
      (err: Error | null) => {
        if (err && !settled) {
          settled = true;
          const sys = err as NodeJS.ErrnoException;
          reject(
            new MeterboxError(
              'MBX_SIM_BIND',
              `simulator: cannot listen on ${opts.address}:${opts.port} (${sys.code ?? err.message})` +
                (sys.code === 'EACCES' ? '; ports below 1024 need root, use a high port' : ''),
              { host: opts.address, port: opts.port },
            ),
          );
        }
      },
    ) as unknown as AgentInternals;

    const auth = agent.getAuthorizer();
    for (const c of opts.auth.communities) auth.addCommunity(c);
    for (const u of opts.auth.users ?? []) {
      auth.addUser(toNetSnmpUser(u));
    }

    const running: RunningAgent = {
      address: opts.address,
      port: opts.port,
      requests: 0,
      faults,
      close: () => new Promise<void>((res) => agent.close(() => res())),
    };

    const answer = (kind: 'get' | 'next' | 'bulk'): Handler => (socket, message, rinfo) => {
      running.requests++;
      if (faults.dropRate && (faults.random ?? Math.random)() < faults.dropRate) return;
      if (faults.malformed) {
        send(() => socket.send(Buffer.from([0x30, 0x84, 0xff, 0x02, 0x01]), rinfo.port, rinfo.address));
        return;
      }
      opts.beforeRequest?.();
      const pdu = message.pdu;
      const response = pdu.getResponsePduForRequest();
      response.errorStatus = 0;
      response.errorIndex = 0;
      if (kind === 'bulk' && faults.bulk === 'silent') return;
      if (kind === 'bulk' && faults.bulk === 'genErr') {
        response.errorStatus = snmp.ErrorStatus.GeneralError;
        response.errorIndex = 1;
        response.varbinds = pdu.varbinds.map((vb) => ({ oid: vb.oid, type: snmp.ObjectType.Null, value: null }));
      } else if (kind !== 'bulk' && faults.maxGetOids !== undefined && pdu.varbinds.length > faults.maxGetOids) {
        response.errorStatus = snmp.ErrorStatus.TooBig;
        response.varbinds = pdu.varbinds.map((vb) => ({ oid: vb.oid, type: snmp.ObjectType.Null, value: null }));
      } else {
        response.varbinds =
          kind === 'get' ? getVarbinds(opts.data, pdu) : kind === 'next' ? nextVarbinds(opts.data, pdu) : bulkVarbinds(opts.data, pdu, faults);
        if (message.version === snmp.Version1) toV1Errors(pdu, response);
      }
      send(() => agent.sendResponse(socket, rinfo, message, response));
    };

    const send = (fn: () => void): void => {
      if (faults.latencyMs) setTimeout(fn, faults.latencyMs);
      else fn();
    };

    agent.getRequest = answer('get');
    agent.getNextRequest = answer('next');
    agent.getBulkRequest = answer('bulk');
    // A v3 context selects which MIB view to serve; the simulator serves the same objects in every context.
    agent.onProxyRequest = (socket, message, rinfo) => {
      const t = message.pdu.type;
      if (t === snmp.PduType.GetRequest) agent.getRequest(socket, message, rinfo);
      else if (t === snmp.PduType.GetNextRequest) agent.getNextRequest(socket, message, rinfo);
      else if (t === snmp.PduType.GetBulkRequest) agent.getBulkRequest(socket, message, rinfo);
    };
    // Printers are read-only to us; a SET gets noAccess-style silence rather than changing data.
    agent.setRequest = () => undefined;

    const sockets = Object.values(agent.listener.sockets);
    let pending = sockets.length;
    for (const s of sockets) {
      s.once('listening', () => {
        if (--pending === 0 && !settled) {
          settled = true;
          resolve(running);
        }
      });
    }
  });
}

function getVarbinds(data: MibData, pdu: RequestPdu): RequestVarbind[] {
  return pdu.varbinds.map((vb) => {
    const v = data.get(vb.oid);
    if (!v) return { oid: vb.oid, type: snmp.ObjectType.NoSuchObject, value: null };
    return { oid: vb.oid, ...toNetSnmp(v) };
  });
}

function nextOf(data: MibData, oid: string): RequestVarbind {
  const n = data.next(oid);
  if (!n) return { oid, type: snmp.ObjectType.EndOfMibView, value: null };
  return { oid: n.oid, ...toNetSnmp(n.value) };
}

function nextVarbinds(data: MibData, pdu: RequestPdu): RequestVarbind[] {
  return pdu.varbinds.map((vb) => nextOf(data, vb.oid));
}

/** RFC 3416 §4.2.3: non-repeaters once, then up to max-repetitions rows of the repeaters. */
function bulkVarbinds(data: MibData, pdu: RequestPdu, faults: Faults): RequestVarbind[] {
  const nonRep = Math.min(pdu.nonRepeaters ?? 0, pdu.varbinds.length);
  const out: RequestVarbind[] = pdu.varbinds.slice(0, nonRep).map((vb) => nextOf(data, vb.oid));
  const cursors = pdu.varbinds.slice(nonRep).map((vb) => vb.oid);
  const maxRep = Math.max(0, pdu.maxRepetitions ?? 0);
  for (let r = 0; r < maxRep && cursors.length > 0; r++) {
    if (out.length + cursors.length > MAX_RESPONSE_VARBINDS) break;
    let allEnd = true;
    cursors.forEach((c, i) => {
      const vb = nextOf(data, c);
      if (vb.type !== snmp.ObjectType.EndOfMibView) allEnd = false;
      out.push(vb);
      cursors[i] = vb.oid;
    });
    if (allEnd) break;
  }
  if (faults.bulk === 'out-of-order' && out.length > 2) {
    // Broken firmwares answer GETBULK with rows out of order; clients must notice and fall back.
    const [a, b] = [out[out.length - 1] as RequestVarbind, out[0] as RequestVarbind];
    out[0] = a;
    out[out.length - 1] = b;
  }
  return out;
}

/** SNMPv1 has no varbind exceptions: the first missing object fails the PDU with noSuchName. */
function toV1Errors(request: RequestPdu, response: RequestPdu): void {
  const i = response.varbinds.findIndex(
    (vb) => vb.type === snmp.ObjectType.NoSuchObject || vb.type === snmp.ObjectType.NoSuchInstance || vb.type === snmp.ObjectType.EndOfMibView,
  );
  if (i < 0) return;
  response.errorStatus = snmp.ErrorStatus.NoSuchName;
  response.errorIndex = i + 1;
  response.varbinds = request.varbinds.map((vb) => ({ oid: vb.oid, type: snmp.ObjectType.Null, value: null }));
}
