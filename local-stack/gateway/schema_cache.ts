// PostgREST's schema cache, for RPC: the functions of each exposed schema, read from the catalog
// once and kept until Postgres says the schema changed. Like PostgREST, it reloads on
// `NOTIFY pgrst` (local-stack/platform/05_schema_cache.sql sends it after every DDL command, as
// Supabase's event triggers do), since a catalog lookup on every call would be a large share of
// an RPC's cost.
import type postgres from "postgres";

/** A function PostgREST may call, as the catalog describes it. */
export interface RpcFunction {
  /** `format('%I.%I', schema, name)`, quoted by Postgres. */
  qualified_name: string;
  returns_set: boolean;
  returns_void: boolean;
  /** Input arguments in order: raw name, quoted name, type as format_type prints it. */
  inputs: { name: string; quoted_name: string; type: string }[];
  required_count: number;
}

/** PostgREST's channel for schema cache reloads. */
export const reloadChannel = "pgrst";

/** The overloads of every function looked up so far, by schema and name. */
export class SchemaCache {
  #overloads = new Map<string, Promise<RpcFunction[]>>();

  constructor(readonly sql: postgres.Sql) {}

  /** Starts following `NOTIFY pgrst`; resolves once the LISTEN is in place. */
  async listen(): Promise<void> {
    await this.sql.listen(reloadChannel, (payload) => {
      // An empty payload reloads everything in PostgREST; 'reload config' is not about functions.
      if (payload === "" || payload === "reload schema") this.clear();
    });
  }

  /** Forgets every function; the next calls read the catalog again. */
  clear(): void {
    this.#overloads.clear();
  }

  /** The overload whose input names cover `keys` and that `keys` cover all required inputs of. */
  async find(schema: string, name: string, keys: string[]): Promise<RpcFunction | undefined> {
    const cacheKey = JSON.stringify([schema, name]);
    let overloads = this.#overloads.get(cacheKey);
    if (!overloads) {
      overloads = readOverloads(this.sql, schema, name);
      this.#overloads.set(cacheKey, overloads);
      // A failed read is not kept: the next call tries again.
      overloads.catch(() => this.#overloads.delete(cacheKey));
    }
    return (await overloads).find((candidate) => {
      const names = candidate.inputs.map((input) => input.name);
      const required = names.slice(0, Number(candidate.required_count));
      return keys.every((key) => names.includes(key)) && required.every((n) => keys.includes(n));
    });
  }
}

async function readOverloads(
  sql: postgres.Sql,
  schema: string,
  name: string,
): Promise<RpcFunction[]> {
  return await sql<RpcFunction[]>`
    select format('%I.%I', n.nspname, p.proname) as qualified_name,
           p.proretset as returns_set,
           p.prorettype = 'void'::regtype as returns_void,
           count(a.name) - p.pronargdefaults as required_count,
           coalesce(json_agg(json_build_object(
             'name', a.name, 'quoted_name', quote_ident(a.name), 'type', format_type(a.type, null)
           ) order by a.position) filter (where a.name is not null), '[]') as inputs
      from pg_catalog.pg_proc p
      join pg_catalog.pg_namespace n on n.oid = p.pronamespace
      left join lateral unnest(
             coalesce(p.proallargtypes, p.proargtypes::oid[]),
             coalesce(p.proargmodes, array_fill('i'::"char", array[p.pronargs])),
             coalesce(p.proargnames, array_fill(''::text, array[p.pronargs]))
           ) with ordinality as a(type, mode, name, position) on a.mode in ('i', 'b', 'v')
     where n.nspname = ${schema} and p.proname = ${name} and p.prokind = 'f'
     group by p.oid, n.nspname
  `;
}
