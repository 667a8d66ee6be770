// The worker's client against the real local Postgres: its pool (bounded,
// idle connections closed, connecting again after refusals, through a TCP
// relay in front of the database), and TLS as the URL's sslmode asks for it
// (scripts/db-start gives the cluster a certificate signed by a local CA).
import assert from "node:assert/strict";
import { tcpRelay } from "../../../tests/support/tcp_relay.ts";
import { within } from "../../../tests/support/within.ts";
import { connectionTarget, workerDb } from "./db_client.ts";

const databaseUrl = Deno.env.get("SUPABASE_DB_URL")!;

/** Whether the session running the query is encrypted, as the server sees it. */
async function encrypted(url: string): Promise<boolean> {
  const db = workerDb(url, { max: 1 });
  try {
    const [{ ssl }] = await within(
      10_000,
      db.sql<{ ssl: boolean }[]>`select ssl from pg_stat_ssl where pid = pg_backend_pid()`,
    );
    return ssl;
  } finally {
    await db.sql.end({ timeout: 1 });
  }
}

Deno.test("a pool whose connections were refused connects again once the database is back", async () => {
  const database = tcpRelay(new URL(databaseUrl));
  const db = workerDb(database.url(), { max: 2 });
  try {
    // More refusals than the pool has connections.
    for (let attempt = 0; attempt < 4; attempt++) {
      await assert.rejects(within(10_000, db.sql`select 1`), /ECONNREFUSED/);
    }
    database.up();
    const [{ up }] = await within(10_000, db.sql`select true as up`);
    assert.equal(up, true);
  } finally {
    database.down();
    await db.sql.end({ timeout: 1 });
  }
});

Deno.test("a connection idle past the pool's idle timeout is closed", async () => {
  const db = workerDb(databaseUrl, { max: 1, idleTimeoutSeconds: 1 });
  const observer = workerDb(databaseUrl, { max: 1 });
  try {
    const [{ pid }] = await db.sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
    const connected = async () =>
      (await observer.sql`select 1 from pg_stat_activity where pid = ${pid}`).length === 1;
    assert.equal(await connected(), true, "the pool holds its connection after the query");
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    assert.equal(await connected(), false, "the idle connection is closed");
  } finally {
    await db.sql.end({ timeout: 1 });
    await observer.sql.end({ timeout: 1 });
  }
});

Deno.test("the pool opens no more connections than its size", async () => {
  const db = workerDb(databaseUrl, { max: 2 });
  try {
    const pids = await Promise.all(
      Array.from(
        { length: 6 },
        () =>
          db.sql<{ pid: number }[]>`select pg_backend_pid() as pid, pg_sleep(0.2)`.then(([row]) =>
            row.pid
          ),
      ),
    );
    assert.equal(new Set(pids).size, 2, "six queries at once share two connections");
  } finally {
    await db.sql.end({ timeout: 1 });
  }
});

Deno.test("a URL without sslmode connects in plain text; sslmode=prefer takes the TLS offered", async () => {
  assert.equal(await encrypted(databaseUrl), false);
  assert.equal(await encrypted(`${databaseUrl}?sslmode=prefer`), true);
});

Deno.test("sslmode=require encrypts the session, and a COPY and a query after it run over TLS", async () => {
  assert.equal(await encrypted(`${databaseUrl}?sslmode=require`), true);
  const db = workerDb(`${databaseUrl}?sslmode=require`, { max: 1 });
  try {
    const copy = await db
      .sql`copy (select repeat('x', 100) from generate_series(1, 20000)) to stdout`
      .readable();
    let bytes = 0;
    for await (const chunk of copy) bytes += chunk.length;
    db.resumeReads();
    assert.equal(bytes, 101 * 20_000, "the COPY's output arrives whole");
    const [{ ssl }] = await within(
      10_000,
      db.sql<{ ssl: boolean }[]>`select ssl from pg_stat_ssl where pid = pg_backend_pid()`,
    );
    assert.equal(ssl, true, "the connection that ran the COPY is the encrypted one");
  } finally {
    await db.sql.end({ timeout: 1 });
  }
});

Deno.test("sslmode=verify-full accepts the server's certificate only from the CA it names", async () => {
  const rootCertificate = Deno.env.get("LOCAL_DB_ROOT_CERT")!;
  assert.equal(
    await encrypted(`${databaseUrl}?sslmode=verify-full&sslrootcert=${rootCertificate}`),
    true,
    "signed by the local CA",
  );
  await assert.rejects(
    encrypted(`${databaseUrl}?sslmode=verify-full`),
    /certificate/,
    "not signed by a CA the system trusts",
  );
});

Deno.test("a TLS pool whose connections were refused connects again once the database is back", async () => {
  const database = tcpRelay(new URL(databaseUrl));
  const db = workerDb(`${database.url()}?sslmode=require`, { max: 2 });
  try {
    for (let attempt = 0; attempt < 4; attempt++) {
      await assert.rejects(within(10_000, db.sql`select 1`), /ECONNREFUSED/);
    }
    database.up();
    const [{ ssl }] = await within(
      10_000,
      db.sql<{ ssl: boolean }[]>`select ssl from pg_stat_ssl where pid = pg_backend_pid()`,
    );
    assert.equal(ssl, true);
  } finally {
    database.down();
    await db.sql.end({ timeout: 1 });
  }
});

Deno.test("connectionTarget keeps sslmode and sslrootcert from postgres.js and refuses modes it cannot honour", () => {
  assert.deepEqual(connectionTarget("postgresql://u:p@db:5432/postgres"), {
    url: "postgresql://u:p@db:5432/postgres",
    tls: "disable",
  });
  assert.deepEqual(
    connectionTarget("postgresql://u:p@db:5432/postgres?sslmode=require&application_name=x"),
    {
      url: "postgresql://u:p@db:5432/postgres?application_name=x",
      tls: "require",
      rootCertificate: undefined,
    },
  );
  assert.throws(
    () => connectionTarget("postgresql://u:p@db:5432/postgres?sslmode=verify-ca"),
    /does not support sslmode=verify-ca: use one of disable, prefer, require, verify-full/,
  );
});
