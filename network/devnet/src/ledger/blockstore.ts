import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { common } from '../protos';
import { blockHeaderHash } from './blockhash';
import {
  BlockNotFoundError,
  CorruptBlockFileError,
  InvalidBlockError,
  LedgerClosedError,
  PreviousHashMismatchError,
  UnexpectedBlockNumberError,
} from './errors';
import { encodeVarint, readVarint } from './varint';

export interface BlockStoreOptions {
  /** Ledger root; block files live in `<dir>/chains/<channelId>/`. */
  dir: string;
  channelId: string;
  /** fdatasync after every append (default true). Without it a crash may lose recent blocks. */
  sync?: boolean;
  /** Roll to a new block file once the current one would exceed this size (default 64 MiB). */
  maxFileSize?: number;
  /** Byte budget of the recent-block cache (default 32 MiB). */
  cacheBytes?: number;
}

const FILE_PREFIX = 'blockfile_';
const DEFAULT_MAX_FILE_SIZE = 64 * 1024 * 1024;
const DEFAULT_CACHE_BYTES = 32 * 1024 * 1024;

export function blockFileName(fileNum: number): string {
  return FILE_PREFIX + String(fileNum).padStart(6, '0');
}

export function blockStoreDir(dir: string, channelId: string): string {
  return path.join(dir, 'chains', channelId);
}

/** A block decoded plus its exact stored bytes. */
interface NormalizedBlock {
  block: common.Block;
  bytes: Uint8Array;
}

/**
 * Append-only block files in Fabric's layout (varint length + serialized common.Block). The
 * location index lives only in memory and is rebuilt by scanning the files on open, which keeps
 * the files the single source of truth for blocks.
 */
export class BlockStore {
  readonly #dirPath: string;
  readonly #channelId: string;
  readonly #sync: boolean;
  readonly #maxFileSize: number;
  readonly #cacheBudget: number;

  // Parallel growable arrays: cheaper than an object per block at millions of blocks.
  #fileNums = new Uint32Array(1024);
  #offsets = new Float64Array(1024);
  #lengths = new Uint32Array(1024);
  #height = 0;
  #lastHash: Uint8Array | undefined;

  #currentFileNum = 0;
  #currentFileSize = 0;
  #writeHandle: fs.FileHandle | undefined;
  readonly #readHandles = new Map<number, Promise<fs.FileHandle>>();

  readonly #cache = new Map<number, Uint8Array>();
  #cacheSize = 0;

