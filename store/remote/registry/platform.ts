// `--platform os/arch[/variant]`: which entry of a manifest list or OCI index to pull
// (store/formats/oci-layout.ts selectPlatform does the choosing). Pure.
import { SkiffError } from '../../../common/errors.ts';
import { HOST_PLATFORM, type PlatformWanted } from '../../formats/oci-layout.ts';

const PART = /^[a-z0-9_.-]+$/;

export function parsePlatform(value: string | undefined): PlatformWanted {
  if (value === undefined || value === '') return { ...HOST_PLATFORM };
  const parts = value.toLowerCase().split('/');
  if (parts.length < 2 || parts.length > 3 || !parts.every((p) => PART.test(p))) {
    throw new SkiffError('USAGE', `--platform ${JSON.stringify(value)} is not os/arch[/variant]`, { hint: 'e.g. --platform=linux/arm64/v8' });
  }
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

