// `/export-center/`: the export center page (the repository's `export-center/` folder) as static
// files, its configuration (`config.js`: the project's URL, which is the page's origin here, and
// the publishable key) and
// supabase-js bundled for the browser from the project's own npm dependency, since the page may
// not load it from a CDN.
import { fileURLToPath } from "node:url";

/** What the page needs from the gateway. */
export interface ExportCenterOptions {
  /** The `sb_publishable_…` key the page's client sends, as a browser app's bundle holds it. */
  publishableKey: string;
}

/** Answers requests under `/export-center`. */
export interface ExportCenterRoute {
  handle(request: Request, path: string): Promise<Response>;
}

const pageDir = fileURLToPath(new URL("../../export-center/", import.meta.url));
const clientEntry = fileURLToPath(new URL("./export_center_client.ts", import.meta.url));

const contentTypes: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  png: "image/png",
  svg: "image/svg+xml",
};

// The page talks to this origin only: the API, Auth, RPC, signed downloads and Realtime's socket.
const pageHeaders = {
  "content-security-policy":
    "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "cache-control": "no-cache",
};

/** The route, which bundles supabase-js on the first request for it and keeps the bytes. */
export function exportCenterRoute(options: ExportCenterOptions): ExportCenterRoute {
  let client: Promise<Uint8Array<ArrayBuffer>> | undefined;
  const bundled = () => {
    client ??= bundleClient().catch((error) => {
      client = undefined;
      throw error;
    });
    return client;
  };
  return {
    async handle(request, path) {
      if (request.method !== "GET" && request.method !== "HEAD") {
        return new Response("Method Not Allowed", { status: 405, headers: { allow: "GET, HEAD" } });
      }
      if (path === "/export-center") {
        return new Response(null, { status: 308, headers: { location: "/export-center/" } });
      }
      const name = path.slice("/export-center/".length) || "index.html";
      if (name === "config.js") {
        // The gateway is the project: the page's own origin is its URL.
        const config = "export const supabaseUrl = location.origin;\n" +
          `export const publishableKey = ${JSON.stringify(options.publishableKey)};\n`;
        return file(request, new TextEncoder().encode(config), "js");
      }
      if (name === "supabase.js") return file(request, await bundled(), "js");
      // One flat folder of known kinds: no other path can name a file.
      const match = /^[a-z0-9][a-z0-9_-]*\.([a-z]+)$/.exec(name);
      if (!match || !(match[1] in contentTypes)) return notFound();
      try {
        return file(request, await Deno.readFile(`${pageDir}${name}`), match[1]);
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return notFound();
        throw error;
      }
    },
  };
}

function file(request: Request, bytes: Uint8Array<ArrayBuffer>, extension: string): Response {
  return new Response(request.method === "HEAD" ? null : bytes, {
    headers: {
      ...pageHeaders,
      "content-type": contentTypes[extension],
      "content-length": String(bytes.byteLength),
    },
  });
}

function notFound(): Response {
  return new Response("Not Found", { status: 404, headers: { "content-type": "text/plain" } });
}

/** supabase-js as one ES module for the browser, built with `deno bundle`. */
async function bundleClient(): Promise<Uint8Array<ArrayBuffer>> {
  const dir = await Deno.makeTempDir({ prefix: "export-center-" });
  try {
    const output = `${dir}/supabase.js`;
    const { success, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--quiet",
        "--platform",
        "browser",
        "--format",
        "esm",
        "--minify",
        "-o",
        output,
        clientEntry,
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!success) {
      throw new Error(`deno bundle failed: ${new TextDecoder().decode(stderr)}`);
    }
    return await Deno.readFile(output);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
