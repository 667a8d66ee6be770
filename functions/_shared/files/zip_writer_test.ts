// The ZIP writer against a real reader (JSZip, which exceljs reads XLSX with):
// entries come back byte for byte, with and without ZIP64 records.
import assert from "node:assert/strict";
import JSZip from "jszip";
import { zipArchive, type ZipEntry } from "./zip_writer.ts";

const encoder = new TextEncoder();

// A 200 kB pattern (several deflate blocks), the same on every call.
const big = Uint8Array.from({ length: 200_000 }, (_, i) => Math.imul(i + 1, 2654435761) >>> 24);

function entries(): ZipEntry[] {
  return [
    { name: "[Content_Types].xml", data: encoder.encode("<Types/>") },
    { name: "empty.txt", data: new Uint8Array(0) },
    { name: "folder/ünïcödé 東京.txt", data: encoder.encode("café") },
    {
      name: "streamed.bin",
      data: ReadableStream.from([
        big.subarray(0, 1),
        big.subarray(1, 70_000),
        big.subarray(70_000),
      ]),
    },
  ];
}

async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function readBack(archive: Uint8Array): Promise<Map<string, Uint8Array>> {
  const zip = await JSZip.loadAsync(archive);
  const files = new Map<string, Uint8Array>();
  for (const file of Object.values(zip.files)) files.set(file.name, await file.async("uint8array"));
  return files;
}

async function expectedOf(list: ZipEntry[]): Promise<Map<string, Uint8Array>> {
  return new Map(
    await Promise.all(list.map(async (entry) =>
      [
        entry.name,
        entry.data instanceof Uint8Array ? entry.data : await bytesOf(entry.data),
      ] as const
    )),
  );
}

Deno.test("every entry reads back byte for byte", async () => {
  const expected = await expectedOf(entries());
  const files = await readBack(await bytesOf(zipArchive(entries())));
  assert.deepEqual([...files.keys()], [...expected.keys()]);
  for (const [name, bytes] of expected) assert.deepEqual(files.get(name), bytes, name);
});

Deno.test("entries, offsets and the directory past the 32-bit limit are written as ZIP64", async () => {
  // A limit of 100 bytes puts the big entry's sizes, the later entries'
  // offsets and the directory's offset all past it.
  const archive = await bytesOf(zipArchive(entries(), { zip64Above: 100 }));
  const view = new DataView(archive.buffer);
  const zip64EndAt = archive.length - 22 - 20 - 56;
  assert.equal(view.getUint32(zip64EndAt, true), 0x06064b50, "a ZIP64 end of central directory");
  const expected = await expectedOf(entries());
  const files = await readBack(archive);
  for (const [name, bytes] of expected) assert.deepEqual(files.get(name), bytes, name);
});

Deno.test("an entry whose bytes fail fails the archive with that error", async () => {
  const broken = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode("some bytes"));
      controller.error(new Error("the source went away"));
    },
  });
  await assert.rejects(
    bytesOf(
      zipArchive([{ name: "a.txt", data: encoder.encode("a") }, { name: "b", data: broken }]),
    ),
    /the source went away/,
  );
});

Deno.test("canceling the archive cancels the entry being read", async () => {
  const { promise: canceled, resolve } = Promise.withResolvers<unknown>();
  const endless = new ReadableStream<Uint8Array>({
    pull: (controller) => controller.enqueue(big.slice(0, 65_536)),
    cancel: resolve,
  });
  const reader = zipArchive([{ name: "endless", data: endless }]).getReader();
  await reader.read();
  await reader.read();
  await reader.cancel("enough");
  await canceled;
});
