// The worker side of createBackgroundBlobWriter: hashes and writes a blob's bytes off the main
// thread, so an import hashes, stores and extracts on both cores at once. Messages: chunks (as
// transferred ArrayBuffers), then `commit` (fsync, reply with the hex digest) or `abort`.
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';

interface Start {
  tmp: string;
  algo: 'sha256' | 'sha512';
}

type Message = { kind: 'chunk'; data: ArrayBuffer } | { kind: 'commit' } | { kind: 'abort' };

/** Flush written data every so often, so the fsync at commit has little left to do. */
const FLUSH_EVERY = 64 * 1024 * 1024;

function serve(start: Start): void {
  const port = parentPort!;
  const fd = fs.openSync(start.tmp, 'wx', 0o644);
  const hash = createHash(start.algo);
  let unflushed = 0;
  port.on('message', (msg: Message) => {
    try {
      if (msg.kind === 'chunk') {
        const buf = new Uint8Array(msg.data);
        hash.update(buf);
        let off = 0;
        while (off < buf.length) off += fs.writeSync(fd, buf, off);
        unflushed += buf.length;
        if (unflushed >= FLUSH_EVERY) {
          fs.fdatasyncSync(fd);
          unflushed = 0;
        }
        port.postMessage({ kind: 'written', bytes: buf.length });
      } else if (msg.kind === 'commit') {
        fs.fsyncSync(fd);
        fs.closeSync(fd);
        port.postMessage({ kind: 'committed', hex: hash.digest('hex') });
        port.close();
      } else {
        fs.closeSync(fd);
        port.close();
      }
    } catch (err) {
      port.postMessage({ kind: 'failed', message: (err as Error).message, code: (err as NodeJS.ErrnoException).code });
      port.close();
    }
  });
}

serve(workerData as Start);
