// Single lines of text for a PDF report, written straight into the page's
// content stream. pdfkit's text() lays each call out word by word (through
// fontkit for an embedded font) and wraps it in a save, two transforms and a
// restore; a report of thousands of cells spends nearly all its time there.
// Here each character's glyph code and width are looked up once per face, a
// cell's width is the sum of its characters' (no kerning, which a table does
// not need), and a cell is one BT ... ET. Helvetica's text, most of a report,
// is measured from a table of widths by character code and written as a
// literal string: its encoding (Windows-1252) is ASCII where ASCII prints.
// @ts-types="./pdfkit.d.ts"
import type PDFDocument from "pdfkit";
import type { PdfFont } from "pdfkit";
import { type ReportFonts, standardFonts } from "./report_fonts.ts";

/** The weight of a text. */
export type Weight = "regular" | "bold";

interface Glyph {
  /** The glyph's code as it goes into the face's strings (see Face.literal). */
  code: string;
  /** Advance width at size 1. */
  width: number;
}

// Past the last character Helvetica draws (™, U+2122).
const tableSize = 0x2123;
// Printable ASCII but a literal string's specials, "(", ")" and "\": a text
// of these goes into a literal string as it is.
const plainText = /^[\x20-\x27\x2a-\x5b\x5d-\x7e]*$/;

/** One font of the document, with the glyphs it has been asked for. */
class Face {
  readonly font: PdfFont;
  /**
   * Whether its strings are literal, `(...)`: a standard font's one-byte
   * codes; else hexadecimal, `<...>`: an embedded font's two-byte glyph ids.
   */
  readonly literal: boolean;
  readonly glyphs = new Map<string, Glyph>();
  #printed = new Map<string, Glyph>();
  /**
   * A standard face's widths at size 1 by character code: 0 for a code not
   * looked up yet, -1 for one it does not draw.
   */
  readonly widths: Float64Array | undefined;
  /** A standard face's literal-string codes by character code. */
  readonly codes: string[] = [];

  constructor(font: PdfFont, standard: boolean) {
    this.font = font;
    this.literal = standard;
    if (standard) {
      this.widths = new Float64Array(tableSize);
      for (let code = 0x20; code <= 0x7e; code++) this.learn(code);
    }
  }

  /**
   * Fills a standard face's tables for `code`: its width, or -1 when the
   * face cannot draw it (tabs and line breaks draw as spaces).
   */
  learn(code: number): number {
    if (code >= tableSize) return -1;
    const widths = this.widths!;
    if (widths[code] !== 0) return widths[code];
    const char = String.fromCharCode(code);
    if (!standardFonts.draws(code) && char !== "\t" && char !== "\n" && char !== "\r") {
      return widths[code] = -1;
    }
    const glyph = this.printed(char, standardFonts);
    this.codes[code] = glyph.code;
    return widths[code] = glyph.width;
  }

  /** The glyph that prints `char` in this face: itself, a space, or "?" (see printable). */
  printed(char: string, fonts: ReportFonts): Glyph {
    let glyph = this.#printed.get(char);
    if (!glyph) {
      glyph = this.glyph(printable(char, fonts));
      this.#printed.set(char, glyph);
    }
    return glyph;
  }

  glyph(char: string): Glyph {
    let glyph = this.glyphs.get(char);
    if (!glyph) {
      // encode() also records the glyph in an embedded font's subset and its
      // ToUnicode map, so text can still be extracted from the file.
      const [codes, positions] = this.font.encode(char);
      glyph = {
        code: this.literal
          ? codes.map((hex) => literalByte(parseInt(hex, 16))).join("")
          : codes.join(""),
        width: positions.reduce((sum, p) => sum + p.xAdvance, 0) / 1000,
      };
      this.glyphs.set(char, glyph);
    }
    return glyph;
  }

  /** `codes` as the string operand of a Tj. */
  operand(codes: string): string {
    return this.literal ? `(${codes})` : `<${codes}>`;
  }
}

/** A byte of a literal string: printable ASCII as itself (escaped where it must be), else octal. */
function literalByte(byte: number): string {
  if (byte < 0x20 || byte > 0x7e) return `\\${byte.toString(8).padStart(3, "0")}`;
  const char = String.fromCharCode(byte);
  return char === "(" || char === ")" || char === "\\" ? `\\${char}` : char;
}

/** A text ready to draw: its face, its string operand and its width at size 1. */
export interface SetLine {
  face: Face;
  /** The string a Tj shows: `(...)` or `<...>`. */
  operand: string;
  width: number;
}

/** Sets and draws one-line texts on a pdfkit document's pages. */
export class PdfText {
  #doc: PDFDocument;
  #wide: ReportFonts;
  #faces = new Map<string, Face>();
  #onPage = new Set<Face>();
  #current: Face | undefined;
  #currentSize = 0;

  constructor(doc: PDFDocument, wide: ReportFonts) {
    this.#doc = doc;
    this.#wide = wide;
  }

  /** Call after each addPage: fonts are resources of a page, and its text state starts afresh. */
  newPage(): void {
    this.#onPage.clear();
    this.#current = undefined;
  }

