// appc ACName: the name syntax of apps, volumes and ports in a pod manifest.
// common/ids.ts brands app names; volumes and ports only need the check.

// appc's own regexp (schema/types/acname.go): lowercase words joined by single dashes.
const AC_NAME_RE = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export function isAcName(value: string): boolean {
  return value.length <= 253 && AC_NAME_RE.test(value);
}

/**
 * The nearest ACName to a free-form string (appc SanitizeACName, plus collapsing dash
 * runs, which appc's regexp refuses): "My_App.v2" → "my-app-v2". Undefined when nothing
 * usable is left.
 */
export function sanitizeAcName(value: string): string | undefined {
  const s = value
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 253)
    .replace(/-+$/, '');
  return s === '' ? undefined : s;
}
