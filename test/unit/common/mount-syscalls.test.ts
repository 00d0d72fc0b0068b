// mount(8) words as mount(2) calls (common/mount-syscalls.ts): typed mounts with data, and
// nothing else (binds, remounts and long data stay with mount(8)).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mountSyscalls } from '../../../common/mount-syscalls.ts';

test('an overlay mount is one mount(2) with its options as data', () => {
  assert.deepEqual(mountSyscalls('overlay', '/p/rootfs', { type: 'overlay', options: 'lowerdir=/a:/b,upperdir=/u,workdir=/w' }), {
    source: 'overlay',
    target: '/p/rootfs',
    fstype: 'overlay',
    flags: 0,
    data: 'lowerdir=/a:/b,upperdir=/u,workdir=/w',
  });
});

test('ro, nosuid, nodev and noexec become flags; no options, no data', () => {
  assert.deepEqual(mountSyscalls('tmpfs', '/t', { type: 'tmpfs', options: 'ro,nosuid,size=1m,nodev,noexec' }), { source: 'tmpfs', target: '/t', fstype: 'tmpfs', flags: 1 | 2 | 4 | 8, data: 'size=1m' });
  assert.deepEqual(mountSyscalls('proc', '/proc', { type: 'proc' }), { source: 'proc', target: '/proc', fstype: 'proc', flags: 0, data: null });
});

test('binds, remounts, propagation, bare words and data over a page are left to mount(8)', () => {
  assert.equal(mountSyscalls('/a', '/b', { flags: ['--bind'] }), undefined);
  assert.equal(mountSyscalls('/a', '/b', { type: 'none', flags: ['--make-rslave'] }), undefined);
  assert.equal(mountSyscalls('none', '/b', { options: 'remount,bind,ro' }), undefined);
  assert.equal(mountSyscalls('overlay', '/b', { type: 'overlay', options: 'userxattr,lowerdir=/a' }), undefined);
  assert.equal(mountSyscalls('overlay', '/b', { type: 'overlay', options: `lowerdir=${'/l'.repeat(2100)}` }), undefined);
});
