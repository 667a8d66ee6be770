// Joins byte chunks into one array: a header read in CopyData rows, a PDF
// page's pieces handed on as one block, a chunk sent through fetch, a
// request's body.

/** `chunks` one after another in a single array, of `size` bytes when the caller knows it. */
export function joinBytes(
  chunks: readonly Uint8Array[],
  size = chunks.reduce((sum, chunk) => sum + chunk.length, 0),
): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}
