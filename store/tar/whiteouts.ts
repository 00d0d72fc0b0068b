// OCI layer whiteouts, applied once the whole layer is on disk. Waiting for the end makes the
// result independent of member order: a whiteout only ever hides what lower layers left, never
// a sibling from its own layer, whether that sibling comes before or after it in the tar.
import { parentOf } from './entry-name.ts';
import type { TreeWriter } from './tree-writer.ts';

/**
 * - `overlay`: the layer is its own tree, stacked later as an overlayfs lower dir, so whiteouts
 *   become overlayfs ones (0:0 char devices, `trusted.overlay.opaque=y`).
 * - `apply`: the layer is written on top of the layers below it in one directory (flattening),
 *   so whiteouts delete.
 * - `keep`: no whiteout semantics (ACIs); `.wh.` names are ordinary files.
 */
export type WhiteoutMode = 'overlay' | 'apply' | 'keep';

export interface PendingWhiteouts {
  /** Tree paths named by `.wh.NAME` members. */
  targets: string[];
  /** Directories holding a `.wh..wh..opq` member. */
  opaqueDirs: string[];
}

export function applyWhiteouts(writer: TreeWriter, mode: WhiteoutMode, pending: PendingWhiteouts): void {
  if (mode === 'keep') return;
  const opaque = new Set(pending.opaqueDirs);
  for (const target of pending.targets) {
    // The directory holding the whiteout was replaced later in the layer: nothing left to hide.
    if (!writer.isDir(parentOf(target))) continue;
    if (writer.written.has(target)) {
      // The layer itself put something at that name; only a lower directory's contents still
      // need hiding, which is what an opaque directory means.
      if (writer.isDir(target)) opaque.add(target);
      continue;
    }
    if (mode === 'overlay') writer.overlayWhiteout(target);
    else writer.removeTree(target);
  }
  for (const dir of opaque) {
    if (!writer.isDir(dir)) continue;
    if (mode === 'overlay') writer.overlayOpaque(dir);
    else writer.removeLower(dir);
  }
}
