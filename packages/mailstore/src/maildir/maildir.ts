import { mkdir, open, readdir, rename, stat, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { formatMaildirName, newBaseName } from './maildir-name.js';

/** Low-level file operations on one Maildir folder (a directory with cur/ new/ tmp/). */

export type MaildirSub = 'new' | 'cur';

export interface MaildirFile {
  readonly sub: MaildirSub;
  readonly filename: string;
}

/** Creates cur/ new/ tmp/ (and the folder) when missing. */
export async function ensureMaildir(dir: string): Promise<void> {
  await Promise.all(['cur', 'new', 'tmp'].map((sub) => mkdir(join(dir, sub), { recursive: true })));
}

/**
 * Files by base name. new/ is read before cur/: a message moving from new/ to
 * cur/ meanwhile is then seen in cur/ rather than missed.
 */
export async function scanMaildir(dir: string): Promise<Map<string, MaildirFile>> {
  const found = new Map<string, MaildirFile>();
  for (const sub of ['new', 'cur'] as const) {
    let names: string[];
    try {
      names = await readdir(join(dir, sub));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    for (const filename of names) {
      if (filename.startsWith('.')) continue;
      const colon = filename.indexOf(':');
      found.set(colon < 0 ? filename : filename.slice(0, colon), { sub, filename });
    }
  }
  return found;
}

/** Bare CR LF → LF: Maildir files keep Unix line ends (as Dovecot's default). Returns also the CRLF size. */
export function toUnixLineEnds(data: Buffer): { data: Buffer; crlfSize: number } {
  let lf = 0;
  let cr = 0;
  for (let i = 0; i < data.length; i++) {
    const c = data[i];
    if (c === 0x0a) {
      lf++;
      if (i > 0 && data[i - 1] === 0x0d) cr++;
    }
  }
  if (cr === 0) return { data, crlfSize: data.length + lf };
  const out = Buffer.allocUnsafe(data.length - cr);
  let o = 0;
  let start = 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i] === 0x0a && i > 0 && data[i - 1] === 0x0d) {
      o += data.copy(out, o, start, i - 1);
      start = i;
    }
  }
  o += data.copy(out, o, start);
  return { data: out.subarray(0, o), crlfSize: o + lf };
}

/** LF → CRLF (leaving existing CRLF alone): the wire form IMAP and POP3 send. */
export function toCrlf(data: Buffer): Buffer {
  let bare = 0;
  for (let i = 0; i < data.length; i++) if (data[i] === 0x0a && (i === 0 || data[i - 1] !== 0x0d)) bare++;
  if (bare === 0) return data;
  const out = Buffer.allocUnsafe(data.length + bare);
  let o = 0;
  let start = 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i] === 0x0a && (i === 0 || data[i - 1] !== 0x0d)) {
      o += data.copy(out, o, start, i);
      out[o++] = 0x0d;
      start = i;
    }
  }
  data.copy(out, o, start);
  return out;
}

export interface WriteMessageOptions {
  /** Flag letters: the message goes straight to cur/ (APPEND with flags); none → new/. */
  readonly letters?: string | undefined;
  /** The INTERNALDATE, kept as the file's mtime (Dovecot reads it there). */
  readonly internalDate?: Date | undefined;
  readonly fsync?: boolean | undefined;
  /** fsync the directory after the rename (default: when fsync); false when the caller does it. */
  readonly syncDir?: boolean | undefined;
}

/**
 * Crash-safe delivery: write tmp/<base>, fsync, rename into new/ or cur/,
 * fsync the directory. A node killed at any point leaves at worst a file in
 * tmp/, never a partial message in new/ or cur/.
 */
export async function writeMessage(
  dir: string,
  message: Buffer,
  options: WriteMessageOptions = {},
): Promise<MaildirFile> {
  const { data, crlfSize } = toUnixLineEnds(message);
  const base = newBaseName(data.length, crlfSize);
  const tmpPath = join(dir, 'tmp', base);
  const fsync = options.fsync ?? true;
  const handle = await open(tmpPath, 'wx');
  try {
    await handle.writeFile(data);
    if (fsync) await handle.datasync();
  } catch (error) {
    await handle.close();
    await unlink(tmpPath).catch(() => {});
    throw error;
  }
  await handle.close();
  if (options.internalDate) await utimes(tmpPath, options.internalDate, options.internalDate);
  const file: MaildirFile =
    options.letters === undefined
      ? { sub: 'new', filename: base }
      : { sub: 'cur', filename: formatMaildirName(base, options.letters) };
  await rename(tmpPath, join(dir, file.sub, file.filename));
  if (fsync && options.syncDir !== false) await syncDir(join(dir, file.sub));
  return file;
}

/** fsync a directory so a rename into it survives a crash. */
export async function syncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * A key over the folder's directory and list mtimes: unchanged since a scan
 * that started well after them means nothing changed. Undefined (scan!)
 * within a second of the newest change, which could hide in the same tick.
 */
export async function maildirChangeKey(dir: string): Promise<string | undefined> {
  const paths = ['new', 'cur', 'dovecot-uidlist', 'dovecot-keywords'].map((p) => join(dir, p));
  const stats = await Promise.all(paths.map((p) => stat(p).catch(() => undefined)));
  const newest = Math.max(...stats.map((s) => s?.mtimeMs ?? 0));
  if (Date.now() - newest < 1000) return undefined;
  return stats.map((s) => (s ? `${s.ino}:${s.mtimeMs}:${s.size}` : '-')).join('/');
}

/**
 * Runs `op` on a message's file; on ENOENT (another node renamed it for a
 * flag change, or moved it to cur/) finds its current name and retries.
 * False when the message is gone.
 */
export async function withCurrentFile(
  dir: string,
  message: MaildirFile & { readonly base: string },
  op: (file: MaildirFile) => Promise<void>,
): Promise<boolean> {
  let file: MaildirFile | undefined = message;
  for (let attempt = 0; attempt < 3 && file; attempt++) {
    try {
      await op(file);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      file = (await scanMaildir(dir)).get(message.base);
    }
  }
  return false;
}
