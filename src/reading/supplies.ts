/** Printer-MIB prtMarkerSuppliesTable → Supply[], joined to prtMarkerColorantTable. Pure. */
import { PRT, SUPPLY_TYPE, SUPPLY_UNIT } from '../profiles/standard-mib.js';
import { cell, column } from '../snmp/table.js';
import { asNumber, asText, type MibView } from '../snmp/values.js';
import type { Supply, SupplyKind, SupplyState } from '../contract/reading.js';

const COLORS = ['black', 'cyan', 'magenta', 'yellow', 'matte black', 'photo black', 'light cyan', 'light magenta', 'gray', 'red', 'blue', 'green', 'white'];

export function colorFromText(text: string): string | undefined {
  const t = text.toLowerCase();
  // Longest names first so "light cyan" wins over "cyan".
  for (const c of [...COLORS].sort((a, b) => b.length - a.length)) if (t.includes(c)) return c;
  if (/\bk\b|schwarz|noir|nero|negro/.test(t)) return 'black';
  return undefined;
}

function kindFrom(type: number | undefined, description: string): SupplyKind {
  const byType = type === undefined ? undefined : SUPPLY_TYPE[type];
  if (byType && byType !== 'other') return byType;
  const d = description.toLowerCase();
  if (/waste/.test(d)) return /ink/.test(d) ? 'wasteInk' : 'wasteToner';
  if (/drum|opc|imaging unit|photoconductor/.test(d)) return 'drum';
  if (/toner/.test(d)) return 'toner';
  if (/ink/.test(d)) return 'ink';
  if (/fuser/.test(d)) return 'fuser';
  if (/developer/.test(d)) return 'developer';
  if (/transfer|belt/.test(d)) return 'transferUnit';
  if (/staple/.test(d)) return 'staples';
  return 'other';
}

const LOW_PERCENT = 10;

/**
 * RFC 3805 prtMarkerSuppliesLevel is "the current level if this supply is a container; the remaining
 * space if this supply is a receptacle", so one rule fits both: little left (toner, or room in a waste
 * box) is low, nothing left is empty (for a receptacle: full, replace it).
 */
function stateOf(level: number, percent: number | undefined): SupplyState {
  if (level === -3) return 'someRemaining';
  if (percent === undefined) return level === 0 ? 'empty' : 'unknown';
  if (level === 0) return 'empty';
  return percent <= LOW_PERCENT ? 'low' : 'ok';
}

export function decodeSupplies(view: MibView): Supply[] {
  const entry = PRT.suppliesEntry;
  const descriptions = column(view, `${entry}.6`);
  const levels = column(view, `${entry}.9`);
  const indexes = new Set([...descriptions.keys(), ...levels.keys()]);
  const supplies: Supply[] = [];
  for (const index of indexes) {
    const description = asText(cell(view, entry, 6, index)) ?? '';
    const level = asNumber(cell(view, entry, 9, index));
    if (level === undefined) continue;
    const max = asNumber(cell(view, entry, 8, index)) ?? -2;
    const type = asNumber(cell(view, entry, 5, index));
    const unit = asNumber(cell(view, entry, 7, index));
    const cls = asNumber(cell(view, entry, 4, index));
    const colorantIndex = asNumber(cell(view, entry, 3, index));
    const device = index.split('.')[0];
    const colorant = colorantIndex && colorantIndex > 0 ? asText(view.get(`${PRT.colorantValue}.${device}.${colorantIndex}`)) : undefined;
    // An empty colorant name ('') must not hide the colour in the description.
    const color = (colorant ? colorFromText(colorant) : undefined) ?? colorFromText(description) ?? (colorant || undefined);
    const percent = max > 0 && level >= 0 ? Math.min(100, Math.round((level / max) * 100)) : undefined;
    const supply: Supply = {
      index: Number(index.split('.').pop()),
      description,
      kind: kindFrom(type, description),
      level,
      max,
      state: stateOf(level, percent),
    };
    if (color) supply.color = color;
    if (percent !== undefined) supply.percent = percent;
    if (unit !== undefined && SUPPLY_UNIT[unit]) supply.unit = SUPPLY_UNIT[unit];
    if (cls === 3) supply.class = 'consumed';
    if (cls === 4) supply.class = 'receptacle';
    supplies.push(supply);
  }
  return supplies.sort((a, b) => a.index - b.index);
}
