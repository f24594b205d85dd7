/**
 * docs/errors.md lists exactly the vocabulary of the source: every MBX_* code, every event kind and
 * every receiver error code, each once, and nothing the source no longer has. The receiver's codes
 * are also the enum of the error body in docs/provider-api.yaml.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ERROR_CODES, RECEIVER_ERROR_CODES } from '../../src/contract/errors.js';
import { AGENT_EVENT_KINDS, BILLING_EVENT_KINDS, RECEIVER_EVENT_KINDS } from '../../src/contract/events.js';
import { PACKAGE_ROOT } from '../../src/paths.js';

const doc = readFileSync(join(PACKAGE_ROOT, 'docs', 'errors.md'), 'utf8');

/** The first cell of every table row under the `## heading` section, as written between backticks. */
function listed(heading: string): string[] {
  const start = doc.indexOf(`\n## ${heading}\n`);
  expect(start, `docs/errors.md has a section "## ${heading}"`).toBeGreaterThanOrEqual(0);
  const next = doc.indexOf('\n## ', start + 1);
  const section = doc.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1] as string);
}

function expectSameList(inDoc: string[], inSource: readonly string[]): void {
  const dupes = inDoc.filter((c, i) => inDoc.indexOf(c) !== i);
  expect(dupes, 'listed twice in docs/errors.md').toEqual([]);
  expect(inSource.filter((c) => !inDoc.includes(c)), 'in the source, missing from docs/errors.md').toEqual([]);
  expect(inDoc.filter((c) => !inSource.includes(c)), 'in docs/errors.md, not in the source').toEqual([]);
}

describe('docs/errors.md', () => {
  it('lists every MBX_* code of src/contract/errors.ts, and no other', () => {
    expectSameList(listed('MBX_* error codes'), ERROR_CODES);
  });

  it('lists every event kind of src/contract/events.ts (agent, billing, receiver), and no other', () => {
    expectSameList(listed('Event kinds'), [...new Set([...AGENT_EVENT_KINDS, ...BILLING_EVENT_KINDS, ...RECEIVER_EVENT_KINDS])]);
  });

  it("lists every receiver error code, and no other; docs/provider-api.yaml's error body has the same enum", () => {
    expectSameList(listed("The receiver's error codes"), RECEIVER_ERROR_CODES);
    const api = parse(readFileSync(join(PACKAGE_ROOT, 'docs', 'provider-api.yaml'), 'utf8')) as { components: { schemas: { Error: { properties: { error: { properties: { code: { enum: string[] } } } } } } } };
    expect(api.components.schemas.Error.properties.error.properties.code.enum).toEqual([...RECEIVER_ERROR_CODES]);
  });

  it('gives each entry a meaning and a remedy', () => {
    for (const row of doc.split('\n').filter((l) => /^\| `/.test(l))) {
      const cells = row.split(' | ').map((c) => c.replace(/^\|\s*|\s*\|$/g, '').trim());
      expect(cells.length, row).toBeGreaterThanOrEqual(3);
      for (const c of cells) expect(c.length, `empty cell in: ${row}`).toBeGreaterThan(0);
    }
  });
});
