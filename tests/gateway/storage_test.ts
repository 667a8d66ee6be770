// The gateway's /storage/v1 with an unmodified supabase-js: buckets, uploads (raw, streamed,
// Blob, x-upsert), signed URLs and downloads, removal, and Storage's error shapes.
import assert from "node:assert/strict";
import { serviceClient, type TestClient, userClient } from "../support/clients.ts";
import { stackEnv } from "../support/env.ts";
import { withDb } from "../support/db.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";
import { createTestUser } from "../support/users.ts";
import { signJwt } from "../../local-stack/gateway/jwt.ts";

/** Runs `body` with a fresh bucket on a private gateway; removes the bucket's rows afterwards. */
async function withBucket(
  body: (ctx: { gateway: TestGateway; client: TestClient; bucket: string }) => Promise<void>,
) {
  await using gateway = await startTestGateway();
  const bucket = `gateway-test-${crypto.randomUUID()}`;
  const client = serviceClient({ url: gateway.url });
  const { error } = await client.storage.createBucket(bucket, { public: false });
  assert.equal(error, null);
  try {
    await body({ gateway, client, bucket });
  } finally {
    await withDb((sql) =>
      sql.begin(async (tx) => {
        await tx`select set_config('storage.allow_delete_query', 'true', true)`;
        await tx`delete from storage.objects where bucket_id = ${bucket}`;
        await tx`delete from storage.buckets where id = ${bucket}`;
      })
    );
  }
}

/** Downloads through a signed URL: status, headers and bytes. */
async function download(url: string) {
  const response = await fetch(url);
  return { response, bytes: new Uint8Array(await response.arrayBuffer()) };
}

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("createBucket then getBucket returns the bucket as Storage describes it", async () => {
  await withBucket(async ({ client, bucket }) => {
    const { data, error } = await client.storage.getBucket(bucket);
    assert.equal(error, null);
    assert.equal(data?.id, bucket);
    assert.equal(data?.public, false);
  });
});

Deno.test("getBucket of a missing bucket fails with NoSuchBucket", async () => {
  await using gateway = await startTestGateway();
  const { error } = await serviceClient({ url: gateway.url }).storage.getBucket("no-such-bucket");
  assert.equal((error as { statusCode?: string })?.statusCode, "404");
  assert.equal(error?.message, "Bucket not found");
});

Deno.test("a raw upload answers {Key, Id} and records the object with its metadata", async () => {
  await withBucket(async ({ client, bucket }) => {
    const { data, error } = await client.storage.from(bucket).upload(
      "a/b.csv",
      bytes("x,y\n1,2\n"),
      {
        contentType: "text/csv",
      },
    );
    assert.equal(error, null);
    assert.equal(data?.fullPath, `${bucket}/a/b.csv`);
    const [row] = await withDb((sql) =>
      sql`select id, metadata from storage.objects where bucket_id = ${bucket} and name = 'a/b.csv'`
    );
    assert.equal(row.id, data?.id);
    assert.equal(row.metadata.size, 8);
    assert.equal(row.metadata.mimetype, "text/csv");
    assert.equal(row.metadata.cacheControl, "max-age=3600");
  });
});

Deno.test("a signed URL downloads the same bytes with the requested filename", async () => {
  await withBucket(async ({ client, bucket }) => {
    const content = bytes("id,name\n1,Ada\n");
    await client.storage.from(bucket).upload("exports/report.csv", content, {
      contentType: "text/csv",
    });
    const { data, error } = await client.storage.from(bucket).createSignedUrl(
      "exports/report.csv",
      60,
      {
        download: "My report.csv",
      },
    );
    assert.equal(error, null);
    const { response, bytes: downloaded } = await download(data!.signedUrl);
    assert.equal(response.status, 200);
    assert.deepEqual(downloaded, content);
    assert.equal(response.headers.get("content-type"), "text/csv");
    assert.equal(
      response.headers.get("content-disposition"),
      "attachment; filename=My%20report.csv; filename*=UTF-8''My%20report.csv",
    );
  });
});

