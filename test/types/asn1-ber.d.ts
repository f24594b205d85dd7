/** The parts of asn1-ber (net-snmp's BER library) the hostile-agent test uses; the package ships no types. */
declare module 'asn1-ber' {
  export class BerReader {
    constructor(buf: Buffer);
    readonly offset: number;
    readonly length: number;
    peek(): number | null;
    readByte(): number | null;
    readSequence(tag?: number): number | null;
    readInt(tag?: number): number;
    readString(tag?: number, retbuf?: boolean): string | Buffer;
    readOID(tag?: number): string;
  }
  export class BerWriter {
    constructor(options?: { size?: number });
    readonly buffer: Buffer;
    writeByte(b: number): void;
    writeInt(i: number, tag?: number): void;
    writeString(s: string, tag?: number): void;
    writeBuffer(buf: Buffer, tag?: number): void;
    writeOID(oid: string, tag?: number): void;
    startSequence(tag?: number): void;
    endSequence(): void;
  }
}
