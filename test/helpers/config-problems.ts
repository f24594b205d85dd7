/** The problems of an MBX_CONFIG_INVALID thrown by `fn` (fails the test when it does not throw one). */
import { isMeterboxError } from '../../src/contract/errors.js';
import type { ConfigProblem } from '../../src/config/load.js';

export function problemsOf(fn: () => unknown): ConfigProblem[] {
  try {
    fn();
  } catch (err) {
    if (isMeterboxError(err, 'MBX_CONFIG_INVALID')) return err.context.problems as ConfigProblem[];
    throw err;
  }
  throw new Error('expected MBX_CONFIG_INVALID');
}
