/**
 * Hand-built SNMP values and MIB views, for the unit tests that exercise one profile rule or one
 * decoder with a few objects. Whole devices are fixtures instead (test/profiles/fixtures.test.ts).
 */
import { readingFromRecording } from '../../src/reading/build.js';
import { PROFILES } from '../../src/profiles/index.js';
import type { MibView, SnmpValue } from '../../src/snmp/values.js';
import type { Reading } from '../../src/contract/reading.js';

/** An OCTET STRING holding text (UTF-8; ASCII escapes such as '\x01' give those bytes). */
export const str = (s: string): SnmpValue => ({ type: 'octets', value: Buffer.from(s) });
/** An OCTET STRING from hex digits: binary blobs, MAC addresses, hex-encoded text. */
export const hex = (h: string): SnmpValue => ({ type: 'octets', value: Buffer.from(h, 'hex') });
export const int = (value: number): SnmpValue => ({ type: 'integer', value });
export const counter = (value: number): SnmpValue => ({ type: 'counter32', value });
export const oid = (value: string): SnmpValue => ({ type: 'oid', value });

export const view = (entries: Record<string, SnmpValue>): MibView => new Map(Object.entries(entries));

/** The Reading the shipped profiles make of these objects (host 'recording', read at the epoch). */
export const read = (entries: Record<string, SnmpValue>): Reading => readingFromRecording(view(entries), PROFILES);
