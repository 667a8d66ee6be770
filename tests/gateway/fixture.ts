// Paths of the fixture project the gateway tests start their gateways on.
import { fileURLToPath } from "node:url";

/** tests/gateway/fixtures/supabase/config.toml */
export const fixtureConfig = fileURLToPath(
  new URL("./fixtures/supabase/config.toml", import.meta.url),
);

/** Polls `check` every 50 ms until it returns true; throws with `what` after `seconds`. */
export async function eventually(what: string, check: () => Promise<boolean>, seconds = 20) {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
