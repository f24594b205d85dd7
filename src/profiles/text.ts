/** Text rules: a string a profile reads at an OID, decoded, extracted and filtered as the rule says. Pure. */
import { asText, type MibView } from '../snmp/values.js';
import type { TextRule } from './types.js';

function textOf(view: MibView, rule: TextRule): string | undefined {
  let s = asText(view.get(rule.oid));
  if (s === undefined) return undefined;
  if (rule.hexText) s = decodeHexText(s) ?? s;
  if (rule.extract) {
    const m = new RegExp(rule.extract, 'i').exec(s);
    s = m?.[1]?.trim();
  }
  if (!s || rule.ignore?.some((x) => x.toLowerCase() === s?.toLowerCase())) return undefined;
  return s;
}

export function firstText(view: MibView, rules: readonly TextRule[] | undefined): string | undefined {
  for (const r of rules ?? []) {
    const s = textOf(view, r);
    if (s) return s;
  }
  return undefined;
}

/** "4142 4344" or "41424344" → "ABCD" when every byte is printable; otherwise undefined. */
export function decodeHexText(s: string): string | undefined {
  const clean = s.replace(/[\s:]/g, '');
  if (clean.length < 2 || clean.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(clean)) return undefined;
  const buf = Buffer.from(clean, 'hex');
  const trimmed = trimNul(buf);
  if (trimmed.length === 0) return undefined;
  for (const b of trimmed) if (b < 0x20 || b > 0x7e) return undefined;
  return trimmed.toString('latin1');
}

function trimNul(buf: Buffer): Buffer {
  let end = buf.length;
  while (end > 0 && (buf[end - 1] === 0 || buf[end - 1] === 0x20)) end--;
  return buf.subarray(0, end);
}
