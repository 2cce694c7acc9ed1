/**
 * The CSV tokenizer every delimited text goes through (data files, the model file's header checks,
 * request bodies): RFC 4180 quoting, \n / \r\n / \r record ends, rows numbered as a spreadsheet shows
 * them. No I/O here; readers/csv.ts streams files through it.
 */

/** A parse problem in one record (the reader adds the file). */
export class CsvSyntaxError extends Error {
  constructor(message: string, readonly row: number) {
    super(message);
  }
}

/**
 * Splits text into records of fields. `onRecord` gets a reused array (copy what you keep) and the
 * record's 1-based number; returning false stops the tokenizer.
 */
export class CsvTokenizer {
  private carry = '';
  private record = 0;
  private readonly fields: string[] = [];
  private readonly delimiter: number;
  private stopped = false;

  constructor(delimiter: string, private readonly onRecord: (fields: string[], row: number) => boolean | void) {
    if (delimiter.length !== 1) throw new Error(`the delimiter must be one character, got ${JSON.stringify(delimiter)}`);
    this.delimiter = delimiter.charCodeAt(0);
  }

  get rowsSeen(): number { return this.record; }

  /** Feed the next piece of text; `last` marks the end of the input. */
  feed(chunk: string, last: boolean): void {
    const text = this.carry.length > 0 ? this.carry + chunk : chunk;
    this.carry = '';
    const n = text.length;
    let pos = 0;
    while (pos < n && !this.stopped) {
      const end = this.parseRecord(text, pos, last);
      if (end < 0) break;
      pos = end;
    }
    if (!this.stopped && pos < n) this.carry = text.slice(pos);
  }

  /** Parse one record from `pos`; the position after its terminator, or -1 when it is not complete yet. */
  private parseRecord(text: string, pos: number, last: boolean): number {
    const n = text.length;
    const d = this.delimiter;
    const fields = this.fields;
    fields.length = 0;
    let i = pos;
    for (;;) {
      let value: string;
      if (i < n && text.charCodeAt(i) === 34) {
        // quoted field
        let seg = i + 1;
        let j = seg;
        let parts = '';
        for (;;) {
          j = text.indexOf('"', j);
          if (j < 0) {
            if (!last) return -1;
            throw new CsvSyntaxError('a quoted field is not closed (the file ends inside quotes); check the quotes in this row', this.record + 1);
          }
          if (j + 1 < n && text.charCodeAt(j + 1) === 34) {
            parts += text.slice(seg, j + 1);
            j += 2;
            seg = j;
            continue;
          }
          if (j + 1 >= n && !last) return -1;
          break;
        }
        value = parts + text.slice(seg, j);
        if (value.includes('\r')) value = value.replace(/\r\n?/g, '\n');
        i = j + 1;
        if (i < n) {
          const c = text.charCodeAt(i);
          if (c !== d && c !== 10 && c !== 13) {
            throw new CsvSyntaxError(`a quoted field is followed by more text (${JSON.stringify(text.slice(i, i + 10))}) before the delimiter; ` +
              'a quote inside a quoted field is written as two quotes ("")', this.record + 1);
          }
        }
      } else {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === d || c === 10 || c === 13) break;
          j++;
        }
        if (j >= n && !last) return -1;
        value = text.slice(i, j);
        i = j;
      }
      fields.push(value);
      if (i >= n) {
        // end of input (only reached with last = true)
        this.emit();
        return n;
      }
      const c = text.charCodeAt(i);
      if (c === d) {
        i++;
        if (i >= n) {
          if (!last) return -1;
          fields.push('');
          this.emit();
          return n;
        }
        continue;
      }
      if (c === 13) {
        if (i + 1 >= n && !last) return -1;
        this.emit();
        return i + 1 < n && text.charCodeAt(i + 1) === 10 ? i + 2 : i + 1;
      }
      this.emit(); // \n
      return i + 1;
    }
  }

  private emit(): void {
    this.record++;
    if (this.onRecord(this.fields, this.record) === false) this.stopped = true;
  }
}

/** The delimiter of a .csv file: the most frequent of , ; tab | in its header line, outside quotes. */
export function sniffDelimiter(text: string): string {
  const counts: Record<string, number> = { ',': 0, ';': 0, '\t': 0, '|': 0 };
  let quoted = false;
  let start = 0;
  // the header is the first line that is not blank
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    const line = text.slice(start, nl < 0 ? undefined : nl);
    if (line.trim() !== '') break;
    if (nl < 0) break;
    start = nl + 1;
  }
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && ch in counts) counts[ch]++;
  }
  let best = ',';
  for (const d of [';', '\t', '|']) if (counts[d] > counts[best]) best = d;
  return best;
}

export const isBlank = (fields: readonly string[]) => fields.every((f) => f.trim() === '');

/**
 * A small CSV text held in memory (a request body), as rows of fields: the same tokenizer and delimiter
 * rule as data files. Blank lines are dropped. Throws CsvSyntaxError (with the row) for broken quotes.
 */
export function parseCsvText(text: string, delimiter?: string): { rows: string[][]; delimiter: string } {
  const body = text.replace(/^\uFEFF/, '');
  const d = delimiter ?? sniffDelimiter(body);
  const rows: string[][] = [];
  new CsvTokenizer(d, (fields) => {
    if (!isBlank(fields)) rows.push(fields.slice());
  }).feed(body, true);
  return { rows, delimiter: d };
}
