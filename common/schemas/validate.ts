// Typed front door to the validators compiled ahead of time by scripts/build-schemas.ts.
// Each function checks one document against its schema, then the rules a schema cannot say
// (appc-checks.ts), and returns it typed; anything wrong is one SkiffError naming the source,
// the JSON pointer and what to change.
import { SkiffError } from '../errors.ts';
import type { ErrorCode } from '../errors.ts';
import type { ImageManifest, PodManifest } from '../appc-types.ts';
import * as validators from './generated/validators.mjs';
import type { SchemaValidator } from './generated/validators.mjs';
import { describeSchemaError } from './schema-errors.ts';
import { checkImageManifest, checkPodManifest, HOST_APPC_ARCH } from './appc-checks.ts';
import type { DockerArchiveManifest, OciImageConfig, OciIndex, OciManifest } from './oci-types.ts';

export interface ImageManifestCheckOptions {
  /** The appc arch this host runs (default amd64); images built for another are refused. */
  arch?: string;
}

export function validateImageManifest(json: unknown, source: string, opts: ImageManifestCheckOptions = {}): ImageManifest {
  const manifest = check<ImageManifest>(validators.imageManifest, json, `image manifest in ${source}`, 'MANIFEST_INVALID');
  checkImageManifest(manifest, opts.arch ?? HOST_APPC_ARCH);
  return manifest;
}

export function validatePodManifest(json: unknown, source: string): PodManifest {
  const what = `pod manifest in ${source}`;
  const manifest = check<PodManifest>(validators.podManifest, json, what, 'POD_MANIFEST_INVALID');
  checkPodManifest(manifest, what);
  return manifest;
}

export function validateOciIndex(json: unknown, source: string): OciIndex {
  return check<OciIndex>(validators.ociIndex, json, `OCI image index in ${source}`, 'MANIFEST_INVALID');
}

export function validateOciManifest(json: unknown, source: string): OciManifest {
  return check<OciManifest>(validators.ociManifest, json, `OCI image manifest in ${source}`, 'MANIFEST_INVALID');
}

export function validateOciConfig(json: unknown, source: string): OciImageConfig {
  return check<OciImageConfig>(validators.ociImageConfig, json, `OCI image config in ${source}`, 'MANIFEST_INVALID');
}

export function validateDockerArchiveManifest(json: unknown, source: string): DockerArchiveManifest {
  return check<DockerArchiveManifest>(validators.dockerArchiveManifest, json, `manifest.json in ${source}`, 'MANIFEST_INVALID');
}

function check<T>(validate: SchemaValidator, json: unknown, what: string, code: ErrorCode): T {
  if (validate(json)) return json as T;
  const first = validate.errors?.[0];
  const detail = first === undefined ? 'it does not match its schema' : describeSchemaError(first, json);
  throw new SkiffError(code, `${what} is invalid: ${detail}`);
}

/**
 * Parses a JSON document read from an image or the user, refusing oversized input before
 * decoding it (a hostile image could name a multi-gigabyte "manifest") and bytes that are
 * not UTF-8 (JSON.parse would silently turn them into U+FFFD).
 */
export function parseJsonDocument(bytes: Uint8Array | string, what: string, maxBytes: number): unknown {
  const size = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.byteLength;
  if (size > maxBytes) {
    throw new SkiffError('MANIFEST_INVALID', `${what} is ${size} bytes, more than the ${maxBytes}-byte limit for a JSON document`, {
      hint: 'a manifest this large is not a real one: check where the image came from',
    });
  }
  let text: string;
  try {
    text = typeof bytes === 'string' ? bytes : new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    throw notJson(what, 'it is not UTF-8 text', err);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw notJson(what, message.charAt(0).toLowerCase() + message.slice(1), err);
  }
}

function notJson(what: string, why: string, cause: unknown): SkiffError {
  return new SkiffError('MANIFEST_INVALID', `${what} is not valid JSON: ${why}`, {
    hint: 'the file is damaged or is not what it claims to be',
    cause,
  });
}
