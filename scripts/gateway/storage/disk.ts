// Where object bytes live: <root>/<bucket>/<name>, written through a temporary file so that a
// half-received upload never replaces a stored object, and never held whole in memory.
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { dirname, join } from "node:path";
import { storageErrors } from "./errors.ts";

/** A body received into a temporary file. */
export interface ReceivedFile {
  path: string;
  size: number;
  /** Hex MD5 of the bytes: S3's (and so Storage's) ETag for a single-part upload. */
  md5: string;
}

/** The files of one Storage root folder. */
export class Disk {
  constructor(readonly root: string) {}

  /** The file of an object; `bucket` and `name` must have passed `checkObjectKey`. */
  objectPath(bucket: string, name: string): string {
    return join(this.root, bucket, ...name.split("/"));
  }

  /** Streams `body` into a new temporary file, failing with EntityTooLarge past `maxBytes`. */
  async receive(body: Readable, maxBytes: number): Promise<ReceivedFile> {
    const path = join(this.root, ".tmp", crypto.randomUUID());
    await Deno.mkdir(dirname(path), { recursive: true });
    const hash = createHash("md5");
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > maxBytes) return done(storageErrors.entityTooLarge());
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, meter, createWriteStream(path));
    } catch (error) {
      await Deno.remove(path).catch(() => {});
      throw error;
    }
    return { path, size, md5: hash.digest("hex") };
  }

  /** Moves a received file into place as the object's bytes. */
  async store(received: ReceivedFile, bucket: string, name: string): Promise<void> {
    const target = this.objectPath(bucket, name);
    await Deno.mkdir(dirname(target), { recursive: true });
    await Deno.rename(received.path, target);
  }

  /** Drops a received file that was not stored. */
  async discard(received: ReceivedFile): Promise<void> {
    await Deno.remove(received.path).catch(() => {});
  }

  /** Deletes an object's bytes; a file already gone is fine. */
  async delete(bucket: string, name: string): Promise<void> {
    await Deno.remove(this.objectPath(bucket, name)).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }
}

/** Refuses bucket ids and object names that could escape the root or are not Storage keys. */
export function checkObjectKey(bucket: string, name: string): void {
  if (!isBucketId(bucket)) throw storageErrors.invalidBucketName();
  const segments = name.split("/");
  if (name === "" || segments.some((s) => s === "" || s === "." || s === "..")) {
    throw storageErrors.invalidKey(name);
  }
}

/** Whether `id` can name a bucket (and a folder under the root). */
export function isBucketId(id: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9_.\- ]*$/.test(id);
}
