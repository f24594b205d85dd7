/**
 * The device fixtures in fixtures/devices/: `<name>.snmprec` (a recording) and `<name>.reading.json`
 * (the exact Reading the profiles must make of it, without id and readAt). fixtures/README.md
 * describes the pair; test/profiles/fixtures.test.ts checks every one.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEVICE_FIXTURES } from '../../src/paths.js';
import { readingFromRecording } from '../../src/reading/build.js';
import { PROFILES } from '../../src/profiles/index.js';
import type { Reading } from '../../src/contract/reading.js';
import { listSnmprec, loadSnmprecFile } from '../../src/simulator/fleet.js';

/** The address a fixture is "read at": a placeholder, so that device.host in the JSON is stable. */
export const FIXTURE_HOST = 'fixture';
const EXPECTED_SUFFIX = '.reading.json';

/** What a .reading.json holds: the Reading minus what changes with every read of the same device. */
export type ExpectedReading = Omit<Reading, 'id' | 'readAt'>;

export function fixturePath(name: string): string {
  return join(DEVICE_FIXTURES, name.endsWith('.snmprec') ? name : `${name}.snmprec`);
}

export function expectedPath(name: string): string {
  return join(DEVICE_FIXTURES, `${name}${EXPECTED_SUFFIX}`);
}

/** Names (without extension) of the recordings, sorted. */
export function fixtureNames(): string[] {
  return listSnmprec(DEVICE_FIXTURES).map((f) => f.name);
}

/** Names (without extension) of the expected readings, sorted. */
export function expectedNames(): string[] {
  return readdirSync(DEVICE_FIXTURES)
    .filter((f) => f.endsWith(EXPECTED_SUFFIX))
    .map((f) => f.slice(0, -EXPECTED_SUFFIX.length))
    .sort();
}

/** The Reading the shipped profiles make of a whole recording, read at `readAt` from FIXTURE_HOST. */
export function readFixture(name: string, readAt: Date): Reading {
  const view = new Map(loadSnmprecFile(fixturePath(name)).map((vb) => [vb.oid, vb.value]));
  return readingFromRecording(view, PROFILES, FIXTURE_HOST, readAt);
}

export function expectedForm(reading: Reading): ExpectedReading {
  const { id: _id, readAt: _readAt, ...rest } = reading;
  return rest;
}

/** The parsed .reading.json, or undefined when the fixture has none. */
export function loadExpected(name: string): ExpectedReading | undefined {
  const path = expectedPath(name);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as ExpectedReading) : undefined;
}

/** Writes the .reading.json (two-space JSON, keys in the Reading's order); true when its text changed. */
export function writeExpected(name: string, expected: ExpectedReading): boolean {
  const path = expectedPath(name);
  const text = `${JSON.stringify(expected, null, 2)}\n`;
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return false;
  writeFileSync(path, text);
  return true;
}
