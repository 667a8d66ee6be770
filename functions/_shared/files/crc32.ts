// CRC-32 (the ZIP and gzip checksum), updated chunk by chunk: node:zlib's
// native crc32 where the runtime has it, the table-driven loop below where it
// does not.
import zlib from "node:zlib";

/** Updates `crc` (0 to start) with `bytes`; returns the new CRC as an unsigned 32-bit number. */
export type Crc32 = (bytes: Uint8Array, crc: number) => number;

const native = (zlib as { crc32?: Crc32 }).crc32;

const table = Uint32Array.from({ length: 256 }, (_, byte) => {
  let c = byte;
  for (let bit = 0; bit < 8; bit++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** The portable implementation: one table lookup a byte. */
export const crc32Portable: Crc32 = (bytes, crc) => {
  let c = ~crc;
  for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
};

/** The fastest implementation this runtime has. */
export const crc32: Crc32 = native ?? crc32Portable;
