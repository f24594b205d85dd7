/**
 * The device registry's records, shared by discovery (which builds them from sweeps) and the
 * store (which keeps them in the devices table): one shape, so neither restates the other's.
 * Part of src/contract/: imports nothing but the Reading types.
 */
import type { KeySource } from './reading.js';

/** What discovery's sweeps know of a device. */
export interface SweptDevice {
  key: string;
  keySource: KeySource;
  vendor: string;
  model?: string;
  serial?: string;
  mac?: string;
  /** Where it answered in the last sweep that saw it; more than one while a serial is duplicated. */
  hosts: string[];
  label?: string;
  /** The credential that worked last; the next poll or sweep tries it first. */
  credential: string;
  /** First and last sweep that saw it. */
  firstSeen: string;
  lastSeen: string;
}

/** What a sweep found beyond addresses: one serial at several addresses, or another device at a known address. */
export type SweepEvent =
  | { type: 'duplicate-serial'; at: string; key: string; hosts: string[] }
  | { type: 'replaced'; at: string; host: string; from: string; to: string };
