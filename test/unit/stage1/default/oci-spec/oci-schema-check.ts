// A small check of a config.json against the OCI runtime-spec v1.0.2 JSON schema
// (schema/config-schema.json, config-linux.json, defs*.json), written from its required
// fields and types, plus the MUSTs of config.md the schema cannot say (absolute cwd and
// mount destinations, at least one arg, no namespace type twice). Not the whole schema:
// just what a translation bug would most likely break. Returns the problems found.

type Json = unknown;

const MAX_UINT32 = 4294967295;
const NAMESPACES = new Set(['pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup']);
const ACTIONS = new Set(['SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_TRAP', 'SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE', 'SCMP_ACT_ALLOW', 'SCMP_ACT_LOG']);
const OPERATORS = new Set(['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ']);
const ARCHES = /^SCMP_ARCH_[A-Z0-9_]+$/;
const CAPABILITY = /^CAP_[A-Z_]+$/;

class Checker {
  readonly problems: string[] = [];

  fail(where: string, what: string): void {
    this.problems.push(`${where}: ${what}`);
  }

  object(where: string, v: Json, required = true): Record<string, Json> | undefined {
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      this.fail(where, 'must be an object');
      return undefined;
    }
    return v as Record<string, Json>;
  }

  array(where: string, v: Json, required = false): Json[] {
    if (v === undefined && !required) return [];
    if (!Array.isArray(v)) {
      this.fail(where, 'must be an array');
      return [];
    }
    return v;
  }

  string(where: string, v: Json, required = false, re?: RegExp): void {
    if (v === undefined && !required) return;
    if (typeof v !== 'string') this.fail(where, 'must be a string');
    else if (re && !re.test(v)) this.fail(where, `${JSON.stringify(v)} does not match ${re}`);
  }

  integer(where: string, v: Json, min: number, max: number, required = false): void {
    if (v === undefined && !required) return;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) this.fail(where, `must be an integer in [${min}, ${max}]`);
  }

  boolean(where: string, v: Json): void {
    if (v !== undefined && typeof v !== 'boolean') this.fail(where, 'must be a boolean');
  }

  strings(where: string, v: Json, re?: RegExp): void {
    this.array(where, v).forEach((s, i) => this.string(`${where}[${i}]`, s, true, re));
  }
}