Deno.test("a streamed ReadableStream upload is stored byte for byte", async () => {
  await withBucket(async ({ client, bucket }) => {
    // Each chunk different, so that a chunk lost, repeated or reordered on its way to the disk
    // shows.
    const chunks = Array.from(
      { length: 32 },
      (_, k) => new Uint8Array(64 * 1024).map((_, i) => (i + 7 * k) % 251),
    );
    const { error } = await client.storage.from(bucket).upload(
      "big.bin",
      ReadableStream.from(chunks),
      { contentType: "application/octet-stream" },
    );
    assert.equal(error, null);
    const { data } = await client.storage.from(bucket).createSignedUrl("big.bin", 60);
    const { bytes: downloaded } = await download(data!.signedUrl);
    // Not deepEqual: its message for two 2 MiB arrays that differ takes minutes to build.
    const uploaded = new Uint8Array(await new Blob(chunks).arrayBuffer());
    assert.equal(downloaded.length, uploaded.length);
    const differs = downloaded.findIndex((byte, i) => byte !== uploaded[i]);
    assert.equal(differs, -1, `the download differs from the upload at byte ${differs}`);
  });
});

Deno.test("an upload refused before its body is read answers at once, and Storage serves on", async () => {
  await withBucket(async ({ client, bucket }) => {
    // 8 MiB still streaming when Storage answers: the answer must not wait for the rest.
    const chunk = new Uint8Array(256 * 1024).fill(1);
    const body = ReadableStream.from(Array.from({ length: 32 }, () => chunk));
    const { error } = await client.storage.from(`missing-${bucket}`).upload("x.bin", body, {
      contentType: "application/octet-stream",
    });
    assert.equal((error as { statusCode?: string } | null)?.statusCode, "404");
    assert.match(error!.message, /Bucket not found/);
    const { error: next } = await client.storage.from(bucket).upload("after.txt", bytes("ok"));
    assert.equal(next, null);
  });
});

