/**
 * The standard MIB objects every printer is read with, and their enumerations.
 * References: SNMPv2-MIB (RFC 3418), IF-MIB (RFC 2863), HOST-RESOURCES-MIB (RFC 2790),
 * Printer-MIB v2 (RFC 3805), IANA-PRINTER-MIB, PWG Printer Port Monitor MIB (ppmPrinterIEEE1284DeviceId).
 */
import { column } from '../snmp/table.js';
import type { MibView } from '../snmp/values.js';

export const SYS = {
  descr: '1.3.6.1.2.1.1.1.0',
  objectID: '1.3.6.1.2.1.1.2.0',
  upTime: '1.3.6.1.2.1.1.3.0',
  contact: '1.3.6.1.2.1.1.4.0',
  name: '1.3.6.1.2.1.1.5.0',
  location: '1.3.6.1.2.1.1.6.0',
} as const;

export const IF = {
  /** ifType, ifPhysAddress (IF-MIB ifTable). */
  type: '1.3.6.1.2.1.2.2.1.3',
  physAddress: '1.3.6.1.2.1.2.2.1.6',
} as const;

export const HR = {
  /** hrDeviceEntry: type (.2), descr (.3), status (.5). */
  deviceEntry: '1.3.6.1.2.1.25.3.2.1',
  deviceType: '1.3.6.1.2.1.25.3.2.1.2',
  deviceDescr: '1.3.6.1.2.1.25.3.2.1.3',
  deviceStatus: '1.3.6.1.2.1.25.3.2.1.5',
  /** hrPrinterEntry: status (.1), detectedErrorState (.2). */
  printerEntry: '1.3.6.1.2.1.25.3.5.1',
  printerStatus: '1.3.6.1.2.1.25.3.5.1.1',
  printerErrorState: '1.3.6.1.2.1.25.3.5.1.2',
  /** hrDeviceTypes.hrDevicePrinter, the value of hrDeviceType for a printer. */
  typePrinter: '1.3.6.1.2.1.25.3.1.5',
} as const;

export const PRT = {
  /** prtGeneralPrinterName (.16) and prtGeneralSerialNumber (.17), indexed by hrDeviceIndex. */
  generalPrinterName: '1.3.6.1.2.1.43.5.1.1.16',
  generalSerialNumber: '1.3.6.1.2.1.43.5.1.1.17',
  /** prtMarkerEntry: counterUnit (.3), lifeCount (.4). */
  markerEntry: '1.3.6.1.2.1.43.10.2.1',
  markerCounterUnit: '1.3.6.1.2.1.43.10.2.1.3',
  markerLifeCount: '1.3.6.1.2.1.43.10.2.1.4',
  /** prtMarkerSuppliesEntry: colorantIndex (.3), class (.4), type (.5), description (.6), unit (.7), max (.8), level (.9). */
  suppliesEntry: '1.3.6.1.2.1.43.11.1.1',
  /** prtMarkerColorantValue: the colorant name ("black", "cyan"…). */
  colorantValue: '1.3.6.1.2.1.43.12.1.1.4',
  /** prtConsoleDisplayBufferText. */
  consoleText: '1.3.6.1.2.1.43.16.5.1.2',
  /** prtAlertEntry: severity (.2), group (.4), code (.7), description (.8). */
  alertEntry: '1.3.6.1.2.1.43.18.1.1',
} as const;

/** PWG Printer Port Monitor MIB: ppmPrinterIEEE1284DeviceId. */
export const PPM_DEVICE_ID = '1.3.6.1.4.1.2699.1.2.1.2.1.1.3';

/** The hrDeviceIndex of the printer: the row whose hrDeviceType is hrDevicePrinter, else the first. */
export function printerDeviceIndex(view: MibView): string | undefined {
  const types = column(view, HR.deviceType);
  for (const [index, v] of types) if (v.type === 'oid' && v.value === HR.typePrinter) return index;
  const printers = column(view, HR.printerStatus);
  return printers.keys().next().value;
}

