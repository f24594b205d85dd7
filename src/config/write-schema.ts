/** `npm run config:schema`: writes config/meterbox.schema.json from the zod schema (test/config keeps it in sync). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../paths.js';
import { configJsonSchema } from './schema.js';

export const SCHEMA_FILE = join(PACKAGE_ROOT, 'config', 'meterbox.schema.json');

export function schemaText(): string {
  return JSON.stringify(configJsonSchema(), null, 2) + '\n';
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').slice(-2).join('/')) && process.argv.includes('--write')) {
  writeFileSync(SCHEMA_FILE, schemaText());
  console.log(`wrote ${SCHEMA_FILE}`);
}
