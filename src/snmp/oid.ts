/** OID helpers: numeric dotted strings only (no MIB names), compared arc by arc. */

export function normalizeOid(oid: string): string {
  return oid.startsWith('.') ? oid.slice(1) : oid;
}

export function oidArcs(oid: string): number[] {
  return normalizeOid(oid).split('.').map(Number);
}

export function compareOids(a: string, b: string): number {
  const x = oidArcs(a);
  const y = oidArcs(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = (x[i] as number) - (y[i] as number);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
}

/** True when `oid` is strictly inside the subtree rooted at `root`. */
export function isUnder(oid: string, root: string): boolean {
  const o = normalizeOid(oid);
  const r = normalizeOid(root);
  return o.startsWith(r + '.');
}

/** The arcs of `oid` after `root`, joined: the table index of a column cell. */
export function suffixAfter(oid: string, root: string): string {
  return normalizeOid(oid).slice(normalizeOid(root).length + 1);
}

export function isValidOid(oid: string): boolean {
  return /^\.?\d+(\.\d+)+$/.test(oid);
}
