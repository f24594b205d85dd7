/**
 * The contract list (devices.allow, `discover --allow`): which printers the provider bills. One
 * rule for the poll job, discovery and health alike: serials compare in their normalised form
 * (normalizeSerial), a printer without a serial is never under contract, and an empty or absent
 * list means every printer is.
 */
import { normalizeSerial } from './identity.js';

export interface ContractList {
  /** The listed serials, normalised. */
  readonly serials: ReadonlySet<string>;
  /** Whether a device with this (raw or normalised) serial is under contract. */
  covers(serial: string | undefined): boolean;
  /** The listed serials that none of these devices' serials matches. */
  missing(found: Iterable<string | undefined>): string[];
}

/** Normalised like a device's serial; a value normalizeSerial calls a placeholder is kept as typed, upper case. */
function listed(serial: string): string {
  return normalizeSerial(serial) ?? serial.toUpperCase();
}

/** The list, or undefined when there is none (every printer is under contract). */
export function contractList(allow: readonly string[] | undefined): ContractList | undefined {
  if (!allow || allow.length === 0) return undefined;
  const serials = new Set(allow.map(listed));
  const covers = (serial: string | undefined): boolean => serial !== undefined && (serials.has(serial) || serials.has(listed(serial)));
  return {
    serials,
    covers,
    missing(found) {
      const seen = new Set([...found].flatMap((s) => (s === undefined ? [] : [s, listed(s)])));
      return [...serials].filter((s) => !seen.has(s));
    },
  };
}
