// From a discovery page's meta tags to the URLs of an image and its signature. Pure.
import { DEFAULT_VERSION, type DiscoveryApp } from './app-ref.ts';
import type { AcMeta } from './meta-tags.ts';

export interface AciEndpoint {
  aci: string;
  asc: string;
}

export interface DiscoveredEndpoints {
  endpoints: AciEndpoint[];
  /** `ac-discovery-pubkeys` URLs for the name: where its signing keys are published. */
  pubkeys: string[];
}

/**
 * Substitutes `{key}` for each entry of `vars`. Undefined when a `{…}` is left: appc skips
 * a template that asks for a label the image request does not have.
 */
export function renderTemplate(template: string, vars: ReadonlyMap<string, string>): string | undefined {
  let out = template;
  for (const [key, value] of vars) out = out.split(`{${key}}`).join(value);
  return /\{[^}]*\}/.test(out) ? undefined : out;
}

/**
 * appc matches a tag's prefix as a plain string prefix of the name (so `example.com/app`
 * also covers `example.com/apps`), and discovery servers are written against that.
 */
export function prefixMatches(prefix: string, name: string): boolean {
  return name.startsWith(prefix);
}

/** The variables a template may use: name, every label (version defaulting to `latest`), ext. */
export function templateVars(app: DiscoveryApp, ext: 'aci' | 'aci.asc'): Map<string, string> {
  // `name` first, so a label called "name" cannot replace it (as appc orders them).
  const vars = new Map<string, string>([['name', app.name]]);
  for (const [k, v] of app.labels) if (!vars.has(k)) vars.set(k, v);
  if (!vars.has('version')) vars.set('version', DEFAULT_VERSION);
  vars.set('ext', ext);
  return vars;
}

/** Endpoints (http and https templates only: skiff speaks nothing else) and key URLs that apply to `app`. */
export function endpointsFromMeta(metas: readonly AcMeta[], app: DiscoveryApp): DiscoveredEndpoints {
  const endpoints: AciEndpoint[] = [];
  const pubkeys: string[] = [];
  for (const m of metas) {
    if (!prefixMatches(m.prefix, app.name)) continue;
    if (m.name === 'ac-discovery-pubkeys') {
      pubkeys.push(m.value);
      continue;
    }
    const aci = renderTemplate(m.value, templateVars(app, 'aci'));
    const asc = renderTemplate(m.value, templateVars(app, 'aci.asc'));
    if (aci === undefined || asc === undefined || aci === asc || !/^https?:\/\//i.test(aci)) continue;
    endpoints.push({ aci, asc });
  }
  // https first: a page may offer both and plain http needs --insecure-options=http.
  endpoints.sort((a, b) => Number(a.aci.startsWith('http:')) - Number(b.aci.startsWith('http:')));
  return { endpoints, pubkeys };
}

/** The discovery URLs to try, the full name first, then each parent path up to the host. */
export function discoveryPrefixes(name: string): string[] {
  const parts = name.split('/');
  return parts.map((_, i) => parts.slice(0, parts.length - i).join('/'));
}
