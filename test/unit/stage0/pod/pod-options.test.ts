import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPodOptions, parseEnvFile, parsePodOptions, parseVolume } from '../../../../stage0/pod/pod-options.ts';
import { splitApps } from '../../../../stage0/pod/split-apps.ts';
import { SkiffError } from '../../../../common/errors.ts';

const usage = (re: RegExp) => (err: unknown) => err instanceof SkiffError && err.code === 'USAGE' && re.test(err.message);
const podOpts = (...words: string[]) => parsePodOptions(splitApps([...words, 'img']).podArgs);

test('no pod options give the defaults: default network, default DNS and hosts', () => {
  assert.deepEqual(parsePodOptions([]), defaultPodOptions());
  assert.deepEqual(defaultPodOptions().net, { kind: 'networks', networks: [{ name: 'default', args: {} }] });
  assert.equal(defaultPodOptions().dns.mode, 'default');
  assert.equal(defaultPodOptions().hosts.mode, 'default');
});

test('every pod option parses to its typed value', () => {
  const opts = podOpts(
    '--debug', '--dir=/var/lib/x',
    '--stage1-name=fly', '--stage1-runtime=crun', '--no-overlay', '--net=host', '--dns=1.1.1.1,2606:4700::1111',
    '--dns-search=example.com', '--dns-opt=ndots:1', '--dns-domain=example.com', '--hostname=web-1.example',
    '--hosts-entry=10.0.0.2=db', '--volume=data,kind=host,source=/srv/data,readOnly=true',
    '--volume', 'scratch,kind=empty,mode=1777,uid=10,gid=20', '--port=http:8080', '--port=https:[::1]:8443',
    '--uuid-file-save=/run/pod.uuid', '--set-env=A=1', '--set-env=A=2', '--set-env=B=',
    '--set-env-file=/etc/a.env', '--inherit-env', '--interactive', '--private-users', '--pull-policy=update',
  );
  assert.deepEqual(opts, {
    stage1Name: 'fly',
    stage1Runtime: 'crun',
    noOverlay: true,
    net: { kind: 'host' },
    dns: { mode: 'stage0', servers: ['1.1.1.1', '2606:4700::1111'], search: ['example.com'], options: ['ndots:1'], domain: 'example.com' },
    hostname: 'web-1.example',
    hosts: { mode: 'stage0', entries: [{ ip: '10.0.0.2', names: ['db'] }] },
    volumes: [
      { name: 'data', kind: 'host', source: '/srv/data', readOnly: true },
      { name: 'scratch', kind: 'empty', mode: '1777', uid: 10, gid: 20 },
    ],
    ports: [{ name: 'http', hostPort: 8080 }, { name: 'https', hostPort: 8443, hostIP: '::1' }],
    uuidFileSave: '/run/pod.uuid',
    setEnv: { A: '2', B: '' },
    setEnvFiles: ['/etc/a.env'],
    inheritEnv: true,
    interactive: true,
    privateUsers: true,
    globalArgs: ['--debug=true', '--dir=/var/lib/x'],
    pullPolicy: 'update',
  });
});

test('--pull-policy: new by default for prepare and run; never, new or update', () => {
  assert.equal(podOpts().pullPolicy, 'new');
  assert.equal(podOpts('--pull-policy=never').pullPolicy, 'never');
  assert.equal(podOpts('--pull-policy', 'update').pullPolicy, 'update');
  assert.throws(() => podOpts('--pull-policy=always'), usage(/invalid --pull-policy "always": choose from never, new, update/));
});

test('bool pod options accept =false', () => {
  assert.equal(podOpts('--inherit-env=false').inheritEnv, false);
  assert.equal(podOpts('--no-overlay=true').noOverlay, true);
});

