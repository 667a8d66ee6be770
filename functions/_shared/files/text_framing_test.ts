import assert from "node:assert/strict";
import { copyTextFile } from "./copy_text.ts";
import { type ChunkedFormat, framingFor } from "./text_framing.ts";

/** The file for `chunks` as COPY would send them (no escapes needed in these). */
async function framed(format: ChunkedFormat, chunks: string[], title = "t"): Promise<string> {
  const copy = new TextEncoder().encode(chunks.map((chunk) => `${chunk}\n`).join(""));
  const body = ReadableStream.from([copy]).pipeThrough(
    copyTextFile(framingFor(format, { title })).stream,
  );
  return await new Response(body).text();
}

Deno.test("json chunks form a valid array", async () => {
  assert.deepEqual(JSON.parse(await framed("json", ['{"a":1}', '{"a":2}'])), [{ a: 1 }, { a: 2 }]);
});

Deno.test("json with no chunks is an empty array", async () => {
  assert.deepEqual(JSON.parse(await framed("json", [])), []);
});

Deno.test("jsonl ends every chunk with a newline", async () => {
  assert.deepEqual(await framed("jsonl", ["1", "2"]), "1\n2\n");
});

Deno.test("markdown chunks become lines", async () => {
  assert.deepEqual(
    await framed("markdown", ["| a |", "| --- |", "| 1 |"]),
    "| a |\n| --- |\n| 1 |\n",
  );
});

Deno.test("html chunks sit inside a table in a whole document with an escaped title", async () => {
  const html = await framed("html", ["<tr><td>1</td></tr>"], "a<b");
  assert.ok(html.includes("<title>a&lt;b</title>"));
  assert.ok(html.includes("<table>\n<tr><td>1</td></tr>\n</table>"));
  assert.deepEqual(html.startsWith("<!doctype html>"), true);
  assert.deepEqual(html.endsWith("</html>\n"), true);
});
