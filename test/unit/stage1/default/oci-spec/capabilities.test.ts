import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  APPC_DEFAULT_CAPABILITIES,
  boundingSet,
  processCapabilities,
} from '../../../../../stage1/default/oci-spec/capabilities.ts';
import { LINUX_CAPABILITIES } from '../../../../../common/linux-names.ts';

const sorted = (caps: readonly string[]) => [...caps].sort();

test("the default set is appc's 14 capabilities, in the kernel's order", () => {
  const { caps, warnings } = boundingSet(undefined, false, undefined, 'web');
  assert.equal(caps.length, 14);
  assert.deepEqual(sorted(caps), sorted(APPC_DEFAULT_CAPABILITIES));
  assert.deepEqual(caps.slice(0, 3), ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER']);
  assert.deepEqual(warnings, []);
});

test('a retain set replaces the default set, even with capabilities outside it', () => {
  const { caps } = boundingSet({ mode: 'retain', set: ['CAP_SYS_TIME', 'CAP_CHOWN'] }, false, undefined, 'web');
  assert.deepEqual(caps, ['CAP_CHOWN', 'CAP_SYS_TIME']);
});

test('a remove set takes from the default set; removing what is not there changes nothing', () => {
  const { caps } = boundingSet({ mode: 'remove', set: ['CAP_CHOWN', 'CAP_NET_RAW', 'CAP_SYS_ADMIN'] }, false, undefined, 'web');
  assert.equal(caps.length, 12);
  assert.ok(!caps.includes('CAP_CHOWN') && !caps.includes('CAP_NET_RAW') && !caps.includes('CAP_SYS_ADMIN'));
});

test('a remove set of everything leaves an empty set', () => {
  const { caps } = boundingSet({ mode: 'remove', set: [...APPC_DEFAULT_CAPABILITIES] }, false, undefined, 'web');
  assert.deepEqual(caps, []);
});

test('unknown capability names are warned about and dropped, in both modes', () => {
  const retain = boundingSet({ mode: 'retain', set: ['CAP_KILL', 'CAP_TYPO'] }, false, undefined, 'web');
  assert.deepEqual(retain.caps, ['CAP_KILL']);
  assert.deepEqual(retain.warnings, ['app web: CAP_TYPO is not a Linux capability; ignored in its capabilities-retain-set']);
  const remove = boundingSet({ mode: 'remove', set: ['CAP_TYPO'] }, false, undefined, 'web');
  assert.equal(remove.caps.length, 14);
  assert.equal(remove.warnings.length, 1);
});

test('insecure gives every capability and overrides the isolators', () => {
  const { caps, warnings } = boundingSet({ mode: 'retain', set: ['CAP_KILL'] }, true, undefined, 'web');
  assert.deepEqual(caps, [...LINUX_CAPABILITIES]);
  assert.deepEqual(warnings, []);
});

test("the host's bounding set caps the app's: a warning for what was asked, silence under insecure", () => {
  const host = LINUX_CAPABILITIES.filter((c) => c !== 'CAP_SYS_RESOURCE' && c !== 'CAP_NET_RAW');
  const def = boundingSet(undefined, false, host, 'web');
  assert.equal(def.caps.length, 13);
  assert.deepEqual(def.warnings, ["app web: the host does not grant CAP_NET_RAW; left out of the app's capabilities"]);
  const retain = boundingSet({ mode: 'retain', set: ['CAP_SYS_RESOURCE', 'CAP_KILL'] }, false, host, 'web');
  assert.deepEqual(retain.caps, ['CAP_KILL']);
  assert.match(retain.warnings[0]!, /CAP_SYS_RESOURCE/);
  const insecure = boundingSet(undefined, true, host, 'web');
  assert.deepEqual(insecure.caps, host);
  assert.deepEqual(insecure.warnings, []);
});

test('root holds its bounding set; any other user holds nothing, and nothing is inheritable or ambient', () => {
  const set = ['CAP_CHOWN', 'CAP_KILL'];
  assert.deepEqual(processCapabilities(set, 0), {
    bounding: set, effective: set, permitted: set, inheritable: [], ambient: [],
  });
  assert.deepEqual(processCapabilities(set, 1000), {
    bounding: set, effective: [], permitted: [], inheritable: [], ambient: [],
  });
});

test('the capability sets are copies: changing one changes no other', () => {
  const set = ['CAP_CHOWN'];
  const caps = processCapabilities(set, 0);
  caps.effective!.push('CAP_KILL');
  assert.deepEqual(caps.bounding, ['CAP_CHOWN']);
  assert.deepEqual(set, ['CAP_CHOWN']);
});
