// Part uploads against the stack's Storage over real HTTP: slices that pause and resume give the
// file's exact bytes, also after a slice killed in the middle of a chunk; Storage's refusals
// surface as StorageFailures with the status it meant.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { stackEnv } from "../../../tests/support/env.ts";
import { serviceClient } from "../../../tests/support/clients.ts";
import { within } from "../../../tests/support/within.ts";
import { partBytes } from "../../../tests/support/part_upload_child.ts";
import {
  deleteUpload,
  openPartUpload,
  uploadIsGone,
  type UploadState,
  type UploadTarget,
} from "./part_upload.ts";
import { StorageFailure } from "./worker_failure.ts";

const MiB = 1024 * 1024;

function target(options: Partial<UploadTarget> = {}): UploadTarget {
  const env = stackEnv();
  return {
    storageUrl: `${env.supabaseUrl}/storage/v1`,
    key: env.serviceRoleKey,
    bucket: "exports",
    path: `part-upload-test/${crypto.randomUUID()}/export-part-001.csv`,
    contentType: "text/csv",
    ...options,
  };
}

/** The stored object's bytes and headers, or its status when there is none. */
async function download(to: UploadTarget) {
  const response = await fetch(`${to.storageUrl}/object/authenticated/${to.bucket}/${to.path}`, {
    headers: { authorization: `Bearer ${stackEnv().serviceRoleKey}` },
  });
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, bytes, headers: response.headers };
}

/** What Storage says of an upload: HEAD's status and offset. */
async function head(state: UploadState) {
  const key = stackEnv().serviceRoleKey;
  const response = await fetch(state.url, {
    method: "HEAD",
    headers: { authorization: `Bearer ${key}`, apikey: key, "tus-resumable": "1.0.0" },
  });
  await response.body?.cancel();
  return { status: response.status, offset: Number(response.headers.get("upload-offset")) };
}

/** Removes objects through Storage, as the worker's cleanup does. */
async function removeObjects(bucket: string, paths: string[]) {
  const { error } = await serviceClient({ keys: "legacy" }).storage.from(bucket).remove(paths);
  assert.equal(error, null);
}

async function rejectsWith(work: Promise<unknown>, status: number, message: RegExp) {
  await assert.rejects(work, (error) => {
    assert.ok(error instanceof StorageFailure, `a StorageFailure, not ${error}`);
    assert.equal(error.status, status, error.message);
    assert.match(error.message, message);
    return true;
  });
}

Deno.test("a part written by slices that pause and resume is stored with exactly its bytes", async () => {
  const part = target();
  const bytes = partBytes(14 * MiB + 12_345);
  // Slice boundaries that fall inside chunks, a slice that writes nothing, and writes of all sizes.
  const slices = [[0, 1_000], [1_000, 7 * MiB + 3], [7 * MiB + 3, 7 * MiB + 3], [
    7 * MiB + 3,
    bytes.length,
  ]];
  // Rows, COPY's blocks, and writes larger than a chunk.
  const writeSizes = [1, 100, 65_536, 777_777, 7 * MiB];
  let state: UploadState | null = null;
  for (const [index, [from, end]] of slices.entries()) {
    const upload = await openPartUpload(part, state);
    assert.equal(upload.offset, from, "a slice continues where the last one paused");
    for (let at = from, write = 0; at < end; write++) {
      const size = writeSizes[write % writeSizes.length];
      await upload.write(bytes.subarray(at, Math.min(at + size, end)));
      at += size;
    }
    if (index < slices.length - 1) {
      state = await upload.pause();
      assert.equal(state.offset, end, "the state is the offset written so far");
      assert.deepEqual(await head(state), { status: 200, offset: end }, "Storage holds it all");
      assert.equal((await download(part)).status, 400, "an unfinished upload is no object yet");
    } else {
      await upload.finish();
    }
  }
  const stored = await download(part);
  assert.equal(stored.status, 200);
  assert.equal(stored.bytes.length, bytes.length);
  assert.ok(stored.bytes.every((byte, i) => byte === bytes[i]), "the stored bytes are the part's");
  assert.equal(stored.headers.get("content-type"), "text/csv");
  assert.equal(stored.headers.get("cache-control"), "max-age=3600");
  await removeObjects(part.bucket, [part.path]);
});

/**
 * A TCP relay in front of the gateway that forwards requests until it has passed a number of
 * bytes more than it had when told, then holds (the request hangs mid-body) or drops that
 * connection (the request is cut mid-body; later connections go through).
 */
