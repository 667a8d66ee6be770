import assert from "node:assert/strict";
import { copyTextFile, unescapeRow } from "./copy_text.ts";
import { framingFor } from "./text_framing.ts";

const encode = (text: string) => new TextEncoder().encode(text);

/** Runs `chunks` through copyTextFile for `format`; the file as text and the rows counted. */
async function fileOf(
  format: "json" | "jsonl" | "markdown" | "html",
  ...chunks: Uint8Array[]
): Promise<{ text: string; rows: number }> {
  const file = copyTextFile(framingFor(format, { title: "t" }));
  const body = ReadableStream.from(chunks).pipeThrough(file.stream);
  const text = await new Response(body).text();
  return { text, rows: file.rows() };
}

/** Every way to cut `bytes` into two chunks. */
function splits(bytes: Uint8Array): Uint8Array[][] {
  return Array.from({ length: bytes.length + 1 }, (_, at) => [bytes.slice(0, at), bytes.slice(at)]);
}

Deno.test("copyTextFile undoes every escape COPY TO emits", async () => {
  const { text, rows } = await fileOf("markdown", encode("a\\\\b\\nc\\rd\\te\\bf\\fg\\vh\n"));
  assert.equal(text, "a\\b\nc\rd\te\bf\fg\vh\n");
  assert.equal(rows, 1);
});

Deno.test("copyTextFile writes a JSONL document's line breaks as spaces, whatever the chunk boundaries", async () => {
  // A json value as written, over several lines; its string's own line break
  // is a JSON escape, which COPY doubles.
  const document = '{"a":\r\n  [1,\n  2],\n "s": "x\\ny"}';
  const copied = document.replaceAll("\\", "\\\\").replaceAll("\r", "\\r").replaceAll("\n", "\\n");
  for (const chunks of splits(encode(copied + "\n"))) {
    const { text, rows } = await fileOf("jsonl", ...chunks);
    assert.equal(text, '{"a":    [1,   2],  "s": "x\\ny"}\n');
    assert.deepEqual(JSON.parse(text), { a: [1, 2], s: "x\ny" });
    assert.equal(rows, 1);
  }
});

Deno.test("copyTextFile passes rows without escapes through untouched", async () => {
  const chunk = encode('{"a":1}\n{"b":"é 😀"}\n');
  const file = copyTextFile(framingFor("jsonl", { title: "t" }));
  const [out] = await Array.fromAsync(ReadableStream.from([chunk]).pipeThrough(file.stream));
  assert.equal(out, chunk, "the same buffer, not a copy");
  assert.equal(file.rows(), 2);
});

Deno.test("copyTextFile frames JSON rows as an array, whatever the chunk boundaries", async () => {
  const rows = [{ a: "x\ny" }, { b: 1 }, { c: ["é", null, true] }];
  // COPY's text form of to_json's output: a JSON escape's backslash doubled,
  // one row a line.
  const copied = rows.map((row) => JSON.stringify(row).replaceAll("\\", "\\\\") + "\n").join("");
  for (const chunks of splits(encode(copied))) {
    const { text, rows: counted } = await fileOf("json", ...chunks);
    assert.deepEqual(JSON.parse(text), rows, "the file is the rows as one JSON array");
    assert.equal(text, `[${rows.map((row) => JSON.stringify(row)).join(",\n")}]\n`);
    assert.equal(counted, rows.length);
  }
});

Deno.test("copyTextFile keeps a character split across chunks whole", async () => {
  const bytes = encode("😀 \\t ok\n");
  for (const chunks of splits(bytes)) {
    assert.deepEqual(await fileOf("markdown", ...chunks), { text: "😀 \t ok\n", rows: 1 });
  }
});

Deno.test("copyTextFile writes the HTML document around the rows, even with none", async () => {
  const empty = await fileOf("html");
  assert.match(empty.text, /^<!doctype html>[\s\S]*<table>\n<\/table>\n<\/body>\n<\/html>\n$/);
  assert.equal(empty.rows, 0);
  assert.deepEqual(await fileOf("json"), { text: "[]\n", rows: 0 });
});

Deno.test("copyTextFile refuses what a one-column text COPY never sends", async () => {
  for (
    const [bytes, message] of [
      ["half", /ended in the middle of a row/],
      ["ends with \\", /ended in the middle of a row/],
      ["\\N\n", /null chunk/],
      ["\\x41\n", /unexpected COPY text escape \\x/],
    ] as const
  ) {
    await assert.rejects(fileOf("jsonl", encode(bytes)), message);
  }
});

Deno.test("unescapeRow undoes COPY's escapes in one row and drops its newline", () => {
  const row = (text: string) => new TextEncoder().encode(text);
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  assert.equal(text(unescapeRow(row("plain größe\n"), false)), "plain größe");
  assert.equal(text(unescapeRow(row("a\\nb\\tc\\\\d\\re\n"), false)), "a\nb\tc\\d\re");
  assert.equal(text(unescapeRow(row("a\\nb\\r\\nc\n"), true)), "a b  c");
  assert.throws(() => unescapeRow(row("\\N\n"), false), /null chunk/);
  assert.throws(() => unescapeRow(row("no newline"), false), /newline/);
});