function checkProcess(c: Checker, v: Json): void {
  const p = c.object('process', v);
  if (!p) return;
  c.string('process.cwd', p['cwd'], true, /^\//);
  const args = c.array('process.args', p['args'], true);
  if (args.length === 0) c.fail('process.args', 'needs at least one entry');
  c.strings('process.args', p['args']);
  c.strings('process.env', p['env'], /^[^=]+=/);
  c.boolean('process.terminal', p['terminal']);
  c.boolean('process.noNewPrivileges', p['noNewPrivileges']);
  c.integer('process.oomScoreAdj', p['oomScoreAdj'], -1000, 1000);
  const user = c.object('process.user', p['user']);
  if (user) {
    c.integer('process.user.uid', user['uid'], 0, MAX_UINT32, true);
    c.integer('process.user.gid', user['gid'], 0, MAX_UINT32, true);
    c.array('process.user.additionalGids', user['additionalGids']).forEach((g, i) => c.integer(`process.user.additionalGids[${i}]`, g, 0, MAX_UINT32, true));
  }
  const caps = c.object('process.capabilities', p['capabilities'], false);
  for (const set of ['bounding', 'effective', 'inheritable', 'permitted', 'ambient']) {
    if (caps) c.strings(`process.capabilities.${set}`, caps[set], CAPABILITY);
  }
  c.array('process.rlimits', p['rlimits']).forEach((r, i) => {
    const o = c.object(`process.rlimits[${i}]`, r);
    if (!o) return;
    c.string(`process.rlimits[${i}].type`, o['type'], true, /^RLIMIT_[A-Z]+$/);
    c.integer(`process.rlimits[${i}].soft`, o['soft'], 0, Number.MAX_SAFE_INTEGER, true);
    c.integer(`process.rlimits[${i}].hard`, o['hard'], 0, Number.MAX_SAFE_INTEGER, true);
  });
}

function checkMounts(c: Checker, v: Json): void {
  c.array('mounts', v).forEach((m, i) => {
    const o = c.object(`mounts[${i}]`, m);
    if (!o) return;
    c.string(`mounts[${i}].destination`, o['destination'], true, /^\//);
    c.string(`mounts[${i}].type`, o['type']);
    c.string(`mounts[${i}].source`, o['source']);
    c.strings(`mounts[${i}].options`, o['options']);
  });
}

function checkResources(c: Checker, v: Json): void {
  const r = c.object('linux.resources', v, false);
  if (!r) return;
  c.array('linux.resources.devices', r['devices']).forEach((d, i) => {
    const o = c.object(`linux.resources.devices[${i}]`, d);
    if (!o) return;
    if (typeof o['allow'] !== 'boolean') c.fail(`linux.resources.devices[${i}].allow`, 'is required and must be a boolean');
    c.string(`linux.resources.devices[${i}].access`, o['access'], false, /^[rwm]{1,3}$/);
  });
  const pids = c.object('linux.resources.pids', r['pids'], false);
  if (pids) c.integer('linux.resources.pids.limit', pids['limit'], -1, Number.MAX_SAFE_INTEGER, true);
  const mem = c.object('linux.resources.memory', r['memory'], false);
  if (mem) c.integer('linux.resources.memory.limit', mem['limit'], -1, Number.MAX_SAFE_INTEGER);
  const cpu = c.object('linux.resources.cpu', r['cpu'], false);
  if (cpu) {
    c.integer('linux.resources.cpu.shares', cpu['shares'], 0, Number.MAX_SAFE_INTEGER);
    c.integer('linux.resources.cpu.quota', cpu['quota'], -1, Number.MAX_SAFE_INTEGER);
    c.integer('linux.resources.cpu.period', cpu['period'], 0, Number.MAX_SAFE_INTEGER);
  }
}

function checkSeccomp(c: Checker, v: Json): void {
  const s = c.object('linux.seccomp', v, false);
  if (!s) return;
  if (typeof s['defaultAction'] !== 'string' || !ACTIONS.has(s['defaultAction'])) c.fail('linux.seccomp.defaultAction', 'is required and must be an action');
  c.integer('linux.seccomp.defaultErrnoRet', s['defaultErrnoRet'], 0, MAX_UINT32);
  c.strings('linux.seccomp.architectures', s['architectures'], ARCHES);
  c.array('linux.seccomp.syscalls', s['syscalls']).forEach((rule, i) => {
    const where = `linux.seccomp.syscalls[${i}]`;
    const o = c.object(where, rule);
    if (!o) return;
    if (c.array(`${where}.names`, o['names'], true).length === 0) c.fail(`${where}.names`, 'needs at least one entry');
    c.strings(`${where}.names`, o['names'], /^[a-z0-9_]+$/);
    if (typeof o['action'] !== 'string' || !ACTIONS.has(o['action'])) c.fail(`${where}.action`, 'is required and must be an action');
    c.integer(`${where}.errnoRet`, o['errnoRet'], 0, MAX_UINT32);
    c.array(`${where}.args`, o['args']).forEach((a, j) => {
      const arg = c.object(`${where}.args[${j}]`, a);
      if (!arg) return;
      c.integer(`${where}.args[${j}].index`, arg['index'], 0, 5, true);
      c.integer(`${where}.args[${j}].value`, arg['value'], 0, Number.MAX_SAFE_INTEGER, true);
      c.integer(`${where}.args[${j}].valueTwo`, arg['valueTwo'], 0, Number.MAX_SAFE_INTEGER);
      if (typeof arg['op'] !== 'string' || !OPERATORS.has(arg['op'])) c.fail(`${where}.args[${j}].op`, 'is required and must be an operator');
    });
  });
}

function checkLinux(c: Checker, v: Json): void {
  const l = c.object('linux', v);
  if (!l) return;
  const seen = new Set<string>();
  c.array('linux.namespaces', l['namespaces']).forEach((n, i) => {
    const o = c.object(`linux.namespaces[${i}]`, n);
    if (!o) return;
    const type = o['type'];
    if (typeof type !== 'string' || !NAMESPACES.has(type)) c.fail(`linux.namespaces[${i}].type`, 'must be a namespace type');
    else if (seen.has(type)) c.fail(`linux.namespaces[${i}].type`, `${type} is listed twice`);
    else seen.add(type);
    c.string(`linux.namespaces[${i}].path`, o['path'], false, /^\//);
  });
  c.string('linux.cgroupsPath', l['cgroupsPath']);
  checkResources(c, l['resources']);
  checkSeccomp(c, l['seccomp']);
  c.strings('linux.maskedPaths', l['maskedPaths'], /^\//);
  c.strings('linux.readonlyPaths', l['readonlyPaths'], /^\//);
}

export function checkOciConfig(config: Json): string[] {
  const c = new Checker();
  const top = c.object('config', config);
  if (!top) return c.problems;
  c.string('ociVersion', top['ociVersion'], true, /^1\.0\.\d+$/);
  const root = c.object('root', top['root']);
  if (root) {
    c.string('root.path', root['path'], true);
    c.boolean('root.readonly', root['readonly']);
  }
  c.string('hostname', top['hostname']);
  checkProcess(c, top['process']);
  checkMounts(c, top['mounts']);
  checkLinux(c, top['linux']);
  return c.problems;
}
