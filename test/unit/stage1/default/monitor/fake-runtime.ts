// A fake OCI runtime and fake CNI plugins for running the real monitor.sh without root: the
// runtime speaks the command line the monitor uses (`--root DIR run [--keep] --bundle B ID`,
// `kill ID SIG`, `delete --force ID`) and *is* the app, as runc's foreground `run` stands for
// it: it execs the bundle's `cmd` script, so signals and exit statuses are the app's. Every
// call is appended to a calls file the tests read.
import fs from 'node:fs';
import path from 'node:path';

const RUNTIME = `#!/bin/bash
calls=$(dirname "$0")/calls
root=$2; shift 2
cmd=$1; shift
echo "$cmd $*" >> "$calls"
case $cmd in
  run)
    [ "$1" = --keep ] && shift
    bundle=$2 id=$3
    mkdir -p "$root/$id" && echo $$ > "$root/$id/pid"
    exec /bin/bash "$bundle/cmd" ;;
  kill)
    pid=$(cat "$root/$1/pid" 2>/dev/null) && kill -s "$2" "$pid" 2>/dev/null
    exit 0 ;;
  delete)
    id=\${!#}
    pid=$(cat "$root/$id/pid" 2>/dev/null) && kill -s KILL "$pid" 2>/dev/null
    rm -rf "\${root:?}/$id"
    exit 0 ;;
esac
exit 1
`;

const PLUGIN = `#!/bin/bash
echo "$CNI_COMMAND $(basename "$0") $CNI_IFNAME $CNI_CONTAINERID $CNI_NETNS $(cat)" >> "$(dirname "$0")/calls"
`;

export interface FakeTools {
  dir: string;
  runtime: string;
  plugin(name: string): string;
  calls(): string[];
}

export function makeFakeTools(dir: string): FakeTools {
  fs.mkdirSync(dir, { recursive: true });
  const runtime = path.join(dir, 'fake-runtime');
  fs.writeFileSync(runtime, RUNTIME, { mode: 0o755 });
  const calls = path.join(dir, 'calls');
  return {
    dir,
    runtime,
    plugin(name) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, PLUGIN, { mode: 0o755 });
      return file;
    },
    calls: () => (fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8').split('\n').filter(Boolean) : []),
  };
}
