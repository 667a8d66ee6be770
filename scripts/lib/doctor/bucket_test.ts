import assert from "node:assert/strict";
import { applyFix, rolledBack } from "./_rolled_back.ts";
import { checkBucket } from "./bucket.ts";

Deno.test("bucket: the installed private bucket passes", async () => {
  assert.deepEqual((await rolledBack((tx) => checkBucket(tx))).map((f) => f.severity), ["ok"]);
});

Deno.test("bucket: a public bucket is found, and its fix makes it private", async () => {
  await rolledBack(async (tx) => {
    await tx`update storage.buckets set public = true where id = 'exports'`;
    const [finding] = await checkBucket(tx);
    assert.equal(finding.severity, "fail");
    assert.match(finding.message, /is public/);
    await applyFix(tx, finding.fix);
    assert.equal((await checkBucket(tx))[0].severity, "ok");
  });
});

Deno.test("bucket: a missing bucket is found, and its fix creates it private", async () => {
  await rolledBack(async (tx) => {
    await tx`set local storage.allow_delete_query = 'true'`;
    await tx`delete from storage.objects where bucket_id = 'exports'`;
    await tx`delete from storage.buckets where id = 'exports'`;
    const [finding] = await checkBucket(tx);
    assert.equal(finding.severity, "fail");
    assert.match(finding.message, /does not exist/);
    await applyFix(tx, finding.fix);
    assert.equal((await checkBucket(tx))[0].severity, "ok");
  });
});
