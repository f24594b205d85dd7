import dgram from 'node:dgram';

/** A UDP port that was free a moment ago on `address` (the OS picks it). */
export async function freeUdpPort(address = '127.0.0.1'): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((res, rej) => {
    s.once('error', rej);
    s.bind(0, address, () => res());
  });
  const { port } = s.address();
  await new Promise<void>((res) => s.close(() => res()));
  return port;
}
