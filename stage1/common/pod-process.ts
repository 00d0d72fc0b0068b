// Whether a pid is still the pod's process: it has the pod directory open (the pod lock's
// fd, which a stage1's resident process holds for the pod's whole life). A pid read from
// the `pid` file may have been reused by an unrelated process once the pod is gone; that one
// has no reason to hold the pod directory open, so it is never signalled.
import fs from 'node:fs';

export function processHoldsDir(pid: number, dir: string): boolean {
  let st: fs.Stats;
  let fds: string[];
  try {
    st = fs.statSync(dir);
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false; // gone, or no pod directory
  }
  return fds.some((fd) => {
    const fst = fs.statSync(`/proc/${pid}/fd/${fd}`, { throwIfNoEntry: false });
    return fst !== undefined && fst.dev === st.dev && fst.ino === st.ino;
  });
}