  #appendChain: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(opts: BlockStoreOptions) {
    this.#dirPath = blockStoreDir(opts.dir, opts.channelId);
    this.#channelId = opts.channelId;
    this.#sync = opts.sync ?? true;
    this.#maxFileSize = opts.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
    this.#cacheBudget = opts.cacheBytes ?? DEFAULT_CACHE_BYTES;
  }

  static async open(opts: BlockStoreOptions): Promise<BlockStore> {
    const store = new BlockStore(opts);
    await store.#load();
    return store;
  }

  get height(): number {
    return this.#height;
  }

  get dirPath(): string {
    return this.#dirPath;
  }

  /** Header hash of the last stored block; undefined while the store is empty. */
  get lastBlockHash(): Uint8Array | undefined {
    return this.#lastHash;
  }

  /** Appends the block at the current height; resolves once it is durable (when sync is on). */
  append(block: common.Block | Uint8Array): Promise<void> {
    const run = this.#appendChain.then(() => this.#append(normalize(block)));
    this.#appendChain = run.catch(() => undefined);
    return run;
  }

  /** May return the cached buffer itself: callers must not mutate it. */
  async getBlockBytes(n: number): Promise<Uint8Array> {
    this.#assertOpen();
    if (!Number.isSafeInteger(n) || n < 0 || n >= this.#height) throw new BlockNotFoundError(n, this.#height);
    const cached = this.#cache.get(n);
    if (cached !== undefined) return cached;
    const fileNum = this.#fileNums[n]!;
    const length = this.#lengths[n]!;
    const handle = await this.#readHandle(fileNum);
    const buf = Buffer.allocUnsafe(length);
    const { bytesRead } = await handle.read(buf, 0, length, this.#offsets[n]);
    if (bytesRead !== length) {
      throw new CorruptBlockFileError(
        `short read of block ${n} from ${blockFileName(fileNum)}: ${bytesRead}/${length}`,
      );
    }
    this.#remember(n, buf);
    return buf;
  }

  async getBlock(n: number): Promise<common.Block> {
    return common.Block.deserializeBinary(await this.getBlockBytes(n));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#appendChain;
    this.#closed = true;
    const handles = [...this.#readHandles.values()];
    this.#readHandles.clear();
    await Promise.allSettled(handles.map(async (h) => (await h).close()));
    await this.#writeHandle?.close();
    this.#writeHandle = undefined;
    this.#cache.clear();
  }

  async #append({ block, bytes }: NormalizedBlock): Promise<void> {
    this.#assertOpen();
    const header = block.getHeader();
    if (header === undefined) throw new InvalidBlockError('block has no header');
    const number = header.getNumber();
    if (number !== this.#height) throw new UnexpectedBlockNumberError(this.#height, number);
    if (this.#lastHash !== undefined) {
      const prev = header.getPreviousHash_asU8();
      if (!Buffer.from(prev).equals(this.#lastHash)) {
        throw new PreviousHashMismatchError(number, hex(this.#lastHash), hex(prev));
      }
    }

    const prefix = encodeVarint(bytes.length);
    const recordSize = prefix.length + bytes.length;
    if (this.#currentFileSize > 0 && this.#currentFileSize + recordSize > this.#maxFileSize)
      await this.#roll();
    const handle = await this.#currentWriteHandle();
    const start = this.#currentFileSize;
    try {
      await writeFully(handle, Buffer.concat([prefix, bytes]), start);
      if (this.#sync) await handle.datasync();
    } catch (err) {
      // Leave no partial record behind (e.g. ENOSPC) so the next append lands on a clean tail.
      await handle.truncate(start).catch(() => undefined);
      throw err;
    }

    this.#record(number, this.#currentFileNum, start + prefix.length, bytes.length);
    this.#currentFileSize = start + recordSize;
    this.#lastHash = blockHeaderHash(header);
    this.#remember(number, bytes);
  }

  async #roll(): Promise<void> {
    await this.#writeHandle?.close();
    this.#writeHandle = undefined;
    this.#currentFileNum++;
    this.#currentFileSize = 0;
    const handle = await fs.open(this.#filePath(this.#currentFileNum), 'w+');
    this.#writeHandle = handle;
    if (this.#sync) await syncDir(this.#dirPath);
  }

  async #currentWriteHandle(): Promise<fs.FileHandle> {
    if (this.#writeHandle === undefined) {
      // 'a+' creates the file if needed; positional writes are used below, so open r+ afterwards.
      const file = this.#filePath(this.#currentFileNum);
      await (await fs.open(file, 'a')).close();
      this.#writeHandle = await fs.open(file, 'r+');
    }
    return this.#writeHandle;
  }

  #readHandle(fileNum: number): Promise<fs.FileHandle> {
    let handle = this.#readHandles.get(fileNum);
    if (handle === undefined) {
      handle = fs.open(this.#filePath(fileNum), 'r');
      handle.catch(() => this.#readHandles.delete(fileNum));
      this.#readHandles.set(fileNum, handle);
    }
    return handle;
  }

  #filePath(fileNum: number): string {
    return path.join(this.#dirPath, blockFileName(fileNum));
  }

  #record(n: number, fileNum: number, offset: number, length: number): void {
    if (n >= this.#fileNums.length) {
      const size = this.#fileNums.length * 2;
      this.#fileNums = grow(this.#fileNums, new Uint32Array(size));
      this.#offsets = grow(this.#offsets, new Float64Array(size));
      this.#lengths = grow(this.#lengths, new Uint32Array(size));
    }
    this.#fileNums[n] = fileNum;
    this.#offsets[n] = offset;
    this.#lengths[n] = length;
    this.#height = n + 1;
  }

  #remember(n: number, bytes: Uint8Array): void {
    if (bytes.length > this.#cacheBudget || this.#cache.has(n)) return;
    this.#cache.set(n, bytes);
    this.#cacheSize += bytes.length;
    for (const [key, value] of this.#cache) {
      if (this.#cacheSize <= this.#cacheBudget) break;
      this.#cache.delete(key);
      this.#cacheSize -= value.length;
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new LedgerClosedError(this.#channelId);
  }

  async #load(): Promise<void> {
    await fs.mkdir(this.#dirPath, { recursive: true });
    const fileNums = (await fs.readdir(this.#dirPath))
      .filter((f) => f.startsWith(FILE_PREFIX) && /^\d+$/.test(f.slice(FILE_PREFIX.length)))
      .map((f) => Number(f.slice(FILE_PREFIX.length)))
      .sort((a, b) => a - b);
    fileNums.forEach((num, i) => {
      if (num !== i)
        throw new CorruptBlockFileError(`block files are not contiguous: expected ${blockFileName(i)}`);
    });

    for (const fileNum of fileNums) {
      const isLast = fileNum === fileNums.length - 1;
      const file = this.#filePath(fileNum);
      const buf = await fs.readFile(file);
      let offset = 0;
      while (offset < buf.length) {
        const len = readVarint(buf, offset);
        // A zero length never happens for a real block; it shows up as a zero-filled tail after a crash.
        if (len === undefined || len.value === 0 || len.next + len.value > buf.length) {
          if (!isLast) {
            throw new CorruptBlockFileError(
              `${blockFileName(fileNum)} has an incomplete record at offset ${offset}`,
            );
          }
          await truncateFile(file, offset, this.#sync);
          break;
        }
        this.#record(this.#height, fileNum, len.next, len.value);
        offset = len.next + len.value;
      }
      this.#currentFileNum = fileNum;
      this.#currentFileSize = Math.min(offset, buf.length);
    }
    await this.#checkTail();
  }

  /**
   * The scan only validated framing. Confirm the final record really is the next block; a torn
   * write can leave a well-framed but undecodable tail, which we drop like a partial one.
   */
  async #checkTail(): Promise<void> {
    while (this.#height > 0) {
      const n = this.#height - 1;
      const fileNum = this.#fileNums[n]!;
      const recordStart = this.#offsets[n]! - encodeVarint(this.#lengths[n]!).length;
      let block: common.Block | undefined;
      try {
        block = common.Block.deserializeBinary(await this.#readRaw(n));
      } catch {
        block = undefined;
      }
      const number = block?.getHeader()?.getNumber();
      if (block !== undefined && number === n) {
        this.#lastHash = blockHeaderHash(block.getHeader()!);
        return;
      }
      if (block !== undefined && number !== undefined && number !== n) {
        throw new CorruptBlockFileError(
          `block at index ${n} in ${blockFileName(fileNum)} claims number ${number}`,
        );
      }
      if (fileNum !== this.#currentFileNum) {
        throw new CorruptBlockFileError(`undecodable block ${n} in non-final file ${blockFileName(fileNum)}`);
      }
      await truncateFile(this.#filePath(fileNum), recordStart, this.#sync);
      this.#currentFileSize = recordStart;
      this.#height = n;
    }
  }

  async #readRaw(n: number): Promise<Uint8Array> {
    const handle = await fs.open(this.#filePath(this.#fileNums[n]!), 'r');
    try {
      const buf = Buffer.allocUnsafe(this.#lengths[n]!);
      await handle.read(buf, 0, buf.length, this.#offsets[n]);
      return buf;
    } finally {
      await handle.close();
    }
  }
}

function normalize(block: common.Block | Uint8Array): NormalizedBlock {
  if (block instanceof Uint8Array) {
    try {
      return { block: common.Block.deserializeBinary(block), bytes: block };
    } catch (err) {
      throw new InvalidBlockError(`cannot decode block bytes: ${(err as Error).message}`, { cause: err });
    }
  }
  return { block, bytes: block.serializeBinary() };
}

async function writeFully(handle: fs.FileHandle, data: Buffer, position: number): Promise<void> {
  let written = 0;
  while (written < data.length) {
    const { bytesWritten } = await handle.write(data, written, data.length - written, position + written);
    written += bytesWritten;
  }
}

async function truncateFile(file: string, size: number, sync: boolean): Promise<void> {
  const handle = await fs.open(file, 'r+');
  try {
    await handle.truncate(size);
    if (sync) await handle.datasync();
  } finally {
    await handle.close();
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } catch {
    // Some platforms/filesystems refuse fsync on directories; the file data itself is synced.
  } finally {
    await handle.close();
  }
}

function grow<T extends Uint32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
