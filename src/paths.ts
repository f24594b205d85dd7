/** Files that ship with meterbox, found relative to this module (works from src/ and dist/). */
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Device recordings of our own: simulator templates, demo fleet and profile fixtures. */
export const DEVICE_FIXTURES = join(PACKAGE_ROOT, 'fixtures', 'devices');
