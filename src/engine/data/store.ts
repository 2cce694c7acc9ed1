/**
 * Where the rows of one split live between reading and training: fixed-size blocks of float64 slots
 * (one slot per feature value as parsed, plus the label and the row's position in the source file),
 * column-major inside a block. Small data keeps its blocks in memory; large data writes them to a file
 * in the disk cache and reads them back a block at a time, so memory does not grow with the rows.
 *
 * Values are the parsed raw values (numbers, 0/1 booleans, category ids), not the encoded inputs:
 * encoding happens per batch with the fitted preprocessing, the same code a served model uses, so
 * training and serving read a value the same way to the last bit.
 */
import { promises as fs } from 'node:fs';

export interface BlockStore {
  /** rows */
  readonly n: number;
  /** float64 values per row */
  readonly slots: number;
  /** rows per block (the last block may hold fewer) */
  readonly blockRows: number;
  readonly blocks: number;
  /** blocks live in memory: random access is cheap */
  readonly inMemory: boolean;
  /** block b: slot s of row r at [s * blockRows + r] */
  readBlock(b: number): Promise<Float64Array>;
  rowsIn(b: number): number;
  close(): Promise<void>;
}

/** Rows per block for this many slots: about 1 MiB per block, at least 64 rows. */
export function blockRowsFor(slots: number): number {
  return Math.max(64, Math.min(8192, Math.floor((1 << 20) / (8 * Math.max(1, slots)))));
}

/** Appends rows; blocks go to memory or to a file as they fill. */
export class StoreWriter {
  private block: Float64Array;
  private r = 0;
  private readonly full: Float64Array[] = [];
  private handle?: fs.FileHandle;
  private written = 0;
  n = 0;

  constructor(readonly slots: number, readonly blockRows: number, private readonly file?: string) {
    this.block = new Float64Array(blockRows * slots);
  }

  /** Append one row of `slots` values. Call flush() now and then to write full blocks. */
  append(row: ArrayLike<number>): void {
    const B = this.blockRows;
    const block = this.block;
    const r = this.r;
    for (let s = 0; s < this.slots; s++) block[s * B + r] = row[s];
    this.n++;
    if (++this.r === B) {
      this.full.push(block);
      this.block = new Float64Array(B * this.slots);
      this.r = 0;
    }
  }

  /** Write the filled blocks to the file (memory stores keep them). */
  async flush(): Promise<void> {
    if (this.file === undefined) return;
    if (!this.handle) this.handle = await fs.open(this.file, 'w');
    while (this.full.length > 0) {
      const block = this.full.shift() as Float64Array;
      await this.handle.write(new Uint8Array(block.buffer, block.byteOffset, block.byteLength), 0, block.byteLength, this.written);
      this.written += block.byteLength;
    }
  }

  async finish(): Promise<BlockStore> {
    if (this.r > 0) {
      this.full.push(this.block);
      this.block = new Float64Array(0);
    }
    const { n, slots, blockRows } = this;
    if (this.file === undefined) return memoryStore(this.full.splice(0), n, slots, blockRows);
    await this.flush();
    if (this.handle) {
      await this.handle.sync();
      await this.handle.close();
      this.handle = undefined;
    } else {
      await fs.writeFile(this.file, new Uint8Array(0));
    }
    return openFileStore(this.file, n, slots, blockRows);
  }

  /** Stop and delete what was written (after an error or a stop). */
  async abort(): Promise<void> {
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
    if (this.file !== undefined) await fs.rm(this.file, { force: true });
  }
}

export function memoryStore(blockList: Float64Array[], n: number, slots: number, blockRows: number): BlockStore {
  return {
    n, slots, blockRows, blocks: blockList.length, inMemory: true,
    readBlock: async (b) => blockList[b],
    rowsIn: (b) => Math.min(blockRows, n - b * blockRows),
    close: async () => undefined,
  };
}

/** A store written earlier (this run or a cached one): blocks are read on demand. */
export async function openFileStore(file: string, n: number, slots: number, blockRows: number): Promise<BlockStore> {
  const blockBytes = blockRows * slots * 8;
  const blocks = Math.ceil(n / blockRows);
  const st = await fs.stat(file);
  if (st.size < blocks * blockBytes) throw new Error(`${file}: the cache file is shorter than its description says (${st.size} bytes)`);
  let handle: fs.FileHandle | undefined;
  let opening: Promise<fs.FileHandle> | undefined;
  const get = async () => {
    if (handle) return handle;
    opening ??= fs.open(file, 'r').then((h) => (handle = h));
    return opening;
  };
  return {
    n, slots, blockRows, blocks, inMemory: false,
    async readBlock(b) {
      const h = await get();
      const out = new Float64Array(blockRows * slots);
      // every block was written whole (the last one padded)
      const want = blockBytes;
      const bytes = new Uint8Array(out.buffer);
      let got = 0;
      while (got < want) {
        const { bytesRead } = await h.read(bytes, got, want - got, b * blockBytes + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      if (got < want) throw new Error(`${file}: block ${b} is cut short (${got} of ${want} bytes)`);
      return out;
    },
    rowsIn: (b) => Math.min(blockRows, n - b * blockRows),
    async close() {
      const h = handle ?? (opening ? await opening.catch(() => undefined) : undefined);
      handle = undefined;
      opening = undefined;
      await h?.close().catch(() => undefined);
    },
  };
}
