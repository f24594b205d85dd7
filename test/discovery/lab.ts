/**
 * Test lab for discovery: synthetic printers (from the generic fixture, unique serials) and
 * non-printers as real UDP agents on loopback addresses, on a random 4k-aligned 127.x block.
 */
import { join } from 'node:path';
import { DEVICE_FIXTURES } from '../../src/paths.js';
import { startAgent, type RunningAgent } from '../../src/simulator/agent.js';
import { loadSnmprecFile } from '../../src/simulator/fleet.js';
import { MibData } from '../../src/simulator/mib-data.js';
import { makeSynthetic } from '../../src/simulator/synthetic.js';
import type { V3Credentials } from '../../src/snmp/credentials.js';
import type { Varbind } from '../../src/snmp/values.js';

export const TEMPLATE: readonly Varbind[] = loadSnmprecFile(join(DEVICE_FIXTURES, 'generic-color-laser.snmprec'));

/** A random /22 block `127.<20-250>.<4k-aligned>.0`, and the address at an offset inside it. */
export function randomBlock22(): { cidr: string; at: (offset: number) => string } {
  const b = 20 + Math.floor(Math.random() * 231);
  const c = Math.floor(Math.random() * 64) * 4;
  return {
    cidr: `127.${b}.${c}.0/22`,
    at: (offset: number) => `127.${b}.${c + (offset >> 8)}.${offset & 255}`,
  };
}

const octets = (s: string): Varbind['value'] => ({ type: 'octets', value: Buffer.from(s) });

/** A managed switch: answers SNMP, no Printer-MIB, no printer hrDeviceType. */
export const SWITCH: readonly Varbind[] = [
  { oid: '1.3.6.1.2.1.1.1.0', value: octets('Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E4') },
  { oid: '1.3.6.1.2.1.1.2.0', value: { type: 'oid', value: '1.3.6.1.4.1.9.1.1208' } },
  { oid: '1.3.6.1.2.1.1.5.0', value: octets('sw-floor2') },
];

/** A PC: host resources say processor, not printer. */
export const PC: readonly Varbind[] = [
  { oid: '1.3.6.1.2.1.1.1.0', value: octets('Linux office-pc 6.1.0-18-amd64 #1 SMP Debian x86_64') },
  { oid: '1.3.6.1.2.1.1.2.0', value: { type: 'oid', value: '1.3.6.1.4.1.8072.3.2.10' } },
  { oid: '1.3.6.1.2.1.25.3.2.1.2.1', value: { type: 'oid', value: '1.3.6.1.2.1.25.3.1.3' } },
];

export interface LabAgent {
  host: string;
  serial?: string;
  agent: RunningAgent;
}

export async function startPrinter(host: string, port: number, ordinal: number, communities: string[], users: V3Credentials[] = []): Promise<LabAgent> {
  const syn = makeSynthetic(TEMPLATE, { ordinal });
  const agent = await startAgent({ address: host, port, data: syn.data, auth: { communities, users }, beforeRequest: () => syn.advance() });
  return { host, serial: syn.serial, agent };
}

export async function startOther(host: string, port: number, varbinds: readonly Varbind[], communities: string[]): Promise<LabAgent> {
  const agent = await startAgent({ address: host, port, data: new MibData(varbinds), auth: { communities } });
  return { host, agent };
}
