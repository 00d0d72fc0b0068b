import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { aciImageId } from '../../../../../common/ids.ts';
import * as layout from '../../../../../common/layout.ts';
import {
  readRemoteRecord, remoteRecordKey, removeRemoteRecord, writeRemoteRecord,
} from '../../../../../store/remote/cache/remote-records.ts';

test('records round-trip under the sha256 of their key; missing, damaged or misfiled ones read as absent', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-remote-'));
  try {
    const key = 'https://example.com/app-1.0.aci';
    assert.equal(readRemoteRecord(dataDir, key), undefined);
    const rec = { key, fetchedAt: '2025-03-01T10:00:00.000Z', maxAge: 60, etag: '"abc"', imageId: aciImageId('a'.repeat(128)) };
    writeRemoteRecord(dataDir, rec);
    const file = layout.remoteCacheRecordPath(dataDir, remoteRecordKey(key));
    assert.match(path.basename(file), /^[0-9a-f]{64}\.json$/);
    assert.deepEqual(readRemoteRecord(dataDir, key), rec);
    fs.writeFileSync(file, '{"key": "https://other.example.com/x.aci", "fetchedAt": "x", "maxAge": 1}');
    assert.equal(readRemoteRecord(dataDir, key), undefined);
    fs.writeFileSync(file, 'not json');
    assert.equal(readRemoteRecord(dataDir, key), undefined);
    removeRemoteRecord(dataDir, key);
    assert.equal(fs.existsSync(file), false);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
