/**
 * A supply's figures in words, pure (tested in node): a percentage only where the printer gave a
 * level and a capacity, and the Printer-MIB's special values said as what they are, never drawn
 * as a guess: level -1 "other", -2 "unknown", -3 "some remaining"; capacity -1 "no maximum", -2 "unknown".
 */
import { num } from './format.js';

export interface Supply {
  index: number;
  description: string;
  kind: string;
  color?: string;
  level: number;
  max: number;
  percent?: number;
  state: string;
  unit?: string;
  class?: 'consumed' | 'receptacle';
}

/** What a supply's figures honestly say, in words. */
export function supplyWords(s: Supply): { text: string; percent?: number; low: boolean } {
  const low = s.state === 'low' || s.state === 'empty';
  if (s.percent !== undefined) {
    const word = s.class === 'receptacle' ? ' full' : s.state === 'empty' ? ' (empty)' : s.state === 'low' ? ' (low)' : '';
    return { text: `${s.percent} %${word}`, percent: s.percent, low };
  }
  if (s.level === -3) return { text: 'some remaining (the printer does not say how much)', low };
  if (s.level === -2) return { text: 'unknown (the printer reports -2)', low };
  if (s.level === -1) return { text: 'not measured (the printer reports -1, "other")', low };
  if (s.max === -1) return { text: `${num(s.level)}${s.unit ? ` ${s.unit}` : ''} (no maximum: -1)`, low };
  if (s.max === -2 || s.max === 0) return { text: `${num(s.level)}${s.unit ? ` ${s.unit}` : ''} of an unknown maximum`, low };
  return { text: s.state, low };
}

