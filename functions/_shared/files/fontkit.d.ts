// The part of fontkit's API that report_fonts.ts uses (fontkit ships no types).

/** A parsed font file. */
export interface Font {
  /** Whether the font has a glyph for the Unicode code point. */
  hasGlyphForCodePoint(codePoint: number): boolean;
}

/** Parses a TrueType or OpenType font file. */
export function create(buffer: Uint8Array): Font;