/** IANA-PRINTER-MIB PrtMarkerCounterUnitTC values that count pages. */
export const PAGE_COUNTER_UNITS = new Set([7 /* impressions */, 8 /* sheets */]);

/**
 * prtMarkerCounterUnit beside prtMarkerLifeCount (RFC 3805 PrtMarkerCounterUnitTC: 7 impressions,
 * 8 sheets): the unit of a counter read from the marker, which wins over a profile's declaration.
 */
export const MARKER_UNIT_COLUMN = {
  values: PRT.markerLifeCount,
  units: PRT.markerCounterUnit,
  map: { '7': 'impressions', '8': 'sheets' },
} as const satisfies import('./types.js').UnitColumn;

export const HR_DEVICE_STATUS: Record<number, 'unknown' | 'running' | 'warning' | 'testing' | 'down'> = {
  1: 'unknown',
  2: 'running',
  3: 'warning',
  4: 'testing',
  5: 'down',
};

export const HR_PRINTER_STATUS: Record<number, 'other' | 'unknown' | 'idle' | 'printing' | 'warmup'> = {
  1: 'other',
  2: 'unknown',
  3: 'idle',
  4: 'printing',
  5: 'warmup',
};

/** hrPrinterDetectedErrorState: bit 0 is the most significant bit of the first octet. */
export const HR_ERROR_BITS = [
  'lowPaper',
  'noPaper',
  'lowToner',
  'noToner',
  'doorOpen',
  'jammed',
  'offline',
  'serviceRequested',
  'inputTrayMissing',
  'outputTrayMissing',
  'markerSupplyMissing',
  'outputNearFull',
  'outputFull',
  'inputTrayEmpty',
  'overduePreventMaint',
] as const;

/** IANA-PRINTER-MIB PrtMarkerSuppliesTypeTC → our supply kinds. */
export const SUPPLY_TYPE: Record<number, import('../contract/reading.js').SupplyKind> = {
  1: 'other',
  2: 'other',
  3: 'toner',
  4: 'wasteToner',
  5: 'ink',
  6: 'inkCartridge',
  7: 'ribbon',
  8: 'wasteInk',
  9: 'drum',
  10: 'developer',
  15: 'fuser',
  18: 'cleaner',
  20: 'transferUnit',
  21: 'tonerCartridge',
  32: 'staples',
};

/** IANA-PRINTER-MIB PrtMarkerSuppliesSupplyUnitTC. */
export const SUPPLY_UNIT: Record<number, string> = {
  1: 'other',
  2: 'unknown',
  3: 'tenThousandthsOfInches',
  4: 'micrometers',
  7: 'impressions',
  8: 'sheets',
  11: 'hours',
  12: 'thousandthsOfOunces',
  13: 'tenthsOfGrams',
  14: 'hundrethsOfFluidOunces',
  15: 'tenthsOfMilliliters',
  16: 'feet',
  17: 'meters',
  18: 'items',
  19: 'percent',
};

