import { closeSync, constants, fstatSync, openSync, readSync, type Stats, statSync } from "node:fs";

/** A suite is a page of YAML; a megabyte is far above any real one and far below a slow parse. */
export const MAX_SUITE_BYTES = 1024 * 1024;

/** Never blocks on a FIFO swapped in after the check; no effect on a regular file. */
const READ_NONBLOCK = constants.O_RDONLY | constants.O_NONBLOCK;

/**
 * The checks a file the user names must pass before anything reads it: it exists, it is a
 * regular file (a FIFO would block the read forever, a directory fails with a bare EISDIR), it is
 * not empty, it is not larger than the reader can sensibly take, and it can be opened. Each
 * problem is one sentence that says what to do, without the file's name (the caller adds it).
 */
export function fileProblem(file: string, what: string, maxBytes = Number.POSITIVE_INFINITY): string | undefined {
  if (file === "") return `the ${what} file name is empty`;
  let stat: Stats;
  try {
    stat = statSync(file);
  } catch (err) {
    return fsProblem(err, what);
  }
  if (stat.isDirectory()) return `is a directory; expected a ${what} file`;
  if (!stat.isFile()) return `is not a regular file (${kindOf(stat)}); give the path of a ${what} file`;
  if (stat.size === 0) return `is empty (0 bytes); expected a ${what} file`;
  if (stat.size > maxBytes) return `is ${stat.size} bytes; a ${what} file is at most ${maxBytes} bytes (${megabytes(maxBytes)})`;
  try {
    closeSync(openSync(file, READ_NONBLOCK));
  } catch (err) {
    return fsProblem(err, what);
  }
  return undefined;
}

/**
 * The bytes of a file that passed fileProblem, read through one descriptor and at most
 * `maxBytes + 1` of them, so a file swapped or grown in between cannot block or flood the read.
 */
export function readCheckedFile(file: string, what: string, maxBytes: number): Buffer {
  const fd = openSync(file, READ_NONBLOCK);
  try {
    if (!fstatSync(fd).isFile()) throw new Error(`is not a regular file; give the path of a ${what} file`);
    const buf = Buffer.alloc(maxBytes + 1);
    let n = 0;
    for (let got = 1; got > 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** What an fs error means for a file the user named, and what to do about it. */
export function fsProblem(err: unknown, what: string): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOENT":
      return `no such ${what} file`;
    case "ENOTDIR":
      return `no such ${what} file (a part of the path is not a directory)`;
    case "EACCES":
    case "EPERM":
      return `cannot be read: permission denied; check the file's and its directories' permissions`;
    case "EISDIR":
      return `is a directory; expected a ${what} file`;
    case "ELOOP":
      return "is a symbolic link that loops; point it at a real file";
    case "ENAMETOOLONG":
      return "the path is too long";
    default:
      return `cannot be read (${code ?? (err instanceof Error ? err.message : String(err))})`;
  }
}

function kindOf(stat: Stats): string {
  if (stat.isFIFO()) return "a named pipe";
  if (stat.isSocket()) return "a socket";
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return "a device";
  return "not a file";
}

function megabytes(bytes: number): string {
  return `${Number((bytes / 1024 / 1024).toFixed(2))} MiB`;
}