function holdingRelay(upstreamUrl: string) {
  const upstream = new URL(upstreamUrl);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const connections = new Set<Deno.Conn>();
  let forwarded = 0;
  let stopAt = Infinity;
  let stop: "hold" | "drop" = "hold";
  let closed = false;
  const stopped = Promise.withResolvers<void>();
  const closeQuietly = (conn: Deno.Conn) => {
    connections.delete(conn);
    try {
      conn.close();
    } catch {
      // Closed from the other side.
    }
  };
  (async () => {
    for await (const client of listener) {
      const server = await Deno.connect({
        hostname: upstream.hostname,
        port: Number(upstream.port),
      });
      connections.add(client).add(server);
      const count = new TransformStream<Uint8Array, Uint8Array>({
        async transform(chunk, controller) {
          const room = stopAt - forwarded;
          if (room < chunk.length) {
            controller.enqueue(chunk.subarray(0, Math.max(room, 0)));
            forwarded = stopAt;
            stopAt = Infinity;
            stopped.resolve();
            if (stop === "drop") {
              // Let the gateway take what reached it, then cut both sides.
              await new Promise((resolve) => setTimeout(resolve, 100));
              [client, server].forEach(closeQuietly);
            }
            await new Promise(() => {});
          }
          forwarded += chunk.length;
          controller.enqueue(chunk);
        },
      });
      client.readable.pipeThrough(count).pipeTo(server.writable).catch(() => {});
      server.readable.pipeTo(client.writable).catch(() => {});
    }
  })().catch(() => {});
  return {
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    /** Bytes forwarded from clients to the gateway so far. */
    forwarded: () => forwarded,
    /** Forwards `bytes` more, then holds. */
    holdAfter(bytes: number) {
      stop = "hold";
      stopAt = forwarded + bytes;
    },
    /** Forwards `bytes` more, then drops that connection. */
    dropAfter(bytes: number) {
      stop = "drop";
      stopAt = forwarded + bytes;
    },
    /** Resolves once it has held or dropped. */
    stopped: stopped.promise,
    close() {
      if (closed) return;
      closed = true;
      listener.close();
      [...connections].forEach(closeQuietly);
    },
  };
}

Deno.test("a slice killed in the middle of a chunk is resumed from its checkpoint to the same bytes", async () => {
  const env = stackEnv();
  const relay = holdingRelay(env.supabaseUrl);
  const path = `part-upload-test/${crypto.randomUUID()}/export-part-001.csv`;
  const throughRelay = target({ storageUrl: `${relay.url}/storage/v1`, path });
  const direct = target({ path });
  const paused = 2 * MiB + 5;
  const bytes = partBytes(15 * MiB);
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--no-prompt",
      fileURLToPath(new URL("../../../tests/support/part_upload_child.ts", import.meta.url)),
      JSON.stringify(throughRelay),
      String(paused),
      String(bytes.length),
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let printed = "";
    while (!printed.includes("\n")) {
      const { done, value } = await within(30_000, lines.read());
      if (done) throw new Error("the child ended before it paused");
      printed += value;
    }
    const checkpoint: UploadState = JSON.parse(printed);
    // The child's next request is a HEAD, then a 6 MiB PATCH: hold that PATCH at about 3 MiB.
    relay.holdAfter(3 * MiB);
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode("go\n"));
    await within(30_000, relay.stopped);
    // Let Storage take what reached it before the kill.
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill("SIGKILL");
    await child.status;
    relay.close();
    const checkpointUrl = checkpoint.url.replace(relay.url, env.supabaseUrl);
    const state = { url: checkpointUrl, offset: checkpoint.offset };
    // Storage may still be taking the dropped request's body: wait until its offset settles.
    let kept = await head(state);
    for (let tries = 0; tries < 20; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const again = await head(state);
      if (again.offset === kept.offset) break;
      kept = again;
    }
    assert.equal(kept.status, 200);
    assert.ok(
      kept.offset > paused && kept.offset < paused + 6 * MiB,
      `Storage kept part of the interrupted chunk (offset ${kept.offset})`,
    );
    // The slice runs again from the checkpoint and writes the same bytes, of which only those
    // Storage does not hold yet go out again.
    const counting = holdingRelay(env.supabaseUrl);
    try {
      const upload = await openPartUpload(
        target({ storageUrl: `${counting.url}/storage/v1`, path }),
        { url: checkpoint.url.replace(relay.url, counting.url), offset: checkpoint.offset },
      );
      assert.equal(upload.offset, paused);
      await upload.write(bytes.subarray(paused));
      await upload.finish();
      const headers = 16 * 1024;
      assert.ok(
        counting.forwarded() < bytes.length - kept.offset + headers,
        `the bytes Storage kept are not sent again (${counting.forwarded()} sent)`,
      );
    } finally {
      counting.close();
    }
    const stored = await download(direct);
    assert.equal(stored.status, 200);
    assert.equal(stored.bytes.length, bytes.length);
    assert.ok(
      stored.bytes.every((byte, i) => byte === bytes[i]),
      "the stored bytes are the part's",
    );
    await removeObjects(direct.bucket, [path]);
  } finally {
    relay.close();
    try {
      child.kill("SIGKILL");
    } catch {
      // Already killed.
    }
    await child.status;
    await child.stdout.cancel().catch(() => {});
  }
});

