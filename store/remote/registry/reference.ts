// What follows `docker://`: HOST[:PORT]/REPO[:TAG|@DIGEST], as the distribution reference
// grammar has it. A first component without `.` or `:` (and not `localhost`) is not a host,
// so `busybox` means Docker Hub's library/busybox, as docker and skopeo read it. Pure.
import { SkiffError } from '../../../common/errors.ts';
import type { Digest } from '../../../common/ids.ts';

export interface RegistryReference {
  /** `host[:port]` as written (Docker Hub's is docker.io): names the image and its credentials. */
  registry: string;
  /** Where the API lives: docker.io's is registry-1.docker.io. */
  apiHost: string;
  repository: string;
  /** `latest` when neither tag nor digest is given; undefined when pinned by digest alone. */
  tag: string | undefined;
  /** Pinned by digest: the manifest must hash to it (the tag is then only a label). */
  digest?: Digest;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/;
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
const USAGE = 'write docker://HOST[:PORT]/REPO[:TAG|@sha256:DIGEST]';

export function parseRegistryReference(value: string): RegistryReference {
  const bad = (why: string): SkiffError => new SkiffError('USAGE', `docker://${value}: ${why}`, { hint: USAGE });
  const at = value.indexOf('@');
  const digest = at === -1 ? undefined : value.slice(at + 1);
  let rest = at === -1 ? value : value.slice(0, at);
  if (digest !== undefined && !DIGEST.test(digest)) throw bad(`"${digest}" is not a sha256 or sha512 digest`);
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  let tag: string | undefined;
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(`"${tag}" is not a valid tag`);
  }
  const slash = rest.indexOf('/');
  const first = slash === -1 ? '' : rest.slice(0, slash);
  let registry = 'docker.io';
  let repository = rest;
  if (first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('['))) {
    if (!HOST.test(first)) throw bad(`"${first}" is not a host name`);
    registry = first === 'index.docker.io' || first === 'registry-1.docker.io' ? 'docker.io' : first.toLowerCase();
    repository = rest.slice(slash + 1);
  }
  if (repository === '') throw bad('it names no repository');
  const badPart = repository.split('/').find((c) => !COMPONENT.test(c));
  if (badPart !== undefined) throw bad(`"${badPart}" is not a valid repository name component (lowercase letters, digits, . _ -)`);
  if (registry === 'docker.io' && !repository.includes('/')) repository = `library/${repository}`;
  return {
    registry,
    apiHost: registry === 'docker.io' ? 'registry-1.docker.io' : registry,
    repository,
    tag: tag ?? (digest === undefined ? 'latest' : undefined),
    ...(digest === undefined ? {} : { digest: digest as Digest }),
  };
}

/** `host:port/repo:tag` or `host:port/repo@sha256:…`, for messages. */
export function formatRegistryReference(ref: RegistryReference): string {
  return `${ref.registry}/${ref.repository}${ref.digest ? `@${ref.digest}` : `:${ref.tag ?? 'latest'}`}`;
}
