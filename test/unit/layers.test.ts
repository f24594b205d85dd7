/**
 * The layering of src/ is enforced by ESLint (eslint.config.js reads src/layers.json): a reverse
 * import fails `npm run lint`, hence `npm test`. These cases lint real files of src/ with one
 * import added, and small fixtures at paths inside src/, through the project's own ESLint config,
 * and expect the rule to fire (and not to fire on what the table allows). They also keep the table,
 * the folders of src/ and src/README.md in step.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const layers = JSON.parse(readFileSync(join(root, 'src', 'layers.json'), 'utf8')) as Record<string, { may: string[]; packages?: string[] } | string>;
const names = Object.keys(layers).filter((k) => k !== '$comment');

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

async function layeringErrors(filePath: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: join(root, filePath) });
  return (r?.messages ?? []).filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports' || m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

/** A real file of src/ with one import line added after its header comment. */
function withImport(file: string, line: string): string {
  const text = readFileSync(join(root, file), 'utf8');
  const at = text.indexOf('\nimport ');
  return `${text.slice(0, at + 1)}${line}\n${text.slice(at + 1)}`;
}

describe('the layering rule (src/layers.json through eslint.config.js)', () => {
  it('passes the real files as they are', async () => {
    for (const file of ['src/profiles/match.ts', 'src/reading/build.ts', 'src/store/outbox.ts', 'src/billing/usage.ts', 'src/receiver/store/sqlite.ts']) {
      expect(await layeringErrors(file, readFileSync(join(root, file), 'utf8')), file).toEqual([]);
    }
  });

  it.each([
    // [file, import added, what the message must say]
    ['src/profiles/match.ts', "import { inspectRead } from '../reading/build.js';", 'src/profiles may import contract, snmp'],
    ['src/profiles/vendors/hp.ts', "import type { Reading } from '../../reader/read-device.js';", 'src/profiles may import'],
    ['src/reading/build.ts', "import { readDevice } from '../reader/read-device.js';", 'src/reading may import contract, snmp, profiles'],
    ['src/snmp/client.ts', "import { PROFILES } from '../profiles/index.js';", 'src/snmp may import contract'],
    ['src/store/outbox.ts', "import { Uploader } from '../upload/uploader.js';", 'src/store may import contract, reading'],
    ['src/upload/uploader.ts', "import { Daemon } from '../daemon/daemon.js';", 'src/upload may import contract, store'],
    ['src/contract/reading.ts', "import { SYS } from '../profiles/standard-mib.js';", 'src/contract may import no other folder'],
    ['src/billing/usage.ts', "import { Outbox } from '../store/outbox.js';", 'src/billing may import contract'],
    ['src/billing/usage.ts', "import { readFileSync } from 'node:fs';", 'src/billing is pure: it may import zod'],
    ['src/profiles/match.ts', "import snmp from 'net-snmp';", 'src/profiles is pure'],
    ['src/receiver/store/sqlite.ts', "import { Outbox } from '../../store/outbox.js';", 'src/receiver may import contract, net, billing'],
    ['src/web/box/status.ts', "import { Job } from '../../daemon/scheduler.js';", 'src/web may import only types from daemon, receiver'],
    ['src/web/fleet/data.ts', "import { startReceiver } from '../../receiver/index.js';", 'src/web may import only types from daemon, receiver'],
    ['src/web/fleet/data.ts', "import { Uploader } from '../../upload/uploader.js';", 'src/web may import contract, config, net, store, billing, remote, paths.ts (and types only from daemon, receiver)'],
  ])('%s: %s fails the lint', async (file, line, message) => {
    const errors = await layeringErrors(file, withImport(file, line));
    expect(errors, `${file} + ${line}`).toHaveLength(1);
    expect(errors[0]).toContain(message);
  });

  it('also refuses a dynamic import() of src/ inside the layers, and allows what the table allows', async () => {
    expect(await layeringErrors('src/store/fixture.ts', "export const later = () => import('../upload/index.js');\n")).toEqual([expect.stringContaining('dynamic import()')]);
    expect(await layeringErrors('src/cli/fixture.ts', "export const later = () => import('../upload/index.js');\n")).toEqual([]);
    expect(await layeringErrors('src/reader/fixture.ts', "import { inspectRead } from '../reading/build.js';\nimport type { Profile } from '../profiles/types.js';\nexport const f = (p: Profile) => [inspectRead, p];\n")).toEqual([]);
    expect(await layeringErrors('src/receiver/store/fixture.ts', "import type { X } from '../types.js';\nexport type Y = X;\n")).toEqual([]);
    expect(await layeringErrors('src/web/box/fixture.ts', "import type { JobState } from '../../daemon/scheduler.js';\nexport type S = JobState;\n")).toEqual([]);
    expect(await layeringErrors('src/billing/fixture.ts', "import { z } from 'zod';\nimport type { Reading } from '../contract/reading.js';\nexport const f = (r: Reading) => z.string().parse(r.id);\n")).toEqual([]);
  });

  it('lists every folder and root module of src/, and nothing else', () => {
    const present = readdirSync(join(root, 'src'), { withFileTypes: true })
      .filter((e) => e.isDirectory() || (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')))
      .map((e) => e.name)
      .sort();
    expect(present, 'a folder of src/ missing from src/layers.json (add it there and to src/README.md)').toEqual([...names].sort());
    for (const n of names) {
      const may = (layers[n] as { may: string[] }).may;
      for (const m of may) expect(m === '*' || names.includes(m), `${n} may import ${m}, which is not in the table`).toBe(true);
    }
  });

  it('says the same in src/README.md as in src/layers.json', () => {
    const readme = readFileSync(join(root, 'src', 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('<!-- layers:start'), readme.indexOf('<!-- layers:end'));
    const rows = [...table.matchAll(/^\| `([^`]+)` \| [^|]+ \| ([^|]+) \|$/gm)].map((m) => [(m[1] as string).replace(/\/$/, ''), (m[2] as string).split(';')[0]?.trim()]);
    const fromJson = names.map((n) => {
      const may = (layers[n] as { may: string[] }).may;
      return [n, may.includes('*') ? 'any' : may.length ? may.join(', ') : 'nothing'];
    });
    expect(rows).toEqual(fromJson);
  });
});
