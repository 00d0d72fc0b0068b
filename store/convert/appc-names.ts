// Mapping arbitrary strings (docker names, label keys, paths, port specs) onto appc's two
// name types, the way appc's SanitizeACIdentifier / SanitizeACName do: lowercase, replace
// what is not allowed, trim separators off the edges. Pure.

const AC_IDENTIFIER_MAX = 512;
const AC_NAME_MAX = 253;

/**
 * An AC identifier (image names, label and annotation keys): [a-z0-9] plus `-._~/`, starting
 * and ending alphanumeric. Other characters become `_` as in appc; undefined if nothing is left.
 */
export function sanitizeAcIdentifier(value: string): string | undefined {
  const out = trimEdges(
    value
      .toLowerCase()
      .replace(/[^a-z0-9._~/-]/g, '_')
      .slice(0, AC_IDENTIFIER_MAX),
    /^[._~/-]+|[._~/-]+$/g,
  );
  return out === '' ? undefined : out;
}

/**
 * An AC name (app, volume, mount point and port names): runs of [a-z0-9] joined by single
 * `-` `.` or `/`. skiff maps `/` to `-` too, so a path like /var/lib/data gives var-lib-data,
 * which reads well in `--mount volume=…` and `--port=…`. Undefined if nothing is left.
 */
export function sanitizeAcName(value: string): string | undefined {
  const out = trimEdges(
    value
      .toLowerCase()
      .replace(/[^a-z0-9.]+/g, '-')
      // appc's ACName regex allows no two separators in a row.
      .replace(/[-.]{2,}/g, '-')
      .slice(0, AC_NAME_MAX),
    /^[.-]+|[.-]+$/g,
  );
  return out === '' ? undefined : out;
}

function trimEdges(value: string, edges: RegExp): string {
  return value.replace(edges, '');
}

/** OCI (Go) arch and variant → appc's arch label (appc types.ToAppcOSArch). */
export function appcArchOf(architecture: string, variant?: string): string {
  switch (architecture) {
    case 'amd64':
      return 'amd64';
    case '386':
      return 'i386';
    case 'arm64':
      return 'aarch64';
    case 'arm64be':
      return 'aarch64_be';
    case 'arm':
      return variant === 'v6' ? 'armv6l' : variant === 'v5' ? 'armv5l' : 'armv7l';
    case 'armbe':
      return 'armv7b';
    default:
      // ppc64, ppc64le and s390x are spelled alike; anything else passes through for
      // validateImageManifest to refuse with a clear message.
      return architecture;
  }
}

/** Splits `REPO[:TAG][@DIGEST]` (the tag sits after the last `/`, so `host:5000/x` keeps its port). */
export function splitReference(reference: string): { repository: string; tag?: string; digest?: string } {
  const at = reference.indexOf('@');
  const digest = at === -1 ? undefined : reference.slice(at + 1);
  const rest = at === -1 ? reference : reference.slice(0, at);
  const colon = rest.lastIndexOf(':');
  const tagged = colon > rest.lastIndexOf('/');
  const out: { repository: string; tag?: string; digest?: string } = { repository: tagged ? rest.slice(0, colon) : rest };
  if (tagged) out.tag = rest.slice(colon + 1);
  if (digest !== undefined) out.digest = digest;
  return out;
}
