/** Plain-text tables for bench output: numbers right-aligned, text left-aligned, two spaces between columns. */
export function formatTable(columns: readonly string[], rows: readonly (readonly (string | number)[])[], indent = ''): string {
  const cells = rows.map((r) => columns.map((_, i) => String(r[i] ?? '')));
  const numeric = columns.map((_, i) => rows.every((r) => typeof r[i] === 'number' || r[i] === undefined || /^([-+]?[\d,.]+\s*[%x]?|-)$/.test(String(r[i]))));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) =>
    indent +
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** A number with a fixed count of decimals, for table cells and the results file. */
export const round = (n: number, decimals = 0): number => Number(n.toFixed(decimals));
