/** Reading tables out of a MibView: a column is every OID under its root, keyed by index. */
import { compareOids, isUnder, suffixAfter } from './oid.js';
import type { MibView, SnmpValue } from './values.js';

export function column(view: MibView, root: string): Map<string, SnmpValue> {
  const out = new Map<string, SnmpValue>();
  const keys = [...view.keys()].filter((oid) => isUnder(oid, root)).sort(compareOids);
  for (const oid of keys) out.set(suffixAfter(oid, root), view.get(oid) as SnmpValue);
  return out;
}

/** Cell `root.column.index` of a table entry. */
export function cell(view: MibView, entry: string, col: number, index: string): SnmpValue | undefined {
  return view.get(`${entry}.${col}.${index}`);
}
