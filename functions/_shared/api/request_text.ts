// What a request's text must be before zod or Postgres sees it: a body small
// and shallow enough to parse and check without exhausting the stack, and
// strings Postgres can store (no NUL, no lone UTF-16 surrogate).
import { joinBytes } from "../files/join_bytes.ts";

/** The largest body the API reads, in bytes: its requests are a few hundred. */
export const maxBodyBytes = 64 * 1024;

/** The deepest nesting of arrays and objects a body may hold (the options' values are shallow). */
export const maxDepth = 32;

/** A field that cannot reach the database as it is, and why. */
export interface TextIssue {
  path: string;
  message: string;
}

/** How reading a body ended: a value, or why there is none. */
export type BodyReading =
  | { ok: true; value: unknown }
  | { ok: false; reason: "too_large" }
  | { ok: false; reason: "not_json" }
  | { ok: false; reason: "invalid"; issues: TextIssue[] };

/**
 * Reads a JSON body (empty means `{}`) of at most `maxBodyBytes`, refusing
 * one nested deeper than `maxDepth` or holding a string Postgres refuses.
 */
export async function readJsonBody(request: Request): Promise<BodyReading> {
  const declared = Number(request.headers.get("content-length"));
  if (declared > maxBodyBytes) {
    await request.body?.cancel();
    return { ok: false, reason: "too_large" };
  }
  const bytes = await readAtMost(request, maxBodyBytes);
  if (!bytes) return { ok: false, reason: "too_large" };
  const text = new TextDecoder().decode(bytes);
  if (text.trim() === "") return { ok: true, value: {} };
  // JSON.parse itself recurses, but only to the depth a body this small can
  // reach; zod's walk over the same value is what overflows.
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: "not_json" };
  }
  const issues = textIssues(value);
  return issues.length ? { ok: false, reason: "invalid", issues } : { ok: true, value };
}

/**
 * The issues of a parsed value: nesting deeper than `maxDepth`, and strings
 * (keys included) with a NUL or a lone surrogate. Iterative, so any depth is
 * safe to inspect; it stops at the first issue below a too-deep value.
 */
export function textIssues(value: unknown): TextIssue[] {
  const issues: TextIssue[] = [];
  const pending: { value: unknown; path: string[] }[] = [{ value, path: [] }];
  while (pending.length) {
    const { value, path } = pending.pop()!;
    if (typeof value === "string") {
      const problem = stringProblem(value);
      if (problem) issues.push({ path: path.join("."), message: problem });
      continue;
    }
    if (typeof value !== "object" || value === null) continue;
    if (path.length >= maxDepth) {
      issues.push({ path: path.join("."), message: `nested deeper than ${maxDepth} levels` });
      continue;
    }
    for (const [key, child] of Object.entries(value)) {
      const problem = stringProblem(key);
      if (problem) issues.push({ path: [...path, key].join("."), message: `its name ${problem}` });
      pending.push({ value: child, path: [...path, key] });
    }
  }
  return issues;
}

/** The issues of a query string's parameters (names and values). */
export function queryIssues(params: URLSearchParams): TextIssue[] {
  const issues: TextIssue[] = [];
  for (const [name, value] of params) {
    const problem = stringProblem(name) ?? stringProblem(value);
    if (problem) issues.push({ path: name, message: problem });
  }
  return issues;
}

/** Why Postgres cannot take a string as text, or null when it can. */
function stringProblem(text: string): string | null {
  if (text.includes("\0")) return "contains a NUL character, which text cannot hold";
  if (!text.isWellFormed()) return "contains a lone UTF-16 surrogate, which is not Unicode text";
  return null;
}

/** The body's bytes, or null when it has more than `limit`. */
async function readAtMost(request: Request, limit: number): Promise<Uint8Array | null> {
  if (!request.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body) {
    size += chunk.byteLength;
    if (size > limit) return null;
    chunks.push(chunk);
  }
  return joinBytes(chunks, size);
}
