// `POST /object/list/<bucket>` (storage-js `list`): the entries one level under a prefix, as
// Storage's `storage.search()` answers them: objects, and each deeper folder once with null
// fields, under RLS as the caller.
import type { JwtClaims } from "../jwt.ts";
import { asCaller } from "./as_caller.ts";
import { storageErrors } from "./errors.ts";
import { jsonBody } from "./json_body.ts";
import type { StorageContext } from "./context.ts";

const sortColumns = ["name", "updated_at", "created_at", "last_accessed_at"] as const;
type SortColumn = typeof sortColumns[number];

/** One listed entry; a folder has only its name. */
export interface ListEntry {
  name: string;
  id: string | null;
  updated_at: Date | null;
  created_at: Date | null;
  last_accessed_at: Date | null;
  metadata: Record<string, unknown> | null;
}

/** Lists `{prefix, limit, offset, sortBy: {column, order}, search}`. */
export async function listObjects(
  request: Request,
  bucket: string,
  claims: JwtClaims,
  context: StorageContext,
): Promise<Response> {
  const body = await jsonBody(request);
  if (typeof body.prefix !== "string") {
    throw storageErrors.invalidRequest("body must have required property 'prefix'");
  }
  const sortBy = (body.sortBy ?? {}) as { column?: string; order?: string };
  const column = (sortBy.column ?? "name") as SortColumn;
  if (!sortColumns.includes(column)) {
    throw storageErrors.invalidRequest(
      "body/sortBy/column must be equal to one of the allowed values",
    );
  }
  const order = sortBy.order ?? "asc";
  if (order !== "asc" && order !== "desc") {
    throw storageErrors.invalidRequest(
      "body/sortBy/order must be equal to one of the allowed values",
    );
  }
  // Storage takes every prefix as a folder.
  const prefix = body.prefix && !body.prefix.endsWith("/") ? `${body.prefix}/` : body.prefix;
  const search = typeof body.search === "string" ? body.search : "";
  const rows = await asCaller(
    context.sql,
    claims,
    (tx) =>
      tx<ListEntry[]>`
        select name, id, updated_at, created_at, last_accessed_at, metadata
          from storage.objects
         where bucket_id = ${bucket} and starts_with(lower(name), lower(${prefix + search}))
      `,
  );
  const entries = listLevel(rows, prefix, column, order === "asc");
  const offset = Number.isInteger(body.offset) ? Number(body.offset) : 0;
  const limit = Number.isInteger(body.limit) ? Math.min(Number(body.limit), 1500) : 100;
  return Response.json(entries.slice(offset, offset + limit));
}

/**
 * The entries one level under `prefix`, in Storage's order: by name, folders and objects together
 * (case-insensitive, byte order); by another column, the folders by name first, then the objects.
 */
export function listLevel(
  rows: ListEntry[],
  prefix: string,
  column: SortColumn,
  ascending: boolean,
): ListEntry[] {
  const folders = new Set<string>();
  const objects: ListEntry[] = [];
  for (const row of rows) {
    const rest = row.name.slice(prefix.length);
    const slash = rest.indexOf("/");
    if (slash >= 0) folders.add(rest.slice(0, slash));
    else objects.push({ ...row, name: rest });
  }
  const folderEntries = [...folders].map((name): ListEntry => ({
    name,
    id: null,
    updated_at: null,
    created_at: null,
    last_accessed_at: null,
    metadata: null,
  }));
  const sign = ascending ? 1 : -1;
  const byName = (a: ListEntry, b: ListEntry) =>
    sign * compareBytes(a.name.toLowerCase(), b.name.toLowerCase());
  if (column === "name") return [...folderEntries, ...objects].sort(byName);
  const byColumn = (a: ListEntry, b: ListEntry) =>
    sign * ((a[column]?.getTime() ?? 0) - (b[column]?.getTime() ?? 0));
  return [...folderEntries.sort(byName), ...objects.sort(byColumn)];
}

function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
