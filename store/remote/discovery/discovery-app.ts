// The appc app a bare image name asks discovery for: the name, version and labels as the user
// wrote them, plus os and arch from --platform. Its own module: the pull policy's look into the
// store needs it without loading the fetchers.
import { SkiffError } from '../../../common/errors.ts';
import { appcArchOf } from '../../convert/appc-names.ts';
import type { ImageRefKind } from '../../formats/image-ref.ts';
import { parseDiscoveryApp, type DiscoveryApp } from './app-ref.ts';

/** The app string as the user wrote it: `name[:version][,label=value…]`. */
export function appString(ref: Extract<ImageRefKind, { kind: 'name' }>): string {
  return ref.version === undefined ? ref.name : `${ref.name}:${ref.version}`;
}

export function discoveryAppFor(ref: Extract<ImageRefKind, { kind: 'name' }>, platform: string | undefined): DiscoveryApp {
  return parseDiscoveryApp(appString(ref), platformLabels(platform));
}

/** `--platform os/arch[/variant]` as appc's os and arch labels; default linux/amd64. */
export function platformLabels(platform: string | undefined): { os: string; arch: string } {
  if (platform === undefined) return { os: 'linux', arch: 'amd64' };
  const [os = '', arch = '', variant] = platform.split('/');
  if (os === '' || arch === '') throw new SkiffError('USAGE', `--platform ${JSON.stringify(platform)}: write os/arch[/variant], e.g. linux/arm64`);
  return { os, arch: appcArchOf(arch, variant) };
}

