// The gateway compresses answers by Deno.serve's rules: which coding a client's Accept-Encoding
// asks for, which answers qualify, and what the headers of a compressed answer say.
import assert from "node:assert/strict";
import {
  chooseCoding,
  isCompressible,
  markCompressed,
  preferredCoding,
  varyOnAcceptEncoding,
} from "../../local-stack/gateway/compression.ts";

Deno.test("compression: the first coding with full weight wins, else the heaviest", () => {
  assert.equal(preferredCoding("gzip, deflate, br"), "br");
  assert.equal(preferredCoding("gzip, br"), "gzip");
  assert.equal(preferredCoding("br, gzip, deflate"), "br");
  assert.equal(preferredCoding("deflate, gzip"), "gzip");
  assert.equal(preferredCoding("gzip;q=0.5, br;q=0.8"), "br");
  assert.equal(preferredCoding("identity, gzip"), null);
  assert.equal(preferredCoding("gzip;q=2, br;q=0.1"), "br", "an out-of-range weight is ignored");
  assert.equal(preferredCoding("deflate, *"), null);
  assert.equal(preferredCoding(null), null);
});

Deno.test("compression: only compressible types that are not ranges or encoded already", () => {
  const headers = (entries: Record<string, string>) => new Headers(entries);
  assert.ok(isCompressible(headers({ "content-type": "application/json; charset=utf-8" })));
  assert.ok(isCompressible(headers({ "content-type": "text/CSV" })));
  assert.ok(!isCompressible(headers({ "content-type": "application/jsonl" })));
  assert.ok(!isCompressible(headers({ "content-type": "application/octet-stream" })));
  assert.ok(!isCompressible(headers({})));
  assert.ok(
    !isCompressible(headers({ "content-type": "text/plain", "content-range": "bytes 0-1/9" })),
  );
  assert.ok(
    !isCompressible(headers({ "content-type": "text/plain", "content-encoding": "gzip" })),
  );
  assert.ok(
    !isCompressible(headers({ "content-type": "text/plain", "cache-control": "no-transform" })),
  );
});

Deno.test("compression: a short body of known length goes out as it is", () => {
  const json = new Headers({ "content-type": "application/json" });
  assert.equal(chooseCoding("gzip", json, 63), null);
  assert.equal(chooseCoding("gzip", json, 64), "gzip");
  assert.equal(chooseCoding("gzip", json, undefined), "gzip", "a stream of unknown length");
  assert.equal(chooseCoding(null, json, 1000), null);
});

Deno.test("compression: a compressed answer has a weak ETag, no length and its coding", () => {
  const headers = new Headers({ etag: '"abc"', "content-length": "100" });
  markCompressed(headers, "br");
  assert.equal(headers.get("etag"), 'W/"abc"');
  assert.equal(headers.get("content-length"), null);
  assert.equal(headers.get("content-encoding"), "br");
  const weak = new Headers({ etag: 'W/"abc"' });
  markCompressed(weak, "gzip");
  assert.equal(weak.get("etag"), 'W/"abc"');
});

Deno.test("compression: Vary names Accept-Encoding once", () => {
  const none = new Headers();
  varyOnAcceptEncoding(none);
  assert.equal(none.get("vary"), "Accept-Encoding");
  const origin = new Headers({ vary: "Origin" });
  varyOnAcceptEncoding(origin);
  assert.equal(origin.get("vary"), "Accept-Encoding, Origin");
  const already = new Headers({ vary: "accept-encoding" });
  varyOnAcceptEncoding(already);
  assert.equal(already.get("vary"), "accept-encoding");
});
