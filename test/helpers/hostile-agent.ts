/**
 * A hostile SNMP agent for tests: a plain UDP socket that answers v1/v2c GET, GETNEXT and
 * GETBULK from a fixed table of values, encoded with asn1-ber (net-snmp's own BER library), and
 * that can be told to go back or in a circle on GETNEXT. Real agents (net-snmp's, snmpd) always
 * answer in order and refuse impossible values, so they cannot play a broken printer.
 */
import { BerReader, BerWriter } from 'asn1-ber';
import dgram from 'node:dgram';
import { compareOids } from '../../src/snmp/oid.js';

export type HostileValue =
  | { type: 'integer'; value: number }
  | { type: 'counter32'; value: number }
  | { type: 'counter64'; value: bigint }
  | { type: 'octets'; value: Buffer }
  | { type: 'oid'; value: string };

const TAG = { integer: 0x02, octets: 0x04, oid: 0x06, counter32: 0x41, counter64: 0x46 } as const;
const PDU = { get: 0xa0, getNext: 0xa1, response: 0xa2, getBulk: 0xa5 } as const;
/** The largest UDP payload over IPv4. */
const MAX_DATAGRAM = 65_507;

export interface HostileAgent {
  host: string;
  port: number;
  /** Requests answered so far. */
  requests: () => number;
  close(): Promise<void>;
}

function writeValue(w: BerWriter, v: HostileValue | 'noSuchObject' | 'endOfMibView'): void {
  if (v === 'noSuchObject' || v === 'endOfMibView') {
    w.writeByte(v === 'noSuchObject' ? 0x80 : 0x82);
    w.writeByte(0);
    return;
  }
  switch (v.type) {
    case 'integer':
    case 'counter32':
      w.writeInt(v.value, TAG[v.type]);
      return;
    case 'counter64': {
      const hex = v.value.toString(16);
      // Unsigned BER: a leading zero byte when the top bit is set.
      const bytes = Buffer.from((hex.length % 2 ? '0' : '') + hex, 'hex');
      w.writeBuffer((bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes, TAG.counter64);
      return;
    }
    case 'octets':
      w.writeBuffer(v.value, TAG.octets);
      return;
    case 'oid':
      w.writeOID(v.value, TAG.oid);
  }
}

/**
 * Serves `mib` on `host:port`. `nextOf` overrides GETNEXT for some OIDs (to go back or loop);
 * everything else answers in OID order.
 */
export async function startHostileAgent(host: string, port: number, mib: ReadonlyMap<string, HostileValue>, nextOf: ReadonlyMap<string, string> = new Map()): Promise<HostileAgent> {
  const oids = [...mib.keys()].sort(compareOids);
  const next = (oid: string): [string, HostileValue | 'endOfMibView'] => {
    const forced = nextOf.get(oid);
    if (forced !== undefined) return [forced, mib.get(forced) ?? 'endOfMibView'];
    const n = oids.find((o) => compareOids(o, oid) > 0);
    return n === undefined ? [oid, 'endOfMibView'] : [n, mib.get(n) as HostileValue];
  };
  const socket = dgram.createSocket('udp4');
  let requests = 0;
  socket.on('message', (msg, rinfo) => {
    try {
      const r = new BerReader(msg);
      r.readSequence();
      const version = r.readInt();
      const community = r.readString(TAG.octets, true) as Buffer;
      const type = r.readSequence() as number;
      const reqId = r.readInt();
      const a = r.readInt();
      const b = r.readInt();
      r.readSequence();
      const asked: string[] = [];
      while (r.peek() === 0x30) {
        r.readSequence();
        asked.push(r.readOID());
        r.readByte(); // NULL
        r.readByte();
      }
      let answer: [string, HostileValue | 'noSuchObject' | 'endOfMibView'][] = [];
      if (type === PDU.get) answer = asked.map((o) => [o, mib.get(o) ?? 'noSuchObject']);
      else if (type === PDU.getNext) answer = asked.map((o) => next(o));
      else if (type === PDU.getBulk) {
        answer = asked.slice(0, a).map((o) => next(o));
        const cursors = asked.slice(a);
        for (let rep = 0; rep < Math.min(b, 20); rep++) {
          for (let i = 0; i < cursors.length; i++) {
            const hit = next(cursors[i] as string);
            answer.push(hit);
            cursors[i] = hit[0];
          }
        }
      } else return;
      requests++;
      const encode = (vbs: typeof answer, errorStatus = 0): Buffer => {
        const w = new BerWriter({ size: 70_000 });
        w.startSequence();
        w.writeInt(version);
        w.writeBuffer(community, TAG.octets);
        w.startSequence(PDU.response);
        w.writeInt(reqId);
        w.writeInt(errorStatus);
        w.writeInt(0);
        w.startSequence();
        for (const [oid, v] of vbs) {
          w.startSequence();
          w.writeOID(oid, TAG.oid);
          writeValue(w, v);
          w.endSequence();
        }
        w.endSequence();
        w.endSequence();
        w.endSequence();
        return w.buffer;
      };
      // What fits in one datagram, as RFC 3416 asks: GETBULK drops varbinds from the end, the others say tooBig.
      let out = encode(answer);
      while (out.length > MAX_DATAGRAM && type === PDU.getBulk && answer.length > 1) out = encode((answer = answer.slice(0, Math.ceil(answer.length / 2))));
      if (out.length > MAX_DATAGRAM) out = encode([], 1);
      socket.send(out, rinfo.port, rinfo.address);
    } catch {
      // a request we cannot parse gets no answer, as from a real agent
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => resolve());
  });
  return {
    host,
    port: (socket.address() as { port: number }).port,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
