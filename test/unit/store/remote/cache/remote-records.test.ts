import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { aciImageId } from '../../../../../common/ids.ts';
import * as layout from '../../../../../common/layout.ts';
import {
  pruneRemoteRecords, readRemoteRecord, remoteRecordKey, removeRemoteRecord, writeRemoteRecord,
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

test('pruning keeps records of live images and fresh discovery pages, drops the rest', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-remote-'));
  try {
    const live = aciImageId('a'.repeat(128));
    const gone = aciImageId('b'.repeat(128));
    const now = Date.parse('2025-03-01T10:00:00.000Z');
    writeRemoteRecord(dataDir, { key: 'https://e.com/live.aci', fetchedAt: '2020-01-01T00:00:00.000Z', maxAge: 0, imageId: live });
    writeRemoteRecord(dataDir, { key: 'https://e.com/gone.aci', fetchedAt: '2025-03-01T10:00:00.000Z', maxAge: 3600, imageId: gone });
    writeRemoteRecord(dataDir, { key: 'discovery:fresh', fetchedAt: '2025-03-01T09:59:00.000Z', maxAge: 3600 });
    writeRemoteRecord(dataDir, { key: 'discovery:old', fetchedAt: '2025-03-01T08:00:00.000Z', maxAge: 60 });
    fs.writeFileSync(path.join(layout.remoteCacheDir(dataDir), 'junk.json.tmp'), '{');
    assert.equal(pruneRemoteRecords(dataDir, new Set([live]), now), 3);
    assert.ok(readRemoteRecord(dataDir, 'https://e.com/live.aci'));
    assert.ok(readRemoteRecord(dataDir, 'discovery:fresh'));
    assert.equal(readRemoteRecord(dataDir, 'https://e.com/gone.aci'), undefined);
    assert.equal(readRemoteRecord(dataDir, 'discovery:old'), undefined);
    assert.equal(pruneRemoteRecords(path.join(dataDir, 'nowhere'), new Set(), now), 0);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
