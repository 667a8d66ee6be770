// After a release its migrations are add-only: every file a manifest in supabase/releases/ lists
// is still in supabase/migrations/ as released, and every new one sorts after them. Where the
// clone holds the release tags, each manifest must also match its tag's tree.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { addOnlyViolations, releaseTags, tagViolations } from "./release_manifests.ts";

const repoDir = fileURLToPath(new URL("../../", import.meta.url));
const migrationsDir = `${repoDir}supabase/migrations`;
const releasesDir = `${repoDir}supabase/releases`;

Deno.test("released migrations are unchanged and new ones come after them", async () => {
  const violations = await addOnlyViolations({ migrationsDir, releasesDir });
  assert.deepEqual(violations, [], `\n${violations.join("\n")}`);
});

Deno.test("each release manifest matches its tag, where the clone holds the tags", async () => {
  const tags = await releaseTags(repoDir);
  if (tags.length === 0) {
    console.log("no v* tags in this clone: the manifests are not compared with tags");
    return;
  }
  const violations = await tagViolations({ repoDir, releasesDir, tags });
  assert.deepEqual(violations, [], `\n${violations.join("\n")}`);
});
