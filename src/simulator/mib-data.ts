/** The objects one simulated device serves: sorted OIDs with GET and GETNEXT lookups. */
import { compareOids } from '../snmp/oid.js';
import type { SnmpValue, Varbind } from '../snmp/values.js';

export class MibData {
  private oids: string[] = [];
  private readonly values = new Map<string, SnmpValue>();

  constructor(varbinds: readonly Varbind[] = []) {
    for (const vb of varbinds) this.values.set(vb.oid, vb.value);
    this.resort();
  }

  private resort(): void {
    this.oids = [...this.values.keys()].sort(compareOids);
  }

  get size(): number {
    return this.oids.length;
  }

  get(oid: string): SnmpValue | undefined {
    return this.values.get(oid);
  }

  /** Replace a value; adding a new OID costs a re-sort, updating one does not. */
  set(oid: string, value: SnmpValue): void {
    const isNew = !this.values.has(oid);
    this.values.set(oid, value);
    if (isNew) this.resort();
  }

  /** The first object strictly after `oid`, or undefined at the end of the MIB view. */
  next(oid: string): Varbind | undefined {
    let lo = 0;
    let hi = this.oids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareOids(this.oids[mid] as string, oid) <= 0) lo = mid + 1;
      else hi = mid;
    }
    const found = this.oids[lo];
    return found === undefined ? undefined : { oid: found, value: this.values.get(found) as SnmpValue };
  }

  entries(): Varbind[] {
    return this.oids.map((oid) => ({ oid, value: this.values.get(oid) as SnmpValue }));
  }
}
