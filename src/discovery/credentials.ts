/**
 * Named credential sets for discovery: each target names the sets to try, in order.
 * Names are what output and logs show; the secrets never leave the SnmpCredentials.
 */
import { MeterboxError } from '../contract/errors.js';
import { credentialProblems, type SnmpCredentials } from '../snmp/credentials.js';

export interface NamedCredentials {
  name: string;
  credentials: SnmpCredentials;
}

/** Check names are unique and every set is usable. */
export function validateCredentialSets(sets: readonly NamedCredentials[]): void {
  if (sets.length === 0) throw new MeterboxError('MBX_CONFIG_INVALID', 'no SNMP credentials given; add a --community or a v3 user');
  const seen = new Set<string>();
  for (const s of sets) {
    if (!s.name) throw new MeterboxError('MBX_CONFIG_INVALID', 'every credential set needs a name');
    if (seen.has(s.name)) throw new MeterboxError('MBX_CONFIG_INVALID', `credential name '${s.name}' is used twice`, { credential: s.name });
    seen.add(s.name);
    const problems = credentialProblems(s.credentials);
    if (problems.length > 0) throw new MeterboxError('MBX_CONFIG_INVALID', `credential '${s.name}': ${problems.join('; ')}`, { credential: s.name });
  }
}

/** The sets a target asks for, in its order; all sets (configured order) when it names none. */
export function credentialsFor(all: readonly NamedCredentials[], names: readonly string[] | undefined, where: string): NamedCredentials[] {
  if (!names || names.length === 0) return [...all];
  return names.map((n) => {
    const found = all.find((c) => c.name === n);
    if (!found) {
      throw new MeterboxError(
        'MBX_CREDENTIAL_UNKNOWN',
        `target '${where}' names credential '${n}', which is not defined; defined: ${all.map((c) => c.name).join(', ') || '(none)'}`,
        { target: where, credential: n },
      );
    }
    return found;
  });
}

/** Put the credential that worked last time first; the rest keep their order. */
export function preferFirst(sets: readonly NamedCredentials[], name: string | undefined): NamedCredentials[] {
  const i = name === undefined ? -1 : sets.findIndex((s) => s.name === name);
  if (i <= 0) return [...sets];
  return [sets[i] as NamedCredentials, ...sets.slice(0, i), ...sets.slice(i + 1)];
}
