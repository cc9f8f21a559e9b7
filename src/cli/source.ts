/**
 * Where the CLI reads batches from: a file, read afresh on every pass, or stdin, copied to a temporary
 * file on the first pass so that a second pass (sending, after everything validated) is possible.
 *
 * Internal to the CLI: not part of the public API.
 */

import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';

/** The input of one command, readable once per pass. */
export interface InputSource {
  /** How to name the input in messages: the path, or `stdin`. */
  readonly name: string;
  /** The input's text, decoded as UTF-8, as a stream of chunks. Call once per pass. */
  read(): AsyncIterable<string>;
  /** Remove any temporary copy. Safe to call more than once. */
  dispose(): Promise<void>;
}

/** The input cannot be opened: a missing file, a directory, no permission. */
export class InputUnavailableError extends Error {
  override name = 'InputUnavailableError';
}

/** Read chunks from 64 KiB file reads: big enough to be fast, small enough to keep memory flat. */
const CHUNK_BYTES = 64 * 1024;

/** Open a file for reading on each pass; fails early, with a clear message, when it cannot be read. */
export async function fileSource(path: string): Promise<InputSource> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new InputUnavailableError(
      code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot read (${String(code ?? error)})`,
    );
  }
  if (info.isDirectory()) throw new InputUnavailableError(`${path}: is a directory`);
  return {
    name: path,
    read: () => createReadStream(path, { encoding: 'utf8', highWaterMark: CHUNK_BYTES }),
    dispose: async () => {},
  };
}

/**
 * Stdin, which can be read only once. With `replayable`, the first pass copies what it reads into a
 * temporary file (under the OS temp directory) that later passes read instead.
 */
export function stdinSource(stdin: NodeJS.ReadableStream, replayable: boolean): InputSource {
  let dir: string | undefined;
  let copy: string | undefined;
  let passes = 0;
  return {
    name: 'stdin',
    read(): AsyncIterable<string> {
      passes++;
      if (passes > 1) {
        if (!copy) throw new Error('stdin can be read only once');
        return createReadStream(copy, { encoding: 'utf8', highWaterMark: CHUNK_BYTES });
      }
      return (async function* (): AsyncGenerator<string> {
        let out: WriteStream | undefined;
        if (replayable) {
          dir = await mkdtemp(join(tmpdir(), 'mparticle-events-stdin-'));
          copy = join(dir, 'input');
          out = createWriteStream(copy);
        }
        const decoder = new TextDecoder('utf-8');
        try {
          for await (const chunk of stdin as AsyncIterable<string | Uint8Array>) {
            const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
            if (out && !out.write(bytes)) await once(out, 'drain');
            const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
            if (text) yield text;
          }
          const tail = decoder.decode();
          if (tail) yield tail;
        } finally {
          if (out) {
            out.end();
            await finished(out);
          }
        }
      })();
    },
    async dispose(): Promise<void> {
      if (dir) await rm(dir, { recursive: true, force: true });
      dir = undefined;
    },
  };
}
