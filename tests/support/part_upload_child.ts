// A slice's upload as a process of its own, for tests that kill it in the middle of a chunk
// (functions/_shared/worker/part_upload_test.ts): it uploads the first `paused` bytes of
// `partBytes(total)` and pauses, prints the state a checkpoint would keep as one JSON line, waits
// for a line on stdin, then resumes from that state and writes the rest until it is killed.
//   deno run -A tests/support/part_upload_child.ts <target JSON> <paused> <total>
import { openPartUpload, type UploadTarget } from "../../functions/_shared/worker/part_upload.ts";

/** The `length` bytes of a test part: the same for every process, and no run of them repeats. */
export function partBytes(length: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  let x = 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    // xorshift32: cheap, and a byte shifted by one chunk never matches.
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

if (import.meta.main) {
  const [targetJson, paused, total] = Deno.args;
  const target: UploadTarget = JSON.parse(targetJson);
  const bytes = partBytes(Number(total));
  const first = await openPartUpload(target, null);
  await first.write(bytes.subarray(0, Number(paused)));
  const state = await first.pause();
  console.log(JSON.stringify(state));
  await Deno.stdin.readable.getReader().read();
  const next = await openPartUpload(target, state);
  await next.write(bytes.subarray(Number(paused)));
  await next.finish();
}
