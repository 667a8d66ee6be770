// Where object bytes live: <root>/<bucket>/<name>, written through a temporary file so that a
// half-received upload never replaces a stored object, and never held whole in memory.
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { storageErrors } from "./errors.ts";

/** A body received into a temporary file. */
export interface ReceivedFile {
  path: string;
  size: number;
  /** Hex MD5 of the bytes: S3's (and so Storage's) ETag for a single-part upload. */
  md5: string;
}

/**
 * The files of one Storage root folder. Creating, opening and renaming files
 * are synchronous calls: each is quick on a local disk, while an async one
 * hands the call to a thread pool and back, which for a small upload costs
 * more CPU than the upload's bytes.
 */
export class Disk {
  constructor(readonly root: string) {}

  /** The file of an object; `bucket` and `name` must have passed `checkObjectKey`. */
  objectPath(bucket: string, name: string): string {
    return join(this.root, bucket, ...name.split("/"));
  }

  /** Streams `body` into a new temporary file, failing with EntityTooLarge past `maxBytes`. */
  async receive(
    body: AsyncIterable<Uint8Array>,
    maxBytes: number,
  ): Promise<ReceivedFile> {
    const path = join(this.root, ".tmp", crypto.randomUUID());
    const hash = createHash("md5");
    let size = 0;
    // Synchronous writes on purpose: with an async write awaited between the
    // reads of a streamed request body, Deno delivers the body many times
    // slower, while a synchronous write of one chunk blocks the loop only
    // briefly.
    const file = createFile(path);
    try {
      for await (const chunk of body) {
        size += chunk.length;
        if (size > maxBytes) throw storageErrors.entityTooLarge();
        hash.update(chunk);
        for (let written = 0; written < chunk.length;) {
          written += file.writeSync(chunk.subarray(written));
        }
      }
    } catch (error) {
      file.close();
      this.#removeQuietly(path);
      throw error;
    }
    file.close();
    return { path, size, md5: hash.digest("hex") };
  }

  /**
   * Takes a finished file from elsewhere on this disk (a resumable upload) as a received one: a
   * hard link, so the original stays for the protocol that wrote it, and its MD5.
   */
  async adopt(source: string): Promise<ReceivedFile> {
    const path = join(this.root, ".tmp", crypto.randomUUID());
    Deno.mkdirSync(dirname(path), { recursive: true });
    try {
      Deno.linkSync(source, path);
    } catch {
      Deno.copyFileSync(source, path);
    }
    const hash = createHash("md5");
    let size = 0;
    // The stream closes the file when it ends.
    for await (const chunk of (await Deno.open(path)).readable) {
      size += chunk.length;
      hash.update(chunk);
    }
    return { path, size, md5: hash.digest("hex") };
  }

  /** Moves a received file into place as the object's bytes. */
  store(received: ReceivedFile, bucket: string, name: string): void {
    const target = this.objectPath(bucket, name);
    Deno.mkdirSync(dirname(target), { recursive: true });
    Deno.renameSync(received.path, target);
  }

  /** Drops a received file that was not stored. */
  discard(received: ReceivedFile): void {
    this.#removeQuietly(received.path);
  }

  /** Deletes an object's bytes; a file already gone is fine. */
  delete(bucket: string, name: string): void {
    try {
      Deno.removeSync(this.objectPath(bucket, name));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }

  #removeQuietly(path: string): void {
    try {
      Deno.removeSync(path);
    } catch {
      // Already gone, or never written: nothing to drop.
    }
  }
}

/** Creates a new file, and its folder when that is missing (the first upload, or a reset). */
function createFile(path: string): Deno.FsFile {
  const options = { write: true, createNew: true };
  try {
    return Deno.openSync(path, options);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    Deno.mkdirSync(dirname(path), { recursive: true });
    return Deno.openSync(path, options);
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
