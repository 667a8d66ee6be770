// How the chunks a copy_text statement produces (one JSON document, one
// Markdown table row, one HTML table row each) join into a whole file per
// format; copy_text.ts writes them.

/**
 * The text formats whose rows Postgres renders as copy_text chunks: those of
 * exports.formats with that statement_kind (tests/functions/vocabulary_test.ts).
 */
export const chunkedFormats = ["json", "jsonl", "markdown", "html"] as const;

/** A format written from copy_text chunks. */
export type ChunkedFormat = (typeof chunkedFormats)[number];

/**
 * The cursor formats whose source may write their chunks itself (txt from a
 * source's text function): exports.formats' cursor formats with a
 * chunks_function (tests/functions/vocabulary_test.ts).
 */
export const blockFormats = ["txt"] as const;

/** A format whose chunks this module frames: always, or when its source writes them. */
export type FramedFormat = ChunkedFormat | (typeof blockFormats)[number];

/** How a format wraps and separates its chunks. */
export interface Framing {
  /** Written before the first chunk. */
  prefix: string;
  /** Written between two chunks. */
  separator: string;
  /** Written after every chunk. */
  terminator: string;
  /** Written after the last chunk. */
  suffix: string;
  /** Whether a line break inside a chunk is written as a space, keeping one chunk a line. */
  flattenLineBreaks: boolean;
}

const htmlEscapes: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => htmlEscapes[char]);
}

/**
 * The framing of each chunked format. JSON stays a valid array with no rows
 * (`[]`); Markdown and HTML chunks already hold the table header as the first
 * chunk, so only the HTML document around the table is added here.
 */
export function framingFor(format: FramedFormat, options: { title: string }): Framing {
  switch (format) {
    case "json":
      return {
        prefix: "[",
        separator: ",\n",
        terminator: "",
        suffix: "]\n",
        flattenLineBreaks: false,
      };
    case "jsonl":
      // A line break in a JSON document is whitespace between tokens (a string
      // holds its own escaped), such as a `json` column written on several
      // lines, which row_to_json copies as it is: as a space it means the same
      // and the document stays on its line.
      return { prefix: "", separator: "", terminator: "\n", suffix: "", flattenLineBreaks: true };
    case "markdown":
      return { prefix: "", separator: "", terminator: "\n", suffix: "", flattenLineBreaks: false };
    // A blank line between two blocks (transcripts), each as its source wrote it.
    case "txt":
      return {
        prefix: "",
        separator: "\n",
        terminator: "\n",
        suffix: "",
        flattenLineBreaks: false,
      };
    case "html":
      return {
        prefix: '<!doctype html>\n<html>\n<head>\n<meta charset="utf-8">\n' +
          `<title>${escapeHtml(options.title)}</title>\n</head>\n<body>\n<table>\n`,
        separator: "",
        terminator: "\n",
        suffix: "</table>\n</body>\n</html>\n",
        flattenLineBreaks: false,
      };
  }
}
