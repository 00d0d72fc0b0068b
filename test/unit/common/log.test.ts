// The plain logger (default: pretty, no --debug) must print exactly what pino with the pretty
// renderer prints for the same calls; pino takes over with --debug or --log-format=json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createPlainLogger, createRootLogger, renderPrettyLine, type Logger } from '../../../common/log.ts';

function captured(make: (fd: number) => Logger | Promise<Logger>): Promise<{ log: Logger; read: () => string; done: () => void }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-log-'));
  const file = path.join(dir, 'out');
  const fd = fs.openSync(file, 'w');
  return Promise.resolve(make(fd)).then((log) => ({
    log,
    read: () => fs.readFileSync(file, 'utf8'),
    done: () => {
      fs.closeSync(fd);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  }));
}

function exercise(log: Logger): void {
  log.info('plain info');
  log.warn('a warning with 100% and %s kept as written');
  log.warn({ image: 'x', n: 3 }, 'fields are debug output');
  log.debug({ hidden: true }, 'not shown without --debug');
  log.child({ mod: 'store' }).warn('from a child');
  log.child({ a: 1 }).child({ b: 2 }).info({ c: 3 }, 'grandchild');
  log.error(new Error('an error logged alone shows its message'));
  log.warn({ msg: 'a msg field' });
  log.warn({ nothing: 'else' });
}

test('the plain logger prints what pino and the pretty renderer print, without --debug', async () => {
  const viaPino = await captured((fd) =>
    pino({ level: 'info', base: undefined, timestamp: false }, { write: (line: string) => void fs.writeSync(fd, renderPrettyLine(line, 'skiff', false)) }) as unknown as Logger,
  );
  const plain = await captured((fd) => createPlainLogger('skiff', fd));
  try {
    exercise(viaPino.log);
    exercise(plain.log);
    assert.equal(plain.read(), viaPino.read());
    assert.match(plain.read(), /^skiff: warning: from a child$/m);
  } finally {
    viaPino.done();
    plain.done();
  }
});

test('createRootLogger: plain by default, pino with --debug (fields shown) or json', async () => {
  const def = await captured((fd) => createRootLogger({ debug: false, format: 'pretty', name: 'skiff-stage1', fd }));
  const debug = await captured((fd) => createRootLogger({ debug: true, format: 'pretty', name: 'skiff', fd }));
  const json = await captured((fd) => createRootLogger({ debug: false, format: 'json', name: 'skiff', fd }));
  try {
    for (const c of [def, debug, json]) c.log.child({ mod: 'm' }).debug({ k: 'v' }, 'dbg');
    for (const c of [def, debug, json]) c.log.warn({ k: 'v' }, 'careful');
    assert.equal(def.read(), 'skiff-stage1: warning: careful\n');
    assert.equal(def.log.isLevelEnabled('debug'), false);
    assert.equal(def.log.isLevelEnabled('warn'), true);
    assert.equal(debug.read(), 'skiff: debug: dbg mod=m k=v\nskiff: warning: careful k=v\n');
    assert.equal(debug.log.isLevelEnabled('debug'), true);
    const line = JSON.parse(json.read().trim()) as Record<string, unknown>;
    assert.equal(line['msg'], 'careful');
    assert.equal(line['level'], 40);
    assert.equal(line['name'], 'skiff');
  } finally {
    for (const c of [def, debug, json]) c.done();
  }
});