Deno.test("finishing an upload that Storage already holds whole is a finished upload", async () => {
  const to = target();
  const bytes = partBytes(3 * MiB);
  const first = await openPartUpload(to, null);
  await first.write(bytes.subarray(0, MiB));
  const state = await first.pause();
  const last = await openPartUpload(to, state);
  await last.write(bytes.subarray(MiB));
  await last.finish();
  // The slice that finished is run again (its completion was not recorded).
  const again = await openPartUpload(to, state);
  await again.write(bytes.subarray(MiB));
  await again.finish();
  const stored = await download(to);
  assert.ok(
    stored.bytes.every((byte, i) => byte === bytes[i]) && stored.bytes.length === bytes.length,
  );
  // Another length is not that file.
  const other = await openPartUpload(to, state);
  await other.write(bytes.subarray(MiB, 2 * MiB));
  await rejectsWith(
    other.finish(),
    409,
    /already complete at 3145728 bytes, but 2097152 were written/,
  );
  assert.equal(await deleteUpload(to, state), "finished", "TUS does not delete a finished upload");
  await removeObjects(to.bucket, [to.path]);
});

/**
 * Sends the last chunk of `state`'s upload, declaring its `length`, and
 * drops the connection after `sent` bytes of its body, as a worker killed
 * in the middle of it does.
 */
async function cutLastChunk(state: UploadState, bytes: Uint8Array, sent: number) {
  const url = new URL(state.url);
  const key = stackEnv().serviceRoleKey;
  const connection = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
  const head = [
    `PATCH ${url.pathname} HTTP/1.1`,
    `host: ${url.host}`,
    `authorization: Bearer ${key}`,
    `apikey: ${key}`,
    "x-upsert: true",
    "tus-resumable: 1.0.0",
    "content-type: application/offset+octet-stream",
    `upload-offset: ${state.offset}`,
    `upload-length: ${bytes.length}`,
    `content-length: ${bytes.length - state.offset}`,
  ].join("\r\n");
  await connection.write(new TextEncoder().encode(`${head}\r\n\r\n`));
  const body = bytes.subarray(state.offset, state.offset + sent);
  for (let written = 0; written < body.length;) {
    written += await connection.write(body.subarray(written));
  }
  connection.close();
}

Deno.test("a last chunk cut short leaves its length declared, and the slice run again finishes it", async () => {
  const to = target();
  const bytes = partBytes(3 * MiB + 7);
  const first = await openPartUpload(to, null);
  await first.write(bytes.subarray(0, MiB));
  const state = await first.pause();
  await cutLastChunk(state, bytes, MiB);
  // Wait until Storage has taken what reached it.
  let kept = await head(state);
  for (let tries = 0; tries < 20 && kept.offset === state.offset; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    kept = await head(state);
  }
  assert.ok(kept.offset > state.offset && kept.offset < bytes.length, `offset ${kept.offset}`);

  // Another length than the one declared is not that file.
  const other = await openPartUpload(to, state);
  await other.write(bytes.subarray(MiB, bytes.length - 1));
  await rejectsWith(
    other.finish(),
    409,
    new RegExp(`declared at ${bytes.length} bytes, but ${bytes.length - 1} were written`),
  );

  const again = await openPartUpload(to, state);
  await again.write(bytes.subarray(MiB));
  await again.finish();
  const stored = await download(to);
  assert.equal(stored.status, 200);
  assert.equal(stored.bytes.length, bytes.length);
  assert.ok(stored.bytes.every((byte, i) => byte === bytes[i]), "the stored bytes are the part's");
  await removeObjects(to.bucket, [to.path]);
});

Deno.test("an aborted upload leaves no object, and Storage no longer knows it", async () => {
  const to = target();
  const upload = await openPartUpload(to, null);
  await upload.write(partBytes(7 * MiB));
  const state = { url: (await upload.pause()).url, offset: 7 * MiB };
  const resumed = await openPartUpload(to, state);
  await resumed.write(partBytes(MiB));
  await resumed.abort();
  assert.equal((await head(state)).status, 404);
  assert.equal((await download(to)).status, 400, "no object");
  await assert.rejects(resumed.write(new Uint8Array(1)), /it is aborted/);
  await assert.rejects(
    openPartUpload(to, state),
    (error) => uploadIsGone(error) && (error as StorageFailure).status === 404,
    "a slice that resumes it learns it is gone",
  );
});

Deno.test("deleteUpload deletes an unfinished upload, and one already gone is gone", async () => {
  const to = target();
  const upload = await openPartUpload(to, null);
  await upload.write(partBytes(100));
  const state = await upload.pause();
  assert.equal(await deleteUpload(to, state), "deleted");
  assert.equal((await head(state)).status, 404);
  assert.equal(await deleteUpload(to, state), "gone");
});

