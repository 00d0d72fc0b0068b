import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDns, parseHostname, parseHostsEntries, parseNet, parsePort } from '../../../../stage0/pod/pod-network-options.ts';
import { SkiffError } from '../../../../common/errors.ts';

const usage = (re: RegExp) => (err: unknown) => err instanceof SkiffError && err.code === 'USAGE' && re.test(err.message);

test('--net: host, none, default and named networks with CNI args', () => {
  assert.deepEqual(parseNet([]), { kind: 'networks', networks: [{ name: 'default', args: {} }] });
  assert.deepEqual(parseNet(['host']), { kind: 'host' });
  assert.deepEqual(parseNet(['none']), { kind: 'none' });
  assert.deepEqual(parseNet(['default']), { kind: 'networks', networks: [{ name: 'default', args: {} }] });
  assert.deepEqual(parseNet(['net1:IP=10.1.0.5;MAC=aa', 'net2']), {
    kind: 'networks',
    networks: [{ name: 'net1', args: { IP: '10.1.0.5', MAC: 'aa' } }, { name: 'net2', args: {} }],
  });
  assert.deepEqual(parseNet(['a,b:K=V']).kind, 'networks');
});

test('--net errors', () => {
  assert.throws(() => parseNet(['host', 'default']), usage(/--net=host cannot be combined/));
  assert.throws(() => parseNet(['none,net1']), usage(/--net=none cannot be combined/));
  assert.throws(() => parseNet(['host:X=1']), usage(/--net=host takes no arguments/));
  assert.throws(() => parseNet(['a', 'a']), usage(/network a is named twice/));
  assert.throws(() => parseNet(['']), usage(/give host, none, default or a network name/));
  assert.throws(() => parseNet(['n:novalue']), usage(/NAME:KEY=VALUE/));
});

test('--dns: servers (comma lists), host/none alone, search/options/domain imply stage0 (rkt)', () => {
  assert.deepEqual(parseDns({ dns: [], search: [], options: [] }), { mode: 'default', servers: [], search: [], options: [] });
  assert.deepEqual(parseDns({ dns: ['8.8.8.8,8.8.4.4', '::1'], search: [], options: [] }).servers, ['8.8.8.8', '8.8.4.4', '::1']);
  assert.equal(parseDns({ dns: [], search: ['example.com'], options: [] }).mode, 'stage0');
  assert.equal(parseDns({ dns: ['host'], search: [], options: [] }).mode, 'host');
  assert.equal(parseDns({ dns: ['none'], search: [], options: [] }).mode, 'none');
  assert.throws(() => parseDns({ dns: ['host', '8.8.8.8'], search: [], options: [] }), usage(/--dns=host cannot be combined/));
  assert.throws(() => parseDns({ dns: ['none'], search: ['x'], options: [] }), usage(/do not apply with --dns=none/));
  assert.throws(() => parseDns({ dns: ['8.8.8.999'], search: [], options: [] }), usage(/"8.8.8.999" is not an IPv4 or IPv6 address/));
  assert.throws(() => parseDns({ dns: [], search: ['a b'], options: [] }), usage(/one word without spaces/));
});

test('--hostname is an RFC 1123 name of at most 64 characters', () => {
  assert.equal(parseHostname('web-1'), 'web-1');
  assert.equal(parseHostname('A.example.COM'), 'A.example.COM');
  for (const bad of ['', '-web', 'web-', 'web_1', 'a..b', 'x'.repeat(64) + '.c', 'a'.repeat(64)]) {
    assert.throws(() => parseHostname(bad), usage(/invalid --hostname/), bad);
  }
});

test('--hosts-entry: IP=NAME lists, or host alone', () => {
  assert.deepEqual(parseHostsEntries([]), { mode: 'default', entries: [] });
  assert.deepEqual(parseHostsEntries(['host']), { mode: 'host', entries: [] });
  assert.deepEqual(parseHostsEntries(['10.0.0.1=a,fd00::1=b.example', '10.0.0.1=c']), {
    mode: 'stage0',
    entries: [{ ip: '10.0.0.1', names: ['a'] }, { ip: 'fd00::1', names: ['b.example'] }, { ip: '10.0.0.1', names: ['c'] }],
  });
  assert.throws(() => parseHostsEntries(['host', '10.0.0.1=a']), usage(/--hosts-entry=host cannot be combined/));
  assert.throws(() => parseHostsEntries(['10.0.0.1']), usage(/write IP=HOSTNAME/));
  assert.throws(() => parseHostsEntries(['db=10.0.0.1']), usage(/"db" is not an IPv4 or IPv6 address/));
  assert.throws(() => parseHostsEntries(['10.0.0.1=bad_name']), usage(/"bad_name" is not a valid host name/));
});

test('--port: NAME:HOSTPORT and NAME:HOSTIP:HOSTPORT, IPv6 bracketed or not', () => {
  assert.deepEqual(parsePort('http:8080'), { name: 'http', hostPort: 8080 });
  assert.deepEqual(parsePort('http:127.0.0.1:8080'), { name: 'http', hostPort: 8080, hostIP: '127.0.0.1' });
  assert.deepEqual(parsePort('http:[::1]:8080'), { name: 'http', hostPort: 8080, hostIP: '::1' });
  assert.deepEqual(parsePort('http:fe80::1:8080'), { name: 'http', hostPort: 8080, hostIP: 'fe80::1' });
  assert.throws(() => parsePort('8080'), usage(/NAME:HOSTPORT/));
  assert.throws(() => parsePort(':8080'), usage(/NAME:HOSTPORT/));
  assert.throws(() => parsePort('HTTP:80'), usage(/port name "HTTP"/));
  assert.throws(() => parsePort('http:0'), usage(/"0" is not a port number from 1 to 65535/));
  assert.throws(() => parsePort('http:65536'), usage(/not a port number/));
  assert.throws(() => parsePort('http:80x'), usage(/not a port number/));
  assert.throws(() => parsePort('http:localhost:80'), usage(/"localhost" is not an IPv4 or IPv6 address/));
});
