// Local stacks run Postgres with fsync, synchronous_commit and full_page_writes
// off (scripts/db-start): the test suite never needs to survive a crash. The
// figures must not be flattered by that: a commit that does not wait for its
// WAL to reach the disk makes every queue and RPC figure look faster than on
// hosted Postgres. So the seed, which measures nothing, runs without them, and
// every measurement runs with them on.
import type postgres from "postgres";

/** The settings that make a commit durable, off on local stacks. */
const durabilitySettings = ["fsync", "synchronous_commit", "full_page_writes"] as const;

/** How the figures' commits reached the disk, for the report's header. */
export const durabilityNote = "- durability: fsync, synchronous_commit and full_page_writes on " +
  "while measuring, as on hosted Postgres (the local stack runs with them off; the seed did)";

/**
 * Turns the durability settings on (`durable`) or back to the stack's own
 * configuration. Turning them on waits until new connections get them, and
 * ends with a checkpoint, so the seed's unwritten pages are flushed now
 * rather than in the middle of a measurement.
 */
export async function setDurability(sql: postgres.Sql, durable: boolean): Promise<void> {
  for (const setting of durabilitySettings) {
    if (durable) await sql.unsafe(`alter system set ${setting} = on`);
    else await sql.unsafe(`alter system reset ${setting}`);
  }
  await sql`select pg_reload_conf()`;
  if (!durable) return;
  // The reload is a signal: the postmaster rereads the files, then signals
  // every backend, which rereads them before its next command. Once this
  // session sees fsync on, so will every connection opened after it.
  for (let attempt = 0; attempt < 100; attempt++) {
    const [{ fsync }] = await sql`select current_setting('fsync') as fsync`;
    if (fsync === "on") {
      await sql`checkpoint`;
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("Postgres did not turn fsync on within 5 s of pg_reload_conf()");
}
