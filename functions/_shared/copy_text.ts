// Splits the output of `COPY ... TO STDOUT` (text format, one column) into
// rows and undoes COPY's backslash escapes, so each row is the chunk the SQL made.

const escapes: Record<string, string> = {
  "\\": "\\",
  n: "\n",
  r: "\r",
  t: "\t",
  b: "\b",
  f: "\f",
  v: "\v",
};

/**
 * Decodes one line of COPY text format (without its newline) into the value
 * it stands for. COPY TO only emits the escapes listed above; anything else
 * means the statement was not a one-column text COPY, so it throws.
 */
export function decodeCopyTextLine(line: string): string {
  if (!line.includes("\\")) return line;
  let decoded = "";
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (char !== "\\") {
      decoded += char;
      continue;
    }
    const escaped = escapes[line[++i]];
    if (escaped === undefined) {
      throw new Error(`unexpected COPY text escape \\${line[i] ?? ""}`);
    }
    decoded += escaped;
  }
  return decoded;
}

/**
 * A stream from COPY text-format bytes to decoded rows. Rows end with a raw
 * newline (COPY escapes the newlines inside values), so the bytes are decoded
 * as UTF-8 first and then split; only the unfinished last line is held.
 */
export function copyTextRows(): TransformStream<Uint8Array, string> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let pending = "";
  const emitLines = (text: string, controller: TransformStreamDefaultController<string>) => {
    const lines = (pending + text).split("\n");
    pending = lines.pop()!;
    for (const line of lines) {
      if (line === "\\N") throw new Error("a copy_text statement returned a null chunk");
      controller.enqueue(decodeCopyTextLine(line));
    }
  };
  return new TransformStream({
    transform(bytes, controller) {
      emitLines(decoder.decode(bytes, { stream: true }), controller);
    },
    flush(controller) {
      emitLines(decoder.decode(), controller);
      if (pending !== "") throw new Error("COPY output ended in the middle of a row");
    },
  });
}
