/** Host-Resources and Printer-MIB status objects → DeviceStatus. Pure. */
import { ALERT_CODE, ALERT_GROUP, ALERT_SEVERITY, HR, HR_DEVICE_STATUS, HR_ERROR_BITS, HR_PRINTER_STATUS, PRT, printerDeviceIndex } from '../profiles/standard-mib.js';
import { cell, column } from '../snmp/table.js';
import { asBuffer, asNumber, asText, type MibView } from '../snmp/values.js';
import type { Alert, DeviceStatus } from '../contract/reading.js';

export function decodeErrorState(bytes: Buffer): string[] {
  const out: string[] = [];
  HR_ERROR_BITS.forEach((name, bit) => {
    const byte = bytes[bit >> 3];
    if (byte !== undefined && (byte & (0x80 >> (bit & 7))) !== 0) out.push(name);
  });
  return out;
}

export function decodeAlerts(view: MibView): Alert[] {
  const entry = PRT.alertEntry;
  const alerts: Alert[] = [];
  for (const [index, sev] of column(view, `${entry}.2`)) {
    const code = asNumber(cell(view, entry, 7, index));
    const group = asNumber(cell(view, entry, 4, index));
    const text = asText(cell(view, entry, 8, index));
    const alert: Alert = {
      severity: ALERT_SEVERITY[asNumber(sev) ?? 1] ?? 'other',
      code: code === undefined ? 'unknown' : (ALERT_CODE[code] ?? `alert${code}`),
    };
    if (text) alert.text = text;
    if (group !== undefined && ALERT_GROUP[group]) alert.group = ALERT_GROUP[group];
    alerts.push(alert);
  }
  return alerts;
}

export function decodeStatus(view: MibView): DeviceStatus {
  const index = printerDeviceIndex(view);
  const status: DeviceStatus = { errors: [], alerts: decodeAlerts(view) };
  if (index !== undefined) {
    const dev = asNumber(view.get(`${HR.deviceStatus}.${index}`));
    const prn = asNumber(view.get(`${HR.printerStatus}.${index}`));
    if (dev !== undefined && HR_DEVICE_STATUS[dev]) status.device = HR_DEVICE_STATUS[dev];
    if (prn !== undefined && HR_PRINTER_STATUS[prn]) status.printer = HR_PRINTER_STATUS[prn];
    const bits = asBuffer(view.get(`${HR.printerErrorState}.${index}`));
    if (bits) status.errors = decodeErrorState(bits);
  }
  const consoleLines = [...column(view, PRT.consoleText).values()].map((v) => asText(v) ?? '').filter((s) => s !== '');
  if (consoleLines.length > 0) status.console = consoleLines;
  return status;
}