  /**
   * `text` on one line, in Helvetica when it draws all of it, else in the
   * wide font; what neither draws as "?", line breaks and tabs as spaces; cut
   * with "…" to `maxWidth` at `size` when given.
   */
  set(text: string, weight: Weight, size: number, maxWidth = Infinity): SetLine {
    const face = this.#face(standardFonts, weight);
    const widths = face.widths!;
    const limit = maxWidth / size;
    let width = 0;
    if (plainText.test(text)) {
      for (let i = 0; i < text.length; i++) width += widths[text.charCodeAt(i)];
      return width <= limit
        ? { face, operand: `(${text})`, width }
        : this.#cut(text, face, standardFonts, limit);
    }
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      let glyphWidth = widths[code];
      if (!(glyphWidth > 0)) {
        glyphWidth = face.learn(code);
        if (glyphWidth < 0) return this.#setWide(text, weight, limit);
      }
      width += glyphWidth;
    }
    if (width > limit) return this.#cut(text, face, standardFonts, limit);
    let codes = "(";
    for (let i = 0; i < text.length; i++) codes += face.codes[text.charCodeAt(i)];
    return { face, operand: codes + ")", width };
  }

  /** {@link set} in the wide font, a glyph at a time: for text Helvetica cannot draw. */
  #setWide(text: string, weight: Weight, limit: number): SetLine {
    const fonts = this.#wide;
    const face = this.#face(fonts, weight);
    let codes = "";
    let width = 0;
    for (const char of text) {
      const glyph = face.printed(char, fonts);
      width += glyph.width;
      if (width > limit) return this.#cut(text, face, fonts, limit);
      codes += glyph.code;
    }
    return { face, operand: face.operand(codes), width };
  }

  /** `text` cut to `limit` (at size 1) with an ellipsis that fits. */
  #cut(text: string, face: Face, fonts: ReportFonts, limit: number): SetLine {
    const ellipsis = face.glyph("…");
    let codes = "";
    let width = ellipsis.width;
    for (const char of text) {
      const glyph = face.printed(char, fonts);
      if (width + glyph.width > limit) break;
      codes += glyph.code;
      width += glyph.width;
    }
    return { face, operand: face.operand(codes + ellipsis.code), width };
  }

  /** The width of `text` at `size`, as {@link set} would draw it. */
  width(text: string, weight: Weight, size: number): number {
    return this.set(text, weight, size).width * size;
  }

  /**
   * The content-stream operators that draw `line` with its baseline at `y`
   * (pdfkit's page space: y grows downwards), from `x`.
   */
  draw(line: SetLine, x: number, y: number, size: number): string {
    // The page is flipped to y-down by pdfkit; so is the text matrix, so that
    // glyphs stand upright.
    return `BT 1 0 0 -1 ${num(x)} ${num(y)} Tm ${
      this.#font(line.face, size)
    }${line.operand} Tj ET\n`;
  }

  /**
   * The operators that draw `cells` on one baseline `y`, in one text object:
   * the first placed on the line, each next one moved from the one before.
   */
  drawRow(cells: readonly { line: SetLine; x: number }[], y: number, size: number): string {
    let ops = "BT ";
    let last = 0;
    for (let i = 0; i < cells.length; i++) {
      const { line, x } = cells[i];
      const at = Math.round(x * 100) / 100;
      ops += i === 0 ? `1 0 0 -1 ${at} ${num(y)} Tm ` : `${num(at - last)} 0 Td `;
      ops += `${this.#font(line.face, size)}${line.operand} Tj\n`;
      last = at;
    }
    return ops + "ET\n";
  }

  /**
   * The operator that sets `face` at `size`, or nothing when they are set
   * already: a page's font stays set from one text object to the next.
   */
  #font(face: Face, size: number): string {
    if (face === this.#current && size === this.#currentSize) return "";
    this.#use(face);
    this.#current = face;
    this.#currentSize = size;
    return `/${face.font.id} ${size} Tf `;
  }

  #use(face: Face): void {
    if (!this.#onPage.has(face)) {
      this.#doc.page.fonts[face.font.id] = face.font.ref();
      this.#onPage.add(face);
    }
  }

  #face(fonts: ReportFonts, weight: Weight): Face {
    const source = fonts[weight];
    const name = typeof source === "string" ? source : `wide-${weight}`;
    let face = this.#faces.get(name);
    if (!face) {
      // A font is loaded, and later embedded, only once a text needs it.
      const doc = this.#doc;
      if (typeof source !== "string") doc.registerFont(name, source);
      const previous = doc._font;
      doc.font(name);
      face = new Face(doc._font, typeof source === "string");
      if (previous) doc._font = previous;
      this.#faces.set(name, face);
    }
    return face;
  }
}

function printable(char: string, fonts: ReportFonts): string {
  if (fonts.draws(char.codePointAt(0)!)) return char;
  return char === "\t" || char === "\r" || char === "\n" ? " " : "?";
}

/** A coordinate as the content stream writes it: two decimals at most. */
export function num(value: number): string {
  return String(Math.round(value * 100) / 100);
}
