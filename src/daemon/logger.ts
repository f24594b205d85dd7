/**
 * The daemon's logger: pino JSON on stdout (journald collects it), redact paths for structured
 * secrets, and a masking stream for secret values anywhere in a line. One child per component.
 */
import { pino, type Logger, type LevelWithSilent } from 'pino';
import { MASK, SecretMasker, maskingStream } from '../config/redact.js';
import { REDACT_PATHS } from '../log.js';

export interface DaemonLogger {
  root: Logger;
  masker: SecretMasker;
  /** A child logger per component; its level follows setLevel. */
  child(component: string): Logger;
  setLevel(level: LevelWithSilent): void;
  setSecrets(secrets: readonly string[]): void;
}

export function createDaemonLogger(level: LevelWithSilent, secrets: readonly string[], out: NodeJS.WritableStream = process.stdout): DaemonLogger {
  const masker = new SecretMasker(secrets);
  const root = pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...REDACT_PATHS], censor: MASK },
      formatters: { level: (label) => ({ level: label }) },
    },
    maskingStream(masker, out),
  );
  // One child per component, made once: the jobs ask for theirs on every run, and a list that
  // kept each new child (for setLevel) grew by one logger per poll for the life of the process.
  const children = new Map<string, Logger>();
  return {
    root,
    masker,
    child: (component) => {
      let c = children.get(component);
      if (!c) {
        c = root.child({ component });
        children.set(component, c);
      }
      return c;
    },
    setLevel: (l) => {
      root.level = l;
      for (const c of children.values()) c.level = l;
    },
    setSecrets: (s) => masker.set(s),
  };
}
