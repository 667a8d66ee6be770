// A seeded generator of hostile requests to the exports API and the public
// RPCs: malformed JSON, every JSON type in every field, huge and deeply nested
// values, NUL bytes and lone surrogates, odd headers and methods, and every
// kind of token. The same seed always yields the same cases.

/** The kinds of caller a case may claim to be; the test mints a header for each. */
export const tokenKinds = [
  "none",
  "anon",
  "service_role",
  "user",
  "expired",
  "forged",
  "alg_none",
  "deleted_user",
  "unknown_role",
  "bad_sub",
  "garbage",
] as const;

/** A kind of caller. */
export type TokenKind = typeof tokenKinds[number];

/** One request to send: to the exports API (`api`) or to PostgREST's RPC (`rpc`). */
export interface FuzzCase {
  target: "api" | "rpc";
  method: string;
  /** Below `/functions/v1/exports` or `/rest/v1/rpc/`, query string included. */
  path: string;
  token: TokenKind;
  headers: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer>;
}

/** The public RPCs, and names that are none. */
const rpcNames = [
  "request_export",
  "list_exports",
  "get_export",
  "list_export_events",
  "cancel_export",
  "delete_export",
  "record_export_download",
  "list_export_sources",
  "list_export_scopes",
  "no_such_function",
  "_require_user",
];

const createFields = ["source", "format", "options", "idempotency_key", "scope", "compression"];
const listFields = [
  "status",
  "format",
  "source",
  "requested_from",
  "requested_to",
  "page_size",
  "before_export_id",
];

