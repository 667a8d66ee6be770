// The fonts a PDF report is set in where Helvetica will not do. pdfkit's
// built-in Helvetica draws Windows-1252 only, so a budget in Polish, Czech,
// Turkish, Greek or Russian would print its own words as "?". DejaVu Sans
// Condensed (built by scripts/build-report-fonts from the npm package
// dejavu-fonts-ttf, under its LICENSE) draws Latin, Greek, Cyrillic and many
// symbols, and is narrow enough for a table; pdfkit embeds only the glyphs a
// report uses. The files live in the worker's own folder
// (functions/exports-worker/fonts), which its entry point passes down: a
// deployed function reads only files of its own bundle, which config.toml's
// `static_files` adds. A deployment without them falls back to Helvetica
// rather than failing every PDF.
// @ts-types="./fontkit.d.ts"
import * as fontkit from "fontkit";

/** The fonts of a report and what they can draw. */
export interface ReportFonts {
  /** What pdfkit's `registerFont` takes: a standard font's name or a font file's bytes. */
  regular: string | Uint8Array;
  bold: string | Uint8Array;
  /** Whether both fonts have a glyph for the code point. */
  draws(codePoint: number): boolean;
}

// The characters Windows-1252 adds to Latin-1 in 0x80-0x9f.
const cp1252Extras = new Set(
  [..."€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"].map((char) => char.codePointAt(0)!),
);

/** pdfkit's own Helvetica, which draws Windows-1252. */
export const standardFonts: ReportFonts & Record<"regular" | "bold", string> = {
  regular: "Helvetica",
  bold: "Helvetica-Bold",
  draws: (code) =>
    (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || cp1252Extras.has(code),
};

const loaded = new Map<string, Promise<ReportFonts>>();

/**
 * The report fonts in `folder`, read once per worker: DejaVu Sans Condensed,
 * else {@link standardFonts}.
 */
export function reportFonts(folder: URL): Promise<ReportFonts> {
  let fonts = loaded.get(folder.href);
  if (!fonts) loaded.set(folder.href, fonts = loadReportFonts(folder));
  return fonts;
}

/** DejaVu Sans Condensed from `folder`, or {@link standardFonts} when it cannot be read. */
export async function loadReportFonts(folder: URL): Promise<ReportFonts> {
  try {
    return await loadDejaVu(folder);
  } catch (error) {
    console.warn(
      "PDF reports use Helvetica, which draws Windows-1252 only: the DejaVu fonts could " +
        "not be read (are the worker's fonts in its static_files?)",
      error,
    );
    return standardFonts;
  }
}

async function loadDejaVu(folder: URL): Promise<ReportFonts> {
  const [regular, bold] = await Promise.all([
    Deno.readFile(new URL("DejaVuSansCondensed.ttf", folder)),
    Deno.readFile(new URL("DejaVuSansCondensed-Bold.ttf", folder)),
  ]);
  const faces = [fontkit.create(regular), fontkit.create(bold)];
  const known = new Map<number, boolean>();
  function draws(code: number): boolean {
    if (code >= 0x20 && code <= 0x7e) return true;
    let drawn = known.get(code);
    if (drawn === undefined) {
      drawn = code > 0x20 && faces.every((face) => face.hasGlyphForCodePoint(code));
      known.set(code, drawn);
    }
    return drawn;
  }
  return { regular, bold, draws };
}