test('volumes: rkt syntax, appc defaults for empty volumes, kind-specific fields', () => {
  assert.deepEqual(parseVolume('tmp,kind=empty'), { name: 'tmp', kind: 'empty', mode: '0755', uid: 0, gid: 0 });
  assert.deepEqual(parseVolume('src,kind=host,source=/src,recursive=false'), { name: 'src', kind: 'host', source: '/src', recursive: false });
  assert.throws(() => parseVolume('data'), usage(/give kind=host or kind=empty/));
  assert.throws(() => parseVolume('data,kind=nfs'), usage(/give kind=host or kind=empty/));
  assert.throws(() => parseVolume('Data,kind=empty'), usage(/start with a volume name/));
  assert.throws(() => parseVolume('kind=host,source=/x'), usage(/start with a volume name/));
  assert.throws(() => parseVolume('d,kind=host'), usage(/source=\/absolute\/path/));
  assert.throws(() => parseVolume('d,kind=host,source=rel'), usage(/source=\/absolute\/path/));
  assert.throws(() => parseVolume('d,kind=host,source=/x,mode=0700'), usage(/mode applies to kind=empty only/));
  assert.throws(() => parseVolume('d,kind=empty,source=/x'), usage(/source applies to kind=host only/));
  assert.throws(() => parseVolume('d,kind=empty,mode=rwx'), usage(/octal/));
  assert.throws(() => parseVolume('d,kind=empty,uid=-1'), usage(/uid must be a numeric id/));
  assert.throws(() => parseVolume('d,kind=host,source=/x,readOnly=yes'), usage(/readOnly takes true or false/));
  assert.throws(() => parseVolume('d,kind=host,source=/x,size=1G'), usage(/write NAME,kind=host/));
  assert.throws(() => parseVolume('d,kind=host,kind=empty'), usage(/write NAME,kind=host/));
});

test('duplicate volumes and conflicting stage1 choices are refused', () => {
  assert.throws(() => podOpts('--volume=a,kind=empty', '--volume=a,kind=empty'), usage(/volume a is defined twice/));
  assert.throws(() => podOpts('--stage1-name=fly', '--stage1-path=/s1.aci'), usage(/either --stage1-name or --stage1-path/));
  assert.throws(() => podOpts('--hostname=web_1'), usage(/invalid --hostname "web_1"/));
  assert.throws(() => podOpts('--stage1-path='), usage(/give a value/));
});

test('--pod-manifest excludes what the manifest itself holds (rkt)', () => {
  const ok = parsePodOptions(splitApps(['--pod-manifest=/p.json', '--net=host', '--no-overlay']).podArgs);
  assert.equal(ok.podManifest, '/p.json');
  for (const flag of ['--volume=a,kind=empty', '--port=http:80', '--set-env=A=1', '--inherit-env']) {
    assert.throws(
      () => parsePodOptions(splitApps(['--pod-manifest=/p.json', flag]).podArgs),
      usage(/does not apply with --pod-manifest/),
      flag,
    );
  }
});

test('parseEnvFile: NAME=VALUE lines, comments, blank lines, CRLF, verbatim values', () => {
  const text = ['# comment', '; also a comment', '', 'A=1', 'B="quoted"', 'C=x=y', '   ', 'EMPTY=', 'D=has space\r', ''].join('\n');
  assert.deepEqual(parseEnvFile(text), { A: '1', B: '"quoted"', C: 'x=y', EMPTY: '', D: 'has space' });
  assert.deepEqual(parseEnvFile(''), {});
});

test('parseEnvFile names the file and line of a bad entry', () => {
  assert.throws(() => parseEnvFile('A=1\nnot an assignment\n', '/etc/app.env'), usage(/^\/etc\/app\.env line 2: "not an assignment" is not NAME=VALUE/));
  assert.throws(() => parseEnvFile('A=1\n\n1BAD=2'), usage(/^environment file line 3: "1BAD=2"/));
  assert.throws(() => parseEnvFile('A=1\nA=2'), usage(/line 2: A is already set earlier in the file/));
});

test('parseEnvFile keeps a __proto__ name as data', () => {
  const env = parseEnvFile('__proto__=x\n');
  assert.equal(Object.getPrototypeOf(env), Object.prototype);
  assert.deepEqual(Object.keys(env), ['__proto__']);
});
