// Reads /proc/locks to tell whether a pod directory is flock'd and by whom, with no
// subprocess and without disturbing the lock (status/list must not take it even briefly).

export interface ProcLock {
  kind: string; // FLOCK, POSIX, OFDLCK…
  access: 'READ' | 'WRITE';
  pid: number;
  major: number;
  minor: number;
  ino: number;
  blocked: boolean; // a waiter (`->`), not a holder
}

/** Parses the text of /proc/locks (pure). */
export function parseProcLocks(text: string): ProcLock[] {
  const out: ProcLock[] = [];
  for (const line of text.split('\n')) {
    const m = /^\d+:\s+(->\s+)?(\S+)\s+\S+\s+(READ|WRITE)\s+(-?\d+)\s+([0-9a-f]+):([0-9a-f]+):(\d+)\s/.exec(line);
    if (!m) continue;
    out.push({
      kind: m[2]!,
      access: m[3] as 'READ' | 'WRITE',
      pid: Number(m[4]),
      major: parseInt(m[5]!, 16),
      minor: parseInt(m[6]!, 16),
      ino: Number(m[7]),
      blocked: m[1] !== undefined,
    });
  }
  return out;
}

/** glibc's encoding of a user-space dev_t (what fs.stat returns as `dev`). */
export function splitDev(dev: number | bigint): { major: number; minor: number } {
  const d = BigInt(dev);
  const major = Number(((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn));
  const minor = Number((d & 0xffn) | ((d >> 12n) & ~0xffn));
  return { major, minor };
}

/** The holder of a flock on the inode, or undefined when nobody holds one. */
export function findFlockHolder(locks: readonly ProcLock[], dev: number | bigint, ino: number | bigint): ProcLock | undefined {
  const { major, minor } = splitDev(dev);
  const inode = Number(ino);
  return locks.find((l) => !l.blocked && l.kind === 'FLOCK' && l.major === major && l.minor === minor && l.ino === inode);
}