/** A small, fast PRNG (mulberry32): good enough to spread cases, and replayable. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Makes `count` cases from `seed`. */
export function fuzzCases(seed: number, count: number): FuzzCase[] {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const chance = (p: number) => random() < p;

  const nasty = [
    "",
    "\0",
    "a\0b",
    "\ud800",
    "x\udfffy",
    "\u202e",
    "\ufeff",
    "'; drop table exports.exports; --",
    "%00",
    "../../etc/passwd",
    "conversations",
    "csv",
    "xlsx",
    "gzip",
    "none",
    "queued",
    "2026-01-01T00:00:00Z",
    "00000000-0000-0000-0000-000000000000",
    "😀".repeat(50),
  ];

  function deep(depth: number): unknown {
    let value: unknown = chance(0.5) ? [] : {};
    for (let i = 0; i < depth; i++) value = chance(0.5) ? [value] : { a: value };
    return value;
  }

  function jsonValue(level = 0): unknown {
    switch (Math.floor(random() * 12)) {
      case 0:
        return null;
      case 1:
        return chance(0.5);
      case 2:
        return pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, 3600, 60, 100, 101]);
      case 3:
        return pick(nasty);
      case 4:
        return uuidFrom(random);
      case 5:
        return "x".repeat(pick([1, 200, 201, 5000, 70_000]));
      case 6:
        return deep(pick([2, 31, 33, 200, 5000]));
      case 7:
        return level > 2 ? [] : Array.from({ length: pick([0, 1, 3]) }, () => jsonValue(level + 1));
      case 8:
        return level > 2 ? {} : Object.fromEntries(
          Array.from({ length: pick([0, 1, 3]) }, () => [pick(nasty), jsonValue(level + 1)]),
        );
      case 9:
        return { min_quality: pick([0.5, "0.5", null, [], 2]), tag: pick(nasty) };
      case 10:
        return String.fromCharCode(Math.floor(random() * 0x10000));
      default:
        return pick(["conversations", "budget", "csv", "jsonl", "pdf", "none", "gzip"]);
    }
  }

  function objectBody(fields: string[], base: Record<string, unknown>): Record<string, unknown> {
    const body: Record<string, unknown> = { ...base };
    for (let i = 0, n = 1 + Math.floor(random() * 3); i < n; i++) {
      const field = chance(0.9) ? pick(fields) : pick(nasty);
      if (chance(0.1)) delete body[field];
      else body[field] = jsonValue();
    }
    return body;
  }

  function body(fields: string[], base: Record<string, unknown>): string | Uint8Array<ArrayBuffer> {
    const roll = random();
    if (roll < 0.08) return pick(["{", "[]", "null", "1", '"x"', "{]", "{'a': 1}", "\u0000", ""]);
    if (roll < 0.1) return new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0xed, 0xa0, 0x80, 0x22, 0x7d]);
    if (roll < 0.12) return "[".repeat(5000) + "]".repeat(5000);
    if (roll < 0.13) return JSON.stringify({ source: "x".repeat(70_000) });
    return JSON.stringify(objectBody(fields, base));
  }

  function apiCase(): FuzzCase {
    const id = chance(0.8) ? uuidFrom(random) : pick(["not-a-uuid", "%00", "%ED%A0%80", "%ff", ""]);
    const [path, takes] = pick(
      [
        ["", "POST"],
        ["", "GET"],
        [`/${id}`, "GET"],
        [`/${id}`, "DELETE"],
        [`/${id}/cancel`, "POST"],
        [`/${id}/link`, "POST"],
        [`/${id}/events`, "GET"],
      ] as const,
    );
    const method = chance(0.8)
      ? takes
      : pick(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "PROPFIND", "FUZZ"]);
    let query = "";
    if (path === "" && method === "GET" && chance(0.7)) {
      const params = Object.fromEntries(
        Object.entries(objectBody(listFields, {})).map(([k, v]) => [k, String(v).slice(0, 2000)]),
      );
      // URLSearchParams replaces lone surrogates; a raw escape reaches the API as they are.
      query = "?" + (chance(0.8) ? new URLSearchParams(params).toString() : pick([
        "format=%00",
        "source=%ED%A0%80",
        "page_size=1e999",
        "status=queued&status=failed",
        "%00=1",
      ]));
    }
    const sendsBody = method !== "GET" && method !== "HEAD";
    return {
      target: "api",
      method,
      path: path + query,
      token: pick(tokenKinds),
      headers: oddHeaders(),
      ...(sendsBody && chance(0.9)
        ? {
          body: path === ""
            ? body(createFields, { source: "conversations", format: "csv" })
            : body(["expires_in"], {}),
        }
        : {}),
    };
  }

  function rpcCase(): FuzzCase {
    const name = pick(rpcNames);
    const args = name === "request_export"
      ? { source: "conversations", format: "csv" }
      : name === "list_exports"
      ? {}
      : { export_id: uuidFrom(random) };
    const fields = name === "request_export"
      ? createFields
      : name === "list_exports"
      ? listFields
      : ["export_id"];
    const headers = oddHeaders();
    if (chance(0.1)) headers["content-profile"] = pick(["public", "exports", "auth", "nope"]);
    const method = chance(0.9) ? "POST" : pick(["GET", "PATCH", "DELETE", "PUT"]);
    return {
      target: "rpc",
      method,
      path: name,
      token: pick(tokenKinds),
      headers,
      ...(method === "GET" ? {} : { body: body(fields, args) }),
    };
  }

  function oddHeaders(): Record<string, string> {
    const headers: Record<string, string> = {};
    if (chance(0.85)) headers["content-type"] = "application/json";
    else if (chance(0.5)) {
      headers["content-type"] = pick([
        "text/plain",
        "multipart/form-data",
        "application/xml",
        "*/*",
      ]);
    }
    if (chance(0.1)) headers["x-client-info"] = pick(["", "supabase-js/0.0.0", "x".repeat(2000)]);
    if (chance(0.1)) headers["accept"] = pick(["text/csv", "application/vnd.pgrst.object+json"]);
    if (chance(0.05)) headers["prefer"] = pick(["return=minimal", "tx=rollback", "params=single"]);
    return headers;
  }

  return Array.from({ length: count }, () => chance(0.7) ? apiCase() : rpcCase());
}

/** A random version 4 UUID drawn from `random`, so it is replayed with the seed. */
function uuidFrom(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = "4";
  hex[16] = "89ab"[Math.floor(random() * 4)];
  const text = hex.join("");
  return `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${
    text.slice(20)
  }`;
}
