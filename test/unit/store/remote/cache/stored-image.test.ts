// What --pull-policy=new|never finds in the store for each kind of remote argument.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_LIMITS, parseInsecureOptions, type Ctx } from '../../../../../common/context.ts';
import { aciImageId, type ImageId } from '../../../../../common/ids.ts';
import * as layout from '../../../../../common/layout.ts';
import { createSilentLogger } from '../../../../../common/log.ts';
import { classifyImageRef } from '../../../../../store/formats/image-ref.ts';
import { writeImageRecord, type ImageRecord } from '../../../../../store/image-index.ts';
import { writeRemoteRecord } from '../../../../../store/remote/cache/remote-records.ts';
import { dockerRecordKey, findStoredImage, type RemoteRefKind } from '../../../../../store/remote/cache/stored-image.ts';
import { discoveryCacheKey } from '../../../../../store/remote/discovery/discover.ts';
import { parseDiscoveryApp } from '../../../../../store/remote/discovery/app-ref.ts';

function record(id: ImageId, name: string, labels: Record<string, string>, importedAt: string): ImageRecord {
  const nv = Object.entries(labels).map(([n, value]) => ({ name: n, value }));
  return {
    id, format: 'aci', name, version: labels.version, labels: nv,
    manifest: { acKind: 'ImageManifest', acVersion: '0.8.11', name, labels: nv },
    source: name, size: 1, importedAt, blobs: [], trees: [],
  };
}

const remote = (ref: string): RemoteRefKind => {
  const kind = classifyImageRef(ref, false);
  if (kind.kind === 'local') throw new Error(`${ref} is local`);
  return kind;
};

test('names by name and labels (newest first), URLs and docker references by their records', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-stored-'));
  try {
    const ctx = (insecure = ''): Ctx => ({
      dataDir, config: { local: '/none', system: '/none' }, log, host: undefined as never,
      insecure: parseInsecureOptions(insecure), limits: DEFAULT_LIMITS,
    });
    const log = await createSilentLogger();
    fs.mkdirSync(layout.imageIndexDir(dataDir));
    const [a, b, c] = ['a', 'b', 'c'].map((x) => aciImageId(x.repeat(128))) as [ImageId, ImageId, ImageId];
    writeImageRecord(dataDir, record(a, 'example.com/app', { version: '1', os: 'linux', arch: 'amd64' }, '2025-01-01T00:00:00Z'));
    writeImageRecord(dataDir, record(b, 'example.com/app', { version: '2', os: 'linux', arch: 'aarch64' }, '2025-01-02T00:00:00Z'));
    writeImageRecord(dataDir, record(c, 'example.com/app', { version: '3' }, '2025-01-03T00:00:00Z'));
    const find = (ref: string, platform?: string, insecure?: string) => findStoredImage(ctx(insecure), remote(ref), platform)?.id;
    assert.equal(find('example.com/app:1'), a);
    assert.equal(find('example.com/app:2'), undefined, 'another arch');
    assert.equal(find('example.com/app:2', 'linux/arm64'), b);
    assert.equal(find('example.com/app'), c, 'newest import with no arch label');
    assert.equal(find('example.com/other'), undefined);

    const url = 'https://example.com/app-1.aci';
    assert.equal(find(url), undefined);
    writeRemoteRecord(dataDir, { key: url, fetchedAt: '2025-01-01T00:00:00Z', maxAge: 0, imageId: a });
    assert.equal(find(url), undefined, 'an unverified record does not serve a verifying fetch');
    assert.equal(find(url, undefined, 'image'), a);
    writeRemoteRecord(dataDir, { key: url, fetchedAt: '2025-01-01T00:00:00Z', maxAge: 0, imageId: a, signedBy: 'f'.repeat(40) });
    assert.equal(find(url), a);

    assert.equal(dockerRecordKey('busybox'), 'docker://docker.io/library/busybox:latest');
    writeRemoteRecord(dataDir, { key: dockerRecordKey('busybox'), fetchedAt: '2025-01-01T00:00:00Z', maxAge: 0, imageId: b });
    assert.equal(find('docker://docker.io/library/busybox:latest'), b);
    assert.equal(find('docker://busybox:1'), undefined);
    // A record whose image was removed finds nothing.
    writeRemoteRecord(dataDir, { key: dockerRecordKey('gone'), fetchedAt: '2025-01-01T00:00:00Z', maxAge: 0, imageId: aciImageId('d'.repeat(128)) });
    assert.equal(find('docker://gone'), undefined);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('the discovery cache key holds the name and every label in a stable order', () => {
  const linux = { os: 'linux', arch: 'amd64' };
  assert.equal(discoveryCacheKey(parseDiscoveryApp('example.com/app:1,channel=beta', linux)), 'discovery:example.com/app,arch=amd64,channel=beta,os=linux,version=1');
  assert.equal(
    discoveryCacheKey(parseDiscoveryApp('example.com/app,os=linux,channel=beta', linux)),
    discoveryCacheKey(parseDiscoveryApp('example.com/app,channel=beta', linux)),
  );
});
