// `prepare` and `run` take rkt-shaped argv (pod options, then IMAGE [app options] [-- ARGS]
// [--- IMAGE …]) that yargs cannot parse: main hands the raw words to the handler, which
// parses them with the pure pre-parser.
import type { Argv } from 'yargs';

export const POD_USAGE = `[pod options] IMAGE [app options] [-- ARGS...] [--- IMAGE2 ...]

pod options:
  --stage1-name=fly|default   --stage1-path=FILE   --stage1-runtime=PATH   --no-overlay
  --net=host|none|default|NAME[,NAME]   --dns=IP|host|none   --dns-search=D   --dns-opt=O   --dns-domain=D
  --hostname=H   --hosts-entry=IP=HOST|host   --port=NAME:[HOSTIP:]HOSTPORT
  --volume=NAME,kind=host|empty,source=/p[,readOnly=true][,recursive=true][,mode=0755,uid=N,gid=N]
  --pod-manifest=FILE   --uuid-file-save=FILE   --set-env=K=V   --set-env-file=F   --inherit-env
  --interactive   --private-users   --pull-policy=never|new|update (default new)
app options:
  --name=N --exec=CMD --user=U --group=G --supplementary-gids=1,2 --working-dir=/d --environment=K=V
  --memory=128M --cpu=500m --cpu-shares=N --oom-score-adj=N --readonly-rootfs=true
  --caps-retain=CAP_X,.. --caps-remove=CAP_X,.. --seccomp=mode=retain|remove[,errno=E],SYSCALL,..
  --mount=volume=NAME,target=/p`;

export function describePodArgs(y: Argv): Argv {
  return y.positional('args', { type: 'string', array: true, describe: 'pod options, images, app options' }).strict(false);
}