/** IANA-PRINTER-MIB PrtAlertCodeTC (the codes a meter reader acts on). */
export const ALERT_CODE: Record<number, string> = {
  1: 'other',
  2: 'unknown',
  3: 'coverOpen',
  4: 'coverClosed',
  5: 'interlockOpen',
  6: 'interlockClosed',
  7: 'configurationChange',
  8: 'jam',
  9: 'subunitMissing',
  10: 'subunitLifeAlmostOver',
  11: 'subunitLifeOver',
  12: 'subunitAlmostEmpty',
  13: 'subunitEmpty',
  14: 'subunitAlmostFull',
  15: 'subunitFull',
  16: 'subunitNearLimit',
  17: 'subunitAtLimit',
  18: 'subunitOpened',
  19: 'subunitClosed',
  20: 'subunitTurnedOn',
  21: 'subunitTurnedOff',
  22: 'subunitOffline',
  23: 'subunitPowerSaver',
  24: 'subunitWarmingUp',
  25: 'subunitAdded',
  26: 'subunitRemoved',
  27: 'subunitResourceAdded',
  28: 'subunitResourceRemoved',
  29: 'subunitRecoverableFailure',
  30: 'subunitUnrecoverableFailure',
  31: 'subunitRecoverableStorageError',
  32: 'subunitUnrecoverableStorageError',
  33: 'subunitMotorFailure',
  34: 'subunitMemoryExhausted',
  35: 'subunitUnderTemperature',
  36: 'subunitOverTemperature',
  37: 'subunitTimingFailure',
  38: 'subunitThermistorFailure',
  501: 'doorOpen',
  502: 'doorClosed',
  503: 'poweredUp',
  504: 'poweredDown',
  505: 'printerNMSReset',
  506: 'printerManualReset',
  507: 'printerReadyToPrint',
  801: 'inputMediaTrayMissing',
  802: 'inputMediaSizeChange',
  803: 'inputMediaWeightChange',
  804: 'inputMediaTypeChange',
  805: 'inputMediaColorChange',
  806: 'inputMediaFormPartsChange',
  807: 'inputMediaSupplyLow',
  808: 'inputMediaSupplyEmpty',
  809: 'inputMediaChangeRequest',
  810: 'inputManualInputRequest',
  811: 'inputTrayPositionFailure',
  812: 'inputTrayElevationFailure',
  813: 'inputCannotFeedSizeSelected',
  901: 'outputMediaTrayMissing',
  902: 'outputMediaTrayAlmostFull',
  903: 'outputMediaTrayFull',
  904: 'outputMailboxSelectFailure',
  1001: 'markerFuserUnderTemperature',
  1002: 'markerFuserOverTemperature',
  1003: 'markerFuserTimingFailure',
  1004: 'markerFuserThermistorFailure',
  1005: 'markerAdjustingPrintQuality',
  1101: 'markerTonerEmpty',
  1102: 'markerInkEmpty',
  1103: 'markerPrintRibbonEmpty',
  1104: 'markerTonerAlmostEmpty',
  1105: 'markerInkAlmostEmpty',
  1106: 'markerPrintRibbonAlmostEmpty',
  1107: 'markerWasteTonerReceptacleAlmostFull',
  1108: 'markerWasteInkReceptacleAlmostFull',
  1109: 'markerWasteTonerReceptacleFull',
  1110: 'markerWasteInkReceptacleFull',
  1111: 'markerOpcLifeAlmostOver',
  1112: 'markerOpcLifeOver',
  1113: 'markerDeveloperAlmostEmpty',
  1114: 'markerDeveloperEmpty',
  1115: 'markerTonerCartridgeMissing',
  1301: 'mediaPathMediaTrayMissing',
  1302: 'mediaPathMediaTrayAlmostFull',
  1303: 'mediaPathMediaTrayFull',
  1304: 'mediaPathCannotDuplexMediaSelected',
};

export const ALERT_SEVERITY: Record<number, 'critical' | 'warning' | 'info' | 'other'> = {
  1: 'other',
  3: 'critical',
  4: 'warning',
  5: 'info' /* warningBinaryChangeEvent */,
};

/** PrtAlertGroupTC. */
export const ALERT_GROUP: Record<number, string> = {
  1: 'other',
  3: 'hostResourcesMIBStorageTable',
  4: 'hostResourcesMIBDeviceTable',
  5: 'generalPrinter',
  6: 'cover',
  7: 'localization',
  8: 'input',
  9: 'output',
  10: 'marker',
  11: 'markerSupplies',
  12: 'markerColorant',
  13: 'mediaPath',
  14: 'channel',
  15: 'interpreter',
  16: 'consoleDisplayBuffer',
  17: 'consoleLights',
  18: 'alert',
  30: 'finDevice',
  31: 'finSupply',
  32: 'finSupplyMediaInput',
  33: 'finAttribute',
};
