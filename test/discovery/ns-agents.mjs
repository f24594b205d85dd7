// Starts simulated printers and switches on the given addresses, for the network-namespace lab.
// `meterbox simulate` serves 127.0.0.0/8 only (fleet.ts refuses other addresses), so inside a lab
// namespace this helper starts the same agents (dist/simulator) on the lab's 10.201.x addresses.
// Usage: node ns-agents.mjs '<json: [{ address, port, ordinal?, kind: "printer"|"switch", communities }]>'
import { Buffer } from 'node:buffer';
import { join } from 'node:path';
import { DEVICE_FIXTURES } from '../../dist/paths.js';
import { startAgent } from '../../dist/simulator/agent.js';
import { loadSnmprecFile } from '../../dist/simulator/fleet.js';
import { MibData } from '../../dist/simulator/mib-data.js';
import { makeSynthetic } from '../../dist/simulator/synthetic.js';

const specs = JSON.parse(process.argv[2] ?? '[]');
const template = loadSnmprecFile(join(DEVICE_FIXTURES, 'generic-color-laser.snmprec'));
const text = (s) => ({ type: 'octets', value: Buffer.from(s) });
const SWITCH = [
  { oid: '1.3.6.1.2.1.1.1.0', value: text('Cisco IOS Software, C2960X Software, Version 15.2(7)E4') },
  { oid: '1.3.6.1.2.1.1.2.0', value: { type: 'oid', value: '1.3.6.1.4.1.9.1.1208' } },
];
const agents = [];
for (const s of specs) {
  const auth = { communities: s.communities };
  if (s.kind === 'printer') {
    const syn = makeSynthetic(template, { ordinal: s.ordinal });
    agents.push(await startAgent({ address: s.address, port: s.port, data: syn.data, auth, beforeRequest: () => syn.advance() }));
  } else {
    agents.push(await startAgent({ address: s.address, port: s.port, data: new MibData(SWITCH), auth }));
  }
}
process.stdout.write(`ready ${agents.length}\n`);
const stop = async () => {
  await Promise.all(agents.map((a) => a.close()));
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
