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
  const allowed = layer.may.includes('*') ? undefined : layer.may.map((m) => (m.endsWith('.ts') ? `${escape(m.slice(0, -3))}\\.js$` : `${escape(m)}/`)).join('|');
  const what = layer.may.includes('*') ? 'any folder' : layer.may.length ? layer.may.join(', ') : 'no other folder';
  return globs.map(([glob, up]) => {
    const patterns = [];
    if (allowed !== undefined) {
      // `up` times ../ reaches src/ (none for a root module: ./ is src/ itself); what follows must be an allowed folder or root module.
      const toSrc = up === 0 ? '\\./' : `(\\.\\./){${up}}`;
      patterns.push({
        regex: `^${toSrc}(?!${allowed || '(?!)'})`,
        message: `src/${name} may import ${what} (src/layers.json; src/README.md says why). Data flows one way: move the code, or change the layering there on purpose.`,
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
        ...(patterns.length ? { 'no-restricted-imports': ['error', { patterns }] } : {}),
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
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
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
