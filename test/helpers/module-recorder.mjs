/**
 * Module hooks (node:module register) that append every module a process resolves to a file, one
 * URL a line: a test starts the CLI with them to see what `meterbox --version` really loads.
 * ESM resolution only; that is enough here, since every package the CLI uses is first imported
 * from its own ES modules.
 */
import { appendFileSync } from 'node:fs';

let file;

export function initialize(data) {
  file = data.file;
}

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  appendFileSync(file, `${resolved.url}\n`);
  return resolved;
}
