/** Loopback addressing for tests: each file picks its own random 127.x.y.0/24 block so files can run in parallel. */
import { freeUdpPort } from './ports.js';

/** A random first host address `127.<20-250>.<0-255>.1`; the block's .1–.254 are this file's. */
export function randomLoopbackBlock(): string {
  const b = 20 + Math.floor(Math.random() * 231);
  const c = Math.floor(Math.random() * 256);
  return `127.${b}.${c}.1`;
}

/** A random loopback block and a UDP port that is free on its first address. */
export async function loopbackEndpoint(): Promise<{ first: string; port: number }> {
  const first = randomLoopbackBlock();
  return { first, port: await freeUdpPort(first) };
}
