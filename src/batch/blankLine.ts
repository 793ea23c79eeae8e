/**
 * The one definition of a blank line, shared by the planner (which counts items in raw bytes) and the readers
 * (which split decoded text): a line is blank when every code point in it is whitespace as String.prototype.trim
 * sees it (tab, VT, FF, CR, space, NBSP, BOM, the Unicode space separators, U+2028/U+2029). A blank line is not an
 * item; any other line is exactly one item, parsed or an item error. Planner and reader must agree, or a job's
 * items_total does not equal succeeded + failed.
 */

/** The code points String.prototype.trim removes, less LF (the line separator itself). */
export const BLANK_CODE_POINTS: ReadonlySet<number> = new Set([
  0x09, 0x0b, 0x0c, 0x0d, 0x20, 0xa0, 0x1680,
  0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a,
  0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff,
]);

/** A line of decoded text (no LF in it) is blank. */
export function isBlankLine(text: string): boolean {
  for (const ch of text) if (!BLANK_CODE_POINTS.has(ch.codePointAt(0)!)) return false;
  return true;
}

/**
 * The same test over UTF-8 bytes fed one at a time, with O(1) memory (a line may be any length). Bytes that do not
 * decode to a well-formed blank code point (a malformed sequence reads as U+FFFD) make the line non-blank, as
 * they do for the reader, which decodes with Node's UTF-8 decoder.
 */
export class BlankLineScanner {
  private content = false;
  private seq = 0;
  private need = 0;
  private have = 0;

  /** Feeds one byte of the line (never LF). */
  push(b: number): void {
    if (this.content) return;
    if (this.need === 0) {
      if (b < 0x80) {
        if (!BLANK_CODE_POINTS.has(b)) this.content = true;
      } else if (b >= 0xc2 && b <= 0xdf) this.start(b & 0x1f, 2);
      else if (b >= 0xe0 && b <= 0xef) this.start(b & 0x0f, 3);
      // No blank code point takes four bytes; continuation bytes and invalid leads are content.
      else this.content = true;
      return;
    }
    if ((b & 0xc0) !== 0x80) {
      this.content = true;
      return;
    }
    this.seq = (this.seq << 6) | (b & 0x3f);
    if (++this.have < this.need) return;
    // Only the shortest encoding is the code point; an overlong one decodes to U+FFFD.
    const shortest = this.need === 2 ? this.seq >= 0x80 : this.seq >= 0x800;
    if (!shortest || !BLANK_CODE_POINTS.has(this.seq)) this.content = true;
    this.need = 0;
  }

  /** Known to hold an item already: later bytes of the line cannot change that (callers may stop feeding). */
  get decided(): boolean {
    return this.content;
  }

  /** At the end of the line: it holds an item. An unfinished multi-byte sequence counts as content. */
  get hasContent(): boolean {
    return this.content || this.need !== 0;
  }

  reset(): void {
    this.content = false;
    this.need = 0;
  }

  private start(bits: number, need: number): void {
    this.seq = bits;
    this.need = need;
    this.have = 1;
  }
}
