// The S3 protocol's XML: answers and errors, as Storage's S3 protocol writes them.

/** An S3 error: `<Error><Code/><Message/></Error>` with the real HTTP status. */
export class S3Error extends Error {
  constructor(readonly code: string, readonly status: number, message: string) {
    super(message);
    this.name = "S3Error";
  }

  /** The XML answer for this error; HEAD answers carry no body. */
  toResponse(method: string, resource: string): Response {
    const body = method === "HEAD" ? null : xml("Error", {
      Code: this.code,
      Message: this.message,
      Resource: resource,
    });
    return new Response(body, {
      status: this.status,
      headers: { "content-type": "application/xml" },
    });
  }
}

type XmlValue = string | number | XmlValue[] | { [name: string]: XmlValue };

/** `<root>…</root>` from an object; arrays repeat their element name. */
export function xml(root: string, content: { [name: string]: XmlValue }): string {
  return `<?xml version="1.0" encoding="UTF-8"?>${element(root, content)}`;
}

function element(name: string, value: XmlValue): string {
  if (Array.isArray(value)) return value.map((item) => element(name, item)).join("");
  if (typeof value === "object") {
    const inner = Object.entries(value).map(([key, item]) => element(key, item)).join("");
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escape(String(value))}</${name}>`;
}

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

/** The `<Part>`s of a CompleteMultipartUpload body, in the order given. */
export function completedParts(body: string): { partNumber: number; etag: string }[] {
  const unescape = (s: string) =>
    s.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">")
      .replace(/&amp;/g, "&");
  return [...body.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map(([, part]) => ({
    partNumber: Number(part.match(/<PartNumber>(\d+)<\/PartNumber>/)?.[1] ?? 0),
    etag: unescape(part.match(/<ETag>([\s\S]*?)<\/ETag>/)?.[1] ?? ""),
  }));
}
