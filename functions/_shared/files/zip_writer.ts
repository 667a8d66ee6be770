// Writes a ZIP archive as a stream, one entry after another, each deflated as
// it is read: nothing is held whole, so an entry may be far larger than
// memory. Sizes and checksums follow each entry in a data descriptor (the
// writer cannot go back), and ZIP64 records are written only where a size or
// an offset does not fit in 32 bits (APPNOTE.TXT 4.3.9, 4.5.3).
import { Duplex } from "node:stream";
import zlib from "node:zlib";
import { crc32 } from "./crc32.ts";

/** One file in the archive. */
export interface ZipEntry {
  /** Its path inside the archive, with `/` between folders. */
  name: string;
  /** Its bytes, read once, as the archive is read. */
  data: Uint8Array | ReadableStream<Uint8Array>;
}

/** Options for {@link zipArchive}. */
export interface ZipOptions {
  /**
   * The largest size or offset written without ZIP64. Only tests lower it:
   * ZIP64's records are then exercised without writing 4 GiB.
   */
  zip64Above?: number;
}

/** The largest size or offset a ZIP holds without ZIP64. */
export const u32Max = 0xffff_ffff;
const encoder = new TextEncoder();

/** An entry as written: what its data descriptor and central directory header record. */
export interface Written {
  name: Uint8Array;
  crc: number;
  compressedSize: number;
  size: number;
  offset: number;
}

/** The archive of `entries`, deflated, streamed as its reader pulls. */
export function zipArchive(
  entries: Iterable<ZipEntry>,
  options: ZipOptions = {},
): ReadableStream<Uint8Array> {
  return ReadableStream.from(archiveChunks(entries, options.zip64Above ?? u32Max));
}

async function* archiveChunks(entries: Iterable<ZipEntry>, zip64Above: number) {
  const written: Written[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = encoder.encode(entry.name);
    const header = localHeader(name);
    yield header;
    const record: Written = { name, crc: 0, compressedSize: 0, size: 0, offset };
    for await (const chunk of deflated(entry.data, record)) {
      record.compressedSize += chunk.length;
      yield chunk;
    }
    const descriptor = dataDescriptor(record, zip64Above);
    yield descriptor;
    offset += header.length + record.compressedSize + descriptor.length;
    written.push(record);
  }
  const directory = written.map((record) => centralHeader(record, zip64Above));
  const directorySize = directory.reduce((sum, header) => sum + header.length, 0);
  yield* directory;
  yield* endRecords(written.length, directorySize, offset, zip64Above);
}

// Deflate level 3, not zlib's default 6 (CompressionStream has no level):
// on sheet XML it takes about a third of the CPU for a file only a few
// percent larger, and deflating is most of an XLSX export's CPU, of which a
// hosted function has 2 s.
export const deflateLevel = 3;

/** The entry's bytes through raw deflate; counts them and their CRC into `record`. */
async function* deflated(data: ZipEntry["data"], record: Written) {
  const source = data instanceof Uint8Array ? ReadableStream.from([data]) : data;
  const deflate = Duplex.toWeb(
    zlib.createDeflateRaw({ level: deflateLevel }),
  ) as unknown as TransformStream<Uint8Array, Uint8Array>;
  const writer = deflate.writable.getWriter();
  let failure: unknown;
  const feeding = (async () => {
    for await (const chunk of source) {
      record.crc = crc32(chunk, record.crc);
      record.size += chunk.length;
      await writer.write(chunk as Uint8Array<ArrayBuffer>);
    }
    await writer.close();
  })().catch(async (error) => {
    // The entry's source failed, or the archive was canceled: the deflate
    // stream ends with that error, and so does the archive.
    failure ??= error;
    await writer.abort(error).catch(() => {});
  });
  try {
    yield* deflate.readable;
  } finally {
    await feeding;
  }
  if (failure !== undefined) throw failure;
}

// Version 2.0 (deflate) unless the entry needs ZIP64 (4.5); bit 3: sizes in a
// data descriptor; bit 11: the name is UTF-8. Time and date: 1980-01-01 00:00,
// MS-DOS's zero, so the same rows give the same file.
const versionDeflate = 20;
const versionZip64 = 45;
const flags = 0x0008 | 0x0800;
const methodDeflate = 8;
const dosTime = 0;
const dosDate = (0 << 9) | (1 << 5) | 1;

/**
 * The fields both headers hold in the same order from `at`: the version
 * needed to extract, the flags, the method, the time and the date.
 */
function setEntryFields(view: DataView, at: number, version: number): void {
  view.setUint16(at, version, true);
  view.setUint16(at + 2, flags, true);
  view.setUint16(at + 4, methodDeflate, true);
  view.setUint16(at + 6, dosTime, true);
  view.setUint16(at + 8, dosDate, true);
}

