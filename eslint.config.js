import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layering of src/ (src/layers.json, explained in src/README.md): for every folder, one
 * no-restricted-imports rule that refuses a relative import climbing out of the folder to one it
 * may not import, and (where the table lists `packages`) any package or node: module not listed.
 * Relative specifiers are matched by depth: from src/<folder>/a/b.ts, `../../` is src/.
 */
const LAYERS = JSON.parse(readFileSync(fileURLToPath(import.meta.resolve('./src/layers.json')), 'utf8'));
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function layerRules(name, layer) {
  // A root module (src/paths.ts) is one file; a folder's files may sit a few levels down.
  const globs = name.endsWith('.ts') ? [[`src/${name}`, 0]] : [0, 1, 2, 3].map((d) => [`src/${name}/${'*/'.repeat(d)}*.ts`, d + 1]);
  const anyFolder = layer.may.includes('*');
  const mayType = layer.mayType ?? [];
  const alternation = (list) => list.map((m) => (m.endsWith('.ts') ? `${escape(m.slice(0, -3))}\\.js$` : `${escape(m)}/`)).join('|');
  const allowed = anyFolder ? undefined : alternation([...layer.may, ...mayType]);
  const what = anyFolder ? 'any folder' : layer.may.length ? layer.may.join(', ') : 'no other folder';
  const typesToo = mayType.length ? ` (and types only from ${mayType.join(', ')})` : '';
  return globs.map(([glob, up]) => {
    const patterns = [];
    // `up` times ../ reaches src/ (none for a root module: ./ is src/ itself).
    const toSrc = up === 0 ? '\\./' : `(\\.\\./){${up}}`;
    if (allowed !== undefined) {
      // What follows src/ must be an allowed folder or root module.
      patterns.push({
        regex: `^${toSrc}(?!${allowed || '(?!)'})`,
        message: `src/${name} may import ${what}${typesToo} (src/layers.json; src/README.md says why). Data flows one way: move the code, or change the layering there on purpose.`,
      });
    }
    if (mayType.length) {
      // A host the folder plugs into (the daemon for the status page) is known by its types only: no runtime cycle.
      patterns.push({
        regex: `^${toSrc}(${alternation(mayType)})`,
        allowTypeImports: true,
        message: `src/${name} may import only types from ${mayType.join(', ')} (src/layers.json): it is started by them, so a value import would be a cycle.`,
      });
    }
    if (layer.packages) {
      const pkgs = layer.packages.map(escape).join('|');
      patterns.push({
        regex: `^(?!\\.)(?!(${pkgs || '(?!)'})(/|$))`,
        message: `src/${name} is pure: it may import ${layer.packages.length ? layer.packages.join(', ') : 'no package or node: module'} (src/layers.json).`,
      });
    }
    return {
      files: [glob],
      rules: {
        ...(patterns.length ? { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] } : {}),
        // import() is not checked by no-restricted-imports: within the layers, imports of src/ are static.
        ...(allowed !== undefined ? { 'no-restricted-syntax': ['error', { selector: 'ImportExpression[source.value=/^\\./]', message: 'a dynamic import() of src/ escapes the layering check (src/layers.json); import it statically' }] } : {}),
      },
    };
  });
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.cache/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setInterval: 'readonly' } },
  },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  ...Object.entries(LAYERS)
    .filter(([name]) => name !== '$comment')
    .flatMap(([name, layer]) => layerRules(name, layer)),
);
