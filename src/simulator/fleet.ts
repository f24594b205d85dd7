/**
 * A fleet of simulated devices, one loopback address each (127.0.0.0/8 only).
 * Port 161 when the process may bind it, otherwise one high port shared by all addresses.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { MeterboxError, isMeterboxError } from '../contract/errors.js';
import { parseSnmprec } from '../snmp/snmprec.js';
import type { Varbind } from '../snmp/values.js';
import { startAgent, type AgentAuth, type Faults, type RunningAgent } from './agent.js';
import { MibData } from './mib-data.js';
import { makeSynthetic } from './synthetic.js';

export interface DeviceSpec {
  name: string;
  varbinds: readonly Varbind[];
  /** Give the device a unique serial and MAC and counters that move. */
  synthetic?: { ordinal: number; pagesPerHour?: number };
  faults?: Faults;
}

export interface FleetOptions {
  auth: AgentAuth;
  /** First address; devices get consecutive addresses from it. Must be inside 127.0.0.0/8. */
  firstAddress?: string;
  /** 161, or a high port; with 'auto', 161 when possible and else `fallbackPort`. */
  port?: number | 'auto';
  fallbackPort?: number;
}

export interface FleetDevice {
  name: string;
  host: string;
  port: number;
  agent: RunningAgent;
  serial?: string;
}

export interface Fleet {
  devices: FleetDevice[];
  port: number;
  close(): Promise<void>;
}

export function loopbackAddress(first: string, offset: number): string {
  const parts = first.split('.').map(Number);
  if (parts.length !== 4 || parts[0] !== 127) {
    throw new MeterboxError('MBX_USAGE', `simulator addresses must be in 127.0.0.0/8, got ${first}`);
  }
  const n = ((parts[1] as number) << 16) + ((parts[2] as number) << 8) + (parts[3] as number) + offset;
  if (n >= 1 << 24) throw new MeterboxError('MBX_USAGE', `too many devices for 127.0.0.0/8 starting at ${first}`);
  return `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

export function loadSnmprecFile(path: string): Varbind[] {
  return parseSnmprec(readFileSync(path, 'utf8'), path).varbinds;
}

export function listSnmprec(dir: string): { name: string; path: string }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.snmprec'))
    .sort()
    .map((f) => ({ name: basename(f, '.snmprec'), path: join(dir, f) }));
}

async function startOn(spec: DeviceSpec, host: string, port: number, auth: AgentAuth): Promise<FleetDevice> {
  if (spec.synthetic) {
    const syn = makeSynthetic(spec.varbinds, spec.synthetic);
    const agent = await startAgent({ address: host, port, data: syn.data, auth, faults: spec.faults, beforeRequest: () => syn.advance() });
    return { name: spec.name, host, port, agent, serial: syn.serial };
  }
  const agent = await startAgent({ address: host, port, data: new MibData(spec.varbinds), auth, faults: spec.faults });
  return { name: spec.name, host, port, agent };
}

export async function startFleet(specs: readonly DeviceSpec[], opts: FleetOptions): Promise<Fleet> {
  const first = opts.firstAddress ?? '127.0.0.2';
  let port = opts.port === 'auto' || opts.port === undefined ? 161 : opts.port;
  const devices: FleetDevice[] = [];
  const close = async () => {
    await Promise.all(devices.map((d) => d.agent.close()));
  };
  try {
    for (const [i, spec] of specs.entries()) {
      const host = loopbackAddress(first, i);
      try {
        devices.push(await startOn(spec, host, port, opts.auth));
      } catch (err) {
        // Without root, port 161 is out of reach: move the whole fleet to the fallback port.
        if (i === 0 && opts.port !== undefined && opts.port === 'auto' && isMeterboxError(err, 'MBX_SIM_BIND')) {
          port = opts.fallbackPort ?? 16161;
          devices.push(await startOn(spec, host, port, opts.auth));
        } else throw err;
      }
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { devices, port, close };
}
