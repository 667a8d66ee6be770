// The part of pdfkit's API that pdf_writer.ts uses. @types/pdfkit is not used
// because it pulls an @types/node that replaces Deno's own Node types.

/** A pdfkit document: a Node readable stream of PDF bytes with a drawing API. */
declare class PDFDocument {
  constructor(options?: {
    size?: string;
    layout?: "portrait" | "landscape";
    margin?: number;
    info?: { Title?: string };
  });
  /** The page being drawn; `fonts` are its font resources by id (pdf_text.ts writes them). */
  page: { width: number; height: number; fonts: Record<string, unknown> };
  /** The current font (internal to pdfkit; pdf_text.ts reads glyph codes from it). */
  _font: PdfFont;
  x: number;
  y: number;
  on(event: "data", listener: (chunk: Uint8Array) => void): this;
  on(event: "end", listener: () => void): this;
  on(event: "error", listener: (error: Error) => void): this;
  /** Makes `src` (a standard font's name or a font file's bytes) available as `font(name)`. */
  registerFont(name: string, src: string | Uint8Array): this;
  font(name: string): this;
  fontSize(size: number): this;
  fillColor(color: string): this;
  lineWidth(width: number): this;
  rect(x: number, y: number, width: number, height: number): this;
  stroke(color?: string): this;
  text(text: string, x?: number, y?: number, options?: TextOptions): this;
  text(text: string, options?: TextOptions): this;
  heightOfString(text: string, options?: TextOptions): number;
  moveDown(lines?: number): this;
  addPage(): this;
  /** Appends operators to the page's content stream. */
  addContent(data: string | Uint8Array): this;
  end(): void;
}

interface TextOptions {
  /** What the y coordinate names: the top of the first line (the default) or its baseline. */
  baseline?: "top" | "alphabetic";
  width?: number;
  height?: number;
  ellipsis?: boolean | string;
}

/** A font of the document: its resource id and its glyph codes. */
export interface PdfFont {
  id: string;
  /** Hex glyph codes of `text` and each glyph's advance (1000 units an em). */
  encode(text: string): [string[], { xAdvance: number }[]];
  /** The font's dictionary, which makes the font part of the document. */
  ref(): unknown;
}

export default PDFDocument;