Deno.test("the global file size limit refuses a declared Content-Length over it, not one at it", async () => {
  await using gateway = await startTestGateway({
    env: { EXPORTS_STORAGE_FILE_SIZE_LIMIT: "10" },
  });
  const bucket = `gateway-test-${crypto.randomUUID()}`;
  const client = serviceClient({ url: gateway.url });
  assert.equal((await client.storage.createBucket(bucket)).error, null);
  try {
    const upload = (text: string) =>
      fetch(`${gateway.url}/storage/v1/object/${bucket}/${text.length}.txt`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${stackEnv().serviceRoleKey}`,
          "content-type": "text/plain",
        },
        body: text,
      });
    const over = await upload("01234567890");
    assert.equal(over.status, 400);
    assert.deepEqual(await over.json(), {
      statusCode: "413",
      code: "EntityTooLarge",
      error: "Payload too large",
      message: "The object exceeded the maximum allowed size",
    });
    const at = await upload("0123456789");
    assert.equal(at.status, 200, await at.text());
  } finally {
    await withDb((sql) =>
      sql.begin(async (tx) => {
        await tx`select set_config('storage.allow_delete_query', 'true', true)`;
        await tx`delete from storage.objects where bucket_id = ${bucket}`;
        await tx`delete from storage.buckets where id = ${bucket}`;
      })
    );
  }
});

Deno.test("a Blob upload (sent as FormData) keeps its type and bytes", async () => {
  await withBucket(async ({ client, bucket }) => {
    const blob = new Blob(['{"a":1}\n'], { type: "application/x-ndjson" });
    const { error } = await client.storage.from(bucket).upload("rows.jsonl", blob);
    assert.equal(error, null);
    const { data } = await client.storage.from(bucket).createSignedUrl("rows.jsonl", 60);
    const { response, bytes: downloaded } = await download(data!.signedUrl);
    assert.equal(response.headers.get("content-type"), "application/x-ndjson");
    assert.equal(new TextDecoder().decode(downloaded), '{"a":1}\n');
  });
});

Deno.test("a duplicate upload without upsert fails with 409 KeyAlreadyExists", async () => {
  await withBucket(async ({ client, bucket }) => {
    await client.storage.from(bucket).upload("same.txt", bytes("one"));
    const { error } = await client.storage.from(bucket).upload("same.txt", bytes("two"));
    assert.equal((error as { statusCode?: string })?.statusCode, "409");
    assert.equal((error as { code?: string } | null)?.code, "KeyAlreadyExists");
    assert.match(error!.message, /already exists/);
  });
});

Deno.test("x-upsert replaces an object's bytes", async () => {
  await withBucket(async ({ client, bucket }) => {
    await client.storage.from(bucket).upload("same.txt", bytes("one"));
    const { error } = await client.storage.from(bucket).upload("same.txt", bytes("two!"), {
      upsert: true,
    });
    assert.equal(error, null);
    const { data } = await client.storage.from(bucket).createSignedUrl("same.txt", 60);
    assert.equal(new TextDecoder().decode((await download(data!.signedUrl)).bytes), "two!");
  });
});

Deno.test("an expired token is refused with 400 and InvalidJWT", async () => {
  await withBucket(async ({ gateway, client, bucket }) => {
    await client.storage.from(bucket).upload("f.txt", bytes("x"));
    const token = await signJwt({ url: `${bucket}/f.txt`, iat: 1, exp: 2 }, stackEnv().jwtSecret);
    const { response } = await download(
      `${gateway.url}/storage/v1/object/sign/${bucket}/f.txt?token=${token}`,
    );
    assert.equal(response.status, 400);
    assert.deepEqual(await responseBody(gateway, bucket, token), {
      statusCode: "400",
      code: "InvalidJWT",
      error: "InvalidJWT",
      message: "jwt expired",
    });
  });
});

Deno.test("a tampered token is refused with 400 and InvalidJWT", async () => {
  await withBucket(async ({ client, bucket, gateway }) => {
    await client.storage.from(bucket).upload("f.txt", bytes("x"));
    const { data } = await client.storage.from(bucket).createSignedUrl("f.txt", 60);
    const token = new URL(data!.signedUrl).searchParams.get("token")!;
    const [header, payload, signature] = token.split(".");
    const tampered = `${header}.${payload}.${signature.slice(0, -2)}${
      signature.endsWith("AA") ? "BB" : "AA"
    }`;
    const body = await responseBody(gateway, bucket, tampered);
    assert.equal(body.statusCode, "400");
    assert.equal(body.code, "InvalidJWT");
    assert.equal(body.message, "invalid signature");
  });
});

Deno.test("a token for another path is refused with InvalidSignature", async () => {
  await withBucket(async ({ client, bucket, gateway }) => {
    await client.storage.from(bucket).upload("mine.txt", bytes("x"));
    await client.storage.from(bucket).upload("f.txt", bytes("secret"));
    const { data } = await client.storage.from(bucket).createSignedUrl("mine.txt", 60);
    const token = new URL(data!.signedUrl).searchParams.get("token")!;
    const body = await responseBody(gateway, bucket, token);
    assert.equal(body.statusCode, "400");
    assert.equal(body.code, "InvalidSignature");
  });
});

Deno.test("signing a missing object fails with NoSuchKey", async () => {
  await withBucket(async ({ client, bucket }) => {
    const { error } = await client.storage.from(bucket).createSignedUrl("missing.txt", 60);
    assert.equal((error as { statusCode?: string })?.statusCode, "404");
    assert.equal(error?.message, "Object not found");
  });
});

Deno.test("remove deletes the named objects, their rows and their bytes", async () => {
  await withBucket(async ({ client, bucket, gateway }) => {
    await client.storage.from(bucket).upload("keep.txt", bytes("k"));
    await client.storage.from(bucket).upload("dir/gone.txt", bytes("g"));
    const { data: signed } = await client.storage.from(bucket).createSignedUrl("dir/gone.txt", 60);
    const { data, error } = await client.storage.from(bucket).remove(["dir/gone.txt"]);
    assert.equal(error, null);
    assert.deepEqual(data?.map((object) => object.name), ["dir/gone.txt"]);
    const { response } = await download(signed!.signedUrl);
    assert.equal(response.status, 400);
    await assert.rejects(
      Deno.stat(`${gateway.storageDir}/${bucket}/dir/gone.txt`),
      Deno.errors.NotFound,
    );
    const { error: keptError } = await client.storage.from(bucket).createSignedUrl("keep.txt", 60);
    assert.equal(keptError, null);
  });
});

Deno.test("a user's upload is subject to RLS on storage.objects", async () => {
  await withBucket(async ({ gateway, bucket }) => {
    const user = await createTestUser();
    const { error } = await userClient(user.token, { url: gateway.url }).storage.from(bucket)
      .upload("mine.txt", bytes("x"));
    assert.equal((error as { statusCode?: string })?.statusCode, "403");
    assert.match(error!.message, /row-level security/);
  });
});

async function responseBody(gateway: TestGateway, bucket: string, token: string) {
  const response = await fetch(
    `${gateway.url}/storage/v1/object/sign/${bucket}/f.txt?token=${token}`,
  );
  return await response.json();
}

Deno.test("Storage takes the secret key alone as the service role, and the publishable key as anon", async () => {
  const { supabaseUrl, secretKey, publishableKey, serviceRoleKey } = stackEnv();
  const create = (headers: Record<string, string>, id: string) =>
    fetch(`${supabaseUrl}/storage/v1/bucket`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ id, name: id, public: false }),
    });
  const bySecret = `keys-secret-${crypto.randomUUID()}`;
  const byLegacy = `keys-legacy-${crypto.randomUUID()}`;
  try {
    const secret = await create({ apikey: secretKey }, bySecret);
    assert.equal(secret.status, 200, await secret.text());
    const legacy = await create({ apikey: serviceRoleKey }, byLegacy);
    assert.equal(legacy.status, 200, await legacy.text());
    const anon = await create({ apikey: publishableKey }, `keys-anon-${crypto.randomUUID()}`);
    assert.equal(anon.status, 400);
    assert.match((await anon.json()).message, /row-level security/);
  } finally {
    await withDb((sql) =>
      sql.begin(async (tx) => {
        await tx`select set_config('storage.allow_delete_query', 'true', true)`;
        await tx`delete from storage.buckets where id in (${bySecret}, ${byLegacy})`;
      })
    );
  }
});

/** Sends only the head of an upload declaring `length` bytes; the status line of the answer. */
async function declaredUpload(url: string, bucket: string, length: number): Promise<string> {
  const { hostname, port } = new URL(url);
  const connection = await Deno.connect({ hostname, port: Number(port) });
  try {
    await connection.write(new TextEncoder().encode(
      `POST /storage/v1/object/${bucket}/big.bin HTTP/1.1\r\nHost: ${hostname}\r\n` +
        `Authorization: Bearer ${stackEnv().serviceRoleKey}\r\n` +
        `Content-Type: application/octet-stream\r\nContent-Length: ${length}\r\n\r\n`,
    ));
    const answer = new Uint8Array(4096);
    const read = await connection.read(answer);
    return new TextDecoder().decode(answer.subarray(0, read ?? 0));
  } finally {
    connection.close();
  }
}

Deno.test("under the free profile an upload over 50 MB is refused with Storage's error", async () => {
  await using gateway = await startTestGateway({ env: { EXPORTS_PROFILE: "free" } });
  const bucket = `gateway-test-${crypto.randomUUID()}`;
  const client = serviceClient({ url: gateway.url });
  assert.equal((await client.storage.createBucket(bucket)).error, null);
  try {
    const answer = await declaredUpload(gateway.url, bucket, 50 * 1024 * 1024 + 1);
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.deepEqual(JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4)), {
      statusCode: "413",
      code: "EntityTooLarge",
      error: "Payload too large",
      message: "The object exceeded the maximum allowed size",
    });
  } finally {
    assert.equal((await client.storage.deleteBucket(bucket)).error, null);
  }
});
