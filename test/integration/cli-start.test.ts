/**
 * The CLI's start: `meterbox --help` lists every subcommand as its module describes it, `--version`
 * prints the package's version, and neither loads anything but commander and the few modules of
 * the CLI's entry (the subcommand table in src/cli/program.ts stands in for the modules). Speed
 * itself is measured by `npm run bench -- startup`, never asserted here.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { Help } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { SUBCOMMANDS, subcommandNamed } from '../../src/cli/program.js';
import { NODE_FLAGS } from '../../src/node-flags.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { CLI, runCli } from '../helpers/cli.js';
import { runProcess } from '../helpers/process.js';

const version = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** Every `export function xxxCommand()` in src/cli: the subcommands that exist, whether or not the table knows them. */
function commandModules(): { file: string; factory: string }[] {
  const dir = join(PACKAGE_ROOT, 'src', 'cli');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .flatMap((file) => [...readFileSync(join(dir, file), 'utf8').matchAll(/^export function (\w+Command)\(\)/gm)].map((m) => ({ file, factory: m[1] as string })));
}

describe('the subcommand table', () => {
  it('has one entry per command module, and each says what its module says', async () => {
    const modules = commandModules();
    expect(modules.length).toBe(SUBCOMMANDS.length);
    const help = new Help();
    for (const sub of SUBCOMMANDS) {
      const real = await sub.load();
      expect(real.name(), sub.name).toBe(sub.name);
      expect(real.description(), sub.name).toBe(sub.description);
      expect(help.subcommandTerm(real), sub.name).toBe(sub.term);
    }
  });

  it('finds the subcommand a command line runs or asks help for', () => {
    expect(subcommandNamed(['read', '10.0.0.1', '--json'])?.name).toBe('read');
    expect(subcommandNamed(['help', 'config'])?.name).toBe('config');
    expect(subcommandNamed(['--help'])).toBeUndefined();
    expect(subcommandNamed(['help'])).toBeUndefined();
    expect(subcommandNamed(['-V'])).toBeUndefined();
    expect(subcommandNamed(['nope', 'read'])).toBeUndefined();
  });
});

describe('meterbox --help and --version', () => {
  it('--help lists every subcommand with its description', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    const listed = r.stdout.split('Commands:')[1] ?? '';
    const flat = listed.replace(/\s+/g, ' ');
    for (const sub of SUBCOMMANDS) {
      expect(listed).toMatch(new RegExp(`^  ${sub.name} `, 'm'));
      expect(flat).toContain(sub.description.replace(/\s+/g, ' '));
    }
    expect(listed).toMatch(/^ {2}help \[command\]/m);
  });

  it('a subcommand\'s own help comes from its module (options included)', async () => {
    const r = await runCli(['help', 'read']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: meterbox read [options] <host>');
    expect(r.stdout).toContain('--v3-priv-proto <proto>');
  });

  it('--version and -V print package.json\'s version', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await runCli([flag]);
      expect(r.code, flag).toBe(0);
      expect(r.stdout).toBe(`${version}\n`);
    }
  });
});

describe('what the CLI loads to answer --version and --help', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mbx-cli-start-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const recorder = join(PACKAGE_ROOT, 'test', 'helpers', 'module-recorder.mjs');

  /** The modules resolved by the built CLI started as its shebang starts it, with the recording hooks. */
  async function loaded(args: string[]): Promise<{ packages: string[]; own: string[] }> {
    const file = join(dir, `${args.join('_')}.txt`);
    const register = `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(recorder).href)}, { data: { file: ${JSON.stringify(file)} } });`;
    const r = await runProcess(process.execPath, [...NODE_FLAGS, '--import', `data:text/javascript,${encodeURIComponent(register)}`, CLI, ...args], { cwd: PACKAGE_ROOT });
    expect(r.code, r.stderr).toBe(0);
    const urls = readFileSync(file, 'utf8').split('\n').filter((u) => u.startsWith('file:'));
    const paths = urls.map((u) => relative(PACKAGE_ROOT, fileURLToPath(u)));
    const packages = new Set(paths.flatMap((p) => /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(p)?.[1] ?? []));
    return { packages: [...packages].sort(), own: [...new Set(paths.filter((p) => p.startsWith('dist/')))].sort() };
  }

  for (const args of [['--version'], ['--help']]) {
    it(`${args.join(' ')}: commander and the CLI's entry only (no zod, axios, net-snmp, better-sqlite3…)`, async () => {
      const { packages, own } = await loaded(args);
      expect(packages).toEqual(['commander']);
      expect(own).toEqual(['dist/cli/exit-codes.js', 'dist/cli/main.js', 'dist/cli/program.js', 'dist/contract/errors.js']);
    });
  }

  it('the recorder sees a subcommand\'s dependencies (so the checks above can fail)', async () => {
    const { packages, own } = await loaded(['config', 'schema']);
    expect(packages).toContain('zod');
    expect(own).toContain('dist/cli/config.js');
  });
});
