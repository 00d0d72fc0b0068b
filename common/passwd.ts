// Resolving an app's user and group against the app's own /etc/passwd and /etc/group
// (never the host's), with runc's rules (libcontainer/user GetExecUser): numeric ids
// need no files, names must be found, and an implicit group brings the supplementary
// groups whose member lists name the user. The caller reads the files.
import { SkiffError } from './errors.ts';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export interface ResolvedUser {
  uid: number;
  gid: number;
  supplementaryGids: number[];
  /** From the passwd entry, when the user has one. */
  home?: string;
}

// (uid_t)-1 means "unchanged" to setresuid, so it is never a real id.
const MAX_ID = 4294967294;
const NUMERIC_RE = /^\d+$/;

function parseId(field: string | undefined): number | undefined {
  if (field === undefined || !NUMERIC_RE.test(field)) return undefined;
  const n = Number(field);
  return n <= MAX_ID ? n : undefined;
}

function dataLines(text: string): string[][] {
  return text
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => line.split(':'));
}

/** Entries of an /etc/passwd text; malformed lines are skipped, as libc does. */
export function parsePasswd(text: string): PasswdEntry[] {
  const entries: PasswdEntry[] = [];
  for (const f of dataLines(text)) {
    const uid = parseId(f[2]);
    const gid = parseId(f[3]);
    if (!f[0] || uid === undefined || gid === undefined) continue;
    entries.push({ name: f[0], uid, gid, gecos: f[4] ?? '', home: f[5] ?? '', shell: f[6] ?? '' });
  }
  return entries;
}

/** Entries of an /etc/group text; malformed lines are skipped, as libc does. */
export function parseGroup(text: string): GroupEntry[] {
  const entries: GroupEntry[] = [];
  for (const f of dataLines(text)) {
    const gid = parseId(f[2]);
    if (!f[0] || gid === undefined) continue;
    const members = (f[3] ?? '').split(',').map((m) => m.trim()).filter((m) => m !== '');
    entries.push({ name: f[0], gid, members });
  }
  return entries;
}

function subject(appName: string | undefined): string {
  return appName === undefined ? "the app's" : `app ${JSON.stringify(appName)}'s`;
}

function invalidId(kind: 'user' | 'group', value: string): SkiffError {
  return new SkiffError(
    'POD_MANIFEST_INVALID',
    `invalid ${kind} ${JSON.stringify(value)}: give a ${kind} name or a numeric id from 0 to ${MAX_ID}`,
  );
}

function lookupUser(user: string, passwdText: string | undefined, appName?: string): ResolvedUser & { name?: string } {
  if (user === '') throw invalidId('user', user);
  const numeric = NUMERIC_RE.test(user) ? parseId(user) : undefined;
  if (NUMERIC_RE.test(user) && numeric === undefined) throw invalidId('user', user);
  const entries = passwdText === undefined ? [] : parsePasswd(passwdText);
  const entry = entries.find((e) => (numeric === undefined ? e.name === user : e.uid === numeric));
  if (entry) return { uid: entry.uid, gid: entry.gid, supplementaryGids: [], home: entry.home, name: entry.name };
  if (numeric !== undefined) {
    // A uid with no passwd entry is fine (runc): the group then defaults to 0.
    return { uid: numeric, gid: 0, supplementaryGids: [] };
  }
  const where = `${subject(appName)} /etc/passwd`;
  throw new SkiffError(
    'POD_MANIFEST_INVALID',
    passwdText === undefined
      ? `user ${JSON.stringify(user)} cannot be resolved: ${where} does not exist; use a numeric uid`
      : `user ${JSON.stringify(user)} is not in ${where}: use a numeric uid or add the user to the image`,
  );
}

function lookupGroup(group: string, groupEntries: GroupEntry[], groupText: string | undefined, appName?: string): number {
  if (NUMERIC_RE.test(group)) {
    const gid = parseId(group);
    if (gid === undefined) throw invalidId('group', group);
    return gid;
  }
  const entry = groupEntries.find((e) => e.name === group);
  if (entry) return entry.gid;
  const where = `${subject(appName)} /etc/group`;
  throw new SkiffError(
    'POD_MANIFEST_INVALID',
    groupText === undefined
      ? `group ${JSON.stringify(group)} cannot be resolved: ${where} does not exist; use a numeric gid`
      : `group ${JSON.stringify(group)} is not in ${where}: use a numeric gid or add the group to the image`,
  );
}

/**
 * uid, gid and supplementary gids for an app's `user`/`group` (names or numbers).
 * `group === ''` means the user's primary group; only then are supplementary groups taken
 * from the member lists, because an explicit group is a request for exactly that group
 * (runc). `undefined` texts mean the image has no such file.
 */
export function resolveUserGroup(
  user: string,
  group: string,
  passwdText: string | undefined,
  groupText: string | undefined,
  appName?: string,
): ResolvedUser {
  const found = lookupUser(user, passwdText, appName);
  const groupEntries = groupText === undefined ? [] : parseGroup(groupText);
  const result: ResolvedUser = { uid: found.uid, gid: found.gid, supplementaryGids: [] };
  if (found.home !== undefined) result.home = found.home;

  if (group !== '') {
    result.gid = lookupGroup(group, groupEntries, groupText, appName);
    return result;
  }
  const userName = found.name;
  if (userName !== undefined) {
    const gids = groupEntries.filter((g) => g.members.includes(userName)).map((g) => g.gid);
    result.supplementaryGids = [...new Set(gids)];
  }
  return result;
}
