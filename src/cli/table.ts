/** Rows as aligned columns (two spaces apart, the last column not padded); the first row is the header. */
export function formatTable(table: string[][]): string[] {
  const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
  return table.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  '));
}