Deno.test("a part over the bucket's size limit fails as 413, saying so", async () => {
  const bucket = `part-upload-test-${crypto.randomUUID().slice(0, 8)}`;
  const storage = serviceClient({ keys: "legacy" }).storage;
  const created = await storage.createBucket(bucket, { public: false, fileSizeLimit: MiB });
  assert.equal(created.error, null);
  try {
    const upload = await openPartUpload(target({ bucket }), null);
    await upload.write(partBytes(MiB + 1));
    await rejectsWith(upload.finish(), 413, /over Storage's file size limit/);
    // The same when the limit is passed in the middle of the file, by a full chunk.
    const longer = await openPartUpload(target({ bucket }), null);
    const writes = (async () => {
      await longer.write(partBytes(7 * MiB));
      await longer.finish();
    })();
    await rejectsWith(writes, 413, /over Storage's file size limit/);
  } finally {
    assert.equal((await storage.deleteBucket(bucket)).error, null);
  }
});

Deno.test("a key that may not write the object fails as 403", async () => {
  const env = stackEnv();
  await rejectsWith(
    openPartUpload(target({ key: env.anonKey }), null),
    403,
    /row-level security/,
  );
  await rejectsWith(openPartUpload(target({ key: "not-a-key" }), null), 403, /jwt malformed/);
});

Deno.test("a Storage that stops answering fails the upload as unavailable after the stall timeout", async () => {
  // Accepts connections, reads what comes, never answers.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const connections: Deno.Conn[] = [];
  (async () => {
    for await (const conn of listener) {
      connections.push(conn);
      conn.readable.pipeTo(new WritableStream()).catch(() => {});
    }
  })().catch(() => {});
  try {
    const port = (listener.addr as Deno.NetAddr).port;
    const started = Date.now();
    await rejectsWith(
      openPartUpload(target({ storageUrl: `http://127.0.0.1:${port}/storage/v1` }), null, {
        stallTimeoutMs: 300,
      }),
      0,
      /did not take or answer POST of an upload within 300 ms/,
    );
    assert.ok(Date.now() - started < 5_000, "a stall is not retried");
  } finally {
    listener.close();
    connections.forEach((conn) => conn.close());
  }
});

Deno.test("a Storage that stops taking a chunk fails the upload as unavailable", async () => {
  const relay = holdingRelay(stackEnv().supabaseUrl);
  try {
    const to = target({ storageUrl: `${relay.url}/storage/v1` });
    const upload = await openPartUpload(to, null, { stallTimeoutMs: 500 });
    relay.holdAfter(MiB);
    const writes = (async () => {
      await upload.write(partBytes(7 * MiB));
      await upload.finish();
    })();
    await rejectsWith(within(10_000, writes), 0, /did not take or answer PATCH/);
  } finally {
    relay.close();
  }
});

Deno.test("a connection cut in the middle of a chunk is retried from Storage's offset", async () => {
  const relay = holdingRelay(stackEnv().supabaseUrl);
  try {
    const to = target({ storageUrl: `${relay.url}/storage/v1` });
    const bytes = partBytes(9 * MiB);
    const upload = await openPartUpload(to, null);
    relay.dropAfter(2 * MiB);
    await upload.write(bytes);
    await upload.finish();
    await relay.stopped;
    const stored = await download(target({ path: to.path }));
    assert.equal(stored.status, 200);
    assert.ok(
      stored.bytes.every((byte, i) => byte === bytes[i]) && stored.bytes.length === bytes.length,
    );
    await removeObjects(to.bucket, [to.path]);
  } finally {
    relay.close();
  }
});

Deno.test("a Storage that keeps failing answers with its 5xx once the retries are spent", async () => {
  let requests = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    requests++;
    return new Response("Something went wrong with that request\n", { status: 503 });
  });
  try {
    const storageUrl = `http://127.0.0.1:${server.addr.port}/storage/v1`;
    await rejectsWith(
      openPartUpload(target({ storageUrl }), null, { retryDelaysMs: [0, 10] }),
      503,
      /503 Something went wrong/,
    );
    assert.equal(requests, 3, "the creation is tried once and retried twice");
  } finally {
    await server.shutdown();
  }
});

Deno.test("a checkpoint ahead of what Storage holds is refused, not patched over", async () => {
  const to = target();
  const upload = await openPartUpload(to, null);
  await upload.write(partBytes(1000));
  const state = await upload.pause();
  await rejectsWith(
    openPartUpload(to, { url: state.url, offset: state.offset + 100 }),
    409,
    /holds 1000 bytes .* fewer than the 1100/,
  );
  assert.equal(await deleteUpload(to, state), "deleted");
});
