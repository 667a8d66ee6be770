// The calls the page makes, as the signed-in user: the exports API (functions/exports) for
// exports and links, and two RPCs for what a request form offers. Every failure becomes an
// ApiError with the API's stable code and a message written for a person.

/** A refused or failed call: `code` is the API's error code, `message` says what to do. */
export class ApiError extends Error {
  /**
   * @param {string} code
   * @param {string} message
   * @param {number} [status]
   */
  constructor(code, message, status) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

const unreachable = "The export service could not be reached. Check your connection and try again.";

/**
 * Calls the exports API.
 * @param {any} supabase
 * @param {string} path  below /functions/v1/, with its query string
 * @param {{ method: string, body?: object }} request
 */
async function invoke(supabase, path, { method, body }) {
  const { data, error } = await supabase.functions.invoke(path, { method, body });
  if (!error) return data;
  // An HTTP error carries the API's answer: {"error": {"code", "message", "details"?}}.
  const response = error.context;
  if (response instanceof Response) {
    const answer = await response.json().catch(() => null);
    const refusal = answer?.error;
    throw new ApiError(
      refusal?.code ?? `http_${response.status}`,
      refusal?.message ?? `The export service answered with an error (${response.status}).`,
      response.status,
    );
  }
  throw new ApiError("unreachable", unreachable);
}

/**
 * Calls an RPC that returns rows.
 * @param {any} supabase
 * @param {string} name
 */
async function rpc(supabase, name) {
  const { data, error } = await supabase.rpc(name);
  if (error) throw new ApiError(error.code ?? "unreachable", error.message || unreachable);
  return data;
}

/**
 * The page's calls, bound to a client.
 * @param {any} supabase
 */
export function exportsApi(supabase) {
  return {
    /** @param {Record<string, string>} query  filters, page_size and before_export_id */
    list: (query) => invoke(supabase, `exports?${new URLSearchParams(query)}`, { method: "GET" }),
    /** @param {object} body  source, format, options, compression, scope, defuse_formulas */
    request: (body) => invoke(supabase, "exports", { method: "POST", body }),
    /** @param {string} id */
    cancel: (id) => invoke(supabase, `exports/${id}/cancel`, { method: "POST" }),
    /** @param {string} id */
    remove: (id) => invoke(supabase, `exports/${id}`, { method: "DELETE" }),
    /**
     * Fresh signed links to the export's files, valid for a minute: `url` is the first part's,
     * `parts` every part's.
     * @param {string} id
     * @returns {Promise<{url: string, file_name: string, parts?: {url: string, file_name: string}[]}>}
     */
    link: (id) => invoke(supabase, `exports/${id}/link`, { method: "POST", body: {} }),
    /** The sources the user may export, with formats and option types. */
    sources: () => rpc(supabase, "list_export_sources"),
    /** The ids of the shared scopes the user belongs to. */
    scopes: () => rpc(supabase, "list_export_scopes"),
  };
}
