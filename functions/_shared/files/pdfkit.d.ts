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
  page: { width: number; height: number };
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
  end(): void;
}

interface TextOptions {
  /** What the y coordinate names: the top of the first line (the default) or its baseline. */
  baseline?: "top" | "alphabetic";
  width?: number;
  height?: number;
  ellipsis?: boolean | string;
}

export default PDFDocument;
