// rkt's --pull-policy, in a file of its own: the CLI parses it on every `skiff run`, which
// must not load the importers along with it.

/** `never` uses the store only, `new` fetches what is missing, `update` asks the source again. */
export const PULL_POLICIES = ['never', 'new', 'update'] as const;
export type PullPolicy = (typeof PULL_POLICIES)[number];
