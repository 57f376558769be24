/**
 * Reading back the CSV that `GET …/export?format=csv` writes (api/routes/export.ts), for
 * `posterior import`: RFC 4180 records, and the inverse of the export's spreadsheet quoting.
 */

/**
 * The records of an RFC 4180 text: fields separated by `,`, records by CRLF or LF, a field
 * in double quotes may hold commas, line breaks and `""` (one quote). A last empty line is
 * no record. Throws on a quote left open.
 */
export function csvRecords(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  const endField = () => {
    record.push(field);
    field = '';
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"' && field === '') {
      const close = quotedEnd(text, i + 1);
      field = text.slice(i + 1, close).replace(/""/g, '"');
      i = close + 1;
      continue;
    }
    if (c === ',') endField();
    else if (c === '\n' || c === '\r') {
      endField();
      records.push(record);
      record = [];
      if (c === '\r' && text[i + 1] === '\n') i++;
    } else field += c;
    i++;
  }
  if (field !== '' || record.length > 0) {
    endField();
    records.push(record);
  }
  return records;
}

/** Index of the quote that closes a quoted field whose text starts at `from`. */
function quotedEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] !== '"') continue;
    if (text[i + 1] === '"') i++;
    else return i;
  }
  throw new Error('a quoted field is not closed');
}

/** The export's quote against formulas (api/routes/export.ts `spreadsheetSafe`): a string that starts like this got a `'`. */
const QUOTED = /^[=+\-@\t\r']/;

/** The text the export wrote for a string: a leading `'` taken off where the export put one. */
export function unquotedText(cell: string): string {
  return cell.startsWith("'") && QUOTED.test(cell.slice(1)) ? cell.slice(1) : cell;
}

/** The cell the export writes for a value of a categorical choice (strings quoted, booleans as `true`/`false`). */
export function choiceCell(choice: string | number | boolean): string {
  return typeof choice === 'string' && QUOTED.test(choice) ? `'${choice}` : String(choice);
}