/** An entry's local header; its CRC and sizes follow its data, in its data descriptor. */
export function localHeader(name: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(30 + name.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x04034b50, true);
  setEntryFields(view, 4, versionDeflate);
  // CRC and sizes (14-25) are zero: they come in the data descriptor.
  view.setUint16(26, name.length, true);
  view.setUint16(28, 0, true);
  bytes.set(name, 30);
  return bytes;
}

function needsZip64(record: Written, zip64Above: number): boolean {
  return record.size > zip64Above || record.compressedSize > zip64Above;
}

/** The data descriptor after an entry's data: its CRC and sizes. */
export function dataDescriptor(record: Written, zip64Above: number): Uint8Array {
  const zip64 = needsZip64(record, zip64Above);
  const bytes = new Uint8Array(zip64 ? 24 : 16);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x08074b50, true);
  view.setUint32(4, record.crc, true);
  if (zip64) {
    view.setBigUint64(8, BigInt(record.compressedSize), true);
    view.setBigUint64(16, BigInt(record.size), true);
  } else {
    view.setUint32(8, record.compressedSize, true);
    view.setUint32(12, record.size, true);
  }
  return bytes;
}

/** An entry's header in the central directory. */
export function centralHeader(record: Written, zip64Above: number): Uint8Array {
  // The ZIP64 extra field holds, in this order, only the values too large for
  // their 32-bit fields, which then read 0xffffffff (4.5.3).
  const large = [
    record.size > zip64Above ? record.size : null,
    record.compressedSize > zip64Above ? record.compressedSize : null,
    record.offset > zip64Above ? record.offset : null,
  ];
  const extraValues = large.filter((value) => value !== null);
  const extraLength = extraValues.length ? 4 + 8 * extraValues.length : 0;
  const bytes = new Uint8Array(46 + record.name.length + extraLength);
  const view = new DataView(bytes.buffer);
  const version = extraLength ? versionZip64 : versionDeflate;
  view.setUint32(0, 0x02014b50, true);
  view.setUint16(4, version, true); // made by
  setEntryFields(view, 6, version);
  view.setUint32(16, record.crc, true);
  view.setUint32(20, large[1] === null ? record.compressedSize : u32Max, true);
  view.setUint32(24, large[0] === null ? record.size : u32Max, true);
  view.setUint16(28, record.name.length, true);
  view.setUint16(30, extraLength, true);
  // Comment length, disk number, internal and external attributes: zero.
  view.setUint32(42, large[2] === null ? record.offset : u32Max, true);
  bytes.set(record.name, 46);
  if (extraLength) {
    const at = 46 + record.name.length;
    view.setUint16(at, 0x0001, true);
    view.setUint16(at + 2, 8 * extraValues.length, true);
    extraValues.forEach((value, index) => {
      view.setBigUint64(at + 4 + 8 * index, BigInt(value!), true);
    });
  }
  return bytes;
}

/** The records that end the archive, after its central directory. */
export function* endRecords(
  count: number,
  directorySize: number,
  directoryOffset: number,
  zip64Above: number,
) {
  const zip64 = count > 0xffff || directorySize > zip64Above || directoryOffset > zip64Above;
  if (zip64) {
    const record = new Uint8Array(56);
    const view = new DataView(record.buffer);
    view.setUint32(0, 0x06064b50, true);
    view.setBigUint64(4, 44n, true);
    view.setUint16(12, versionZip64, true);
    view.setUint16(14, versionZip64, true);
    // This disk and the directory's disk: zero.
    view.setBigUint64(24, BigInt(count), true);
    view.setBigUint64(32, BigInt(count), true);
    view.setBigUint64(40, BigInt(directorySize), true);
    view.setBigUint64(48, BigInt(directoryOffset), true);
    yield record;
    const locator = new Uint8Array(20);
    const locatorView = new DataView(locator.buffer);
    locatorView.setUint32(0, 0x07064b50, true);
    locatorView.setBigUint64(8, BigInt(directoryOffset + directorySize), true);
    locatorView.setUint32(16, 1, true);
    yield locator;
  }
  const end = new Uint8Array(22);
  const view = new DataView(end.buffer);
  view.setUint32(0, 0x06054b50, true);
  view.setUint16(8, zip64 ? 0xffff : count, true);
  view.setUint16(10, zip64 ? 0xffff : count, true);
  view.setUint32(12, zip64 ? u32Max : directorySize, true);
  view.setUint32(16, zip64 ? u32Max : directoryOffset, true);
  yield end;
}
