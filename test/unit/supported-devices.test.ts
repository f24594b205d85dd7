import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { PROFILES } from '../../src/profiles/index.js';
import { TABLE_END, TABLE_START, renderSupportedDevices } from '../../src/profiles/supported-devices.js';
import { existsSync } from 'node:fs';
import { DEVICE_FIXTURES } from '../../src/paths.js';

describe('README Supported devices table', () => {
  it('is the one generated from the profiles (run `npm run docs:devices` after changing a profile)', () => {
    const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
    const block = readme.slice(readme.indexOf(TABLE_START), readme.indexOf(TABLE_END) + TABLE_END.length);
    expect(block).toBe(renderSupportedDevices(PROFILES));
  });

  it('names only fixtures that exist, and every profile has at least one', () => {
    for (const p of PROFILES) {
      expect(p.fixtures.length, `${p.id} has no fixture`).toBeGreaterThan(0);
      for (const f of p.fixtures) expect(existsSync(join(DEVICE_FIXTURES, f)), `${p.id}: ${f}`).toBe(true);
    }
  });
});
