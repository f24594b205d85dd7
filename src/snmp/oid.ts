/** OID helpers: numeric dotted strings only (no MIB names), compared arc by arc. */

export function normalizeOid(oid: string): string {
  return oid.startsWith('.') ? oid.slice(1) : oid;
}

/** Arc-by-arc order without allocating: this runs inside every GETNEXT and table scan. */
export function compareOids(a: string, b: string): number {
  let i = a.charCodeAt(0) === 46 ? 1 : 0;
  let j = b.charCodeAt(0) === 46 ? 1 : 0;
  while (i < a.length && j < b.length) {
    let x = 0;
    let y = 0;
    let c: number;
    while (i < a.length && (c = a.charCodeAt(i)) !== 46) {
      x = x * 10 + (c - 48);
      i++;
    }
    while (j < b.length && (c = b.charCodeAt(j)) !== 46) {
      y = y * 10 + (c - 48);
      j++;
    }
    if (x !== y) return x < y ? -1 : 1;
    i++;
    j++;
  }
  const aDone = i >= a.length;
  const bDone = j >= b.length;
  return aDone && bDone ? 0 : aDone ? -1 : 1;
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
