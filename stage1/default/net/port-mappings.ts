// `--port=NAME:[HOSTIP:]HOSTPORT` → CNI port mappings (pure). The pod manifest's `ports`
// name a port some app declares (its image's, merged into the app section by stage0): the
// app's `port` is the container port and its `protocol` the protocol; `count` > 1 maps a
// range of consecutive ports. Which networks get them is the caller's choice (those with a
// portMappings plugin).
import type { PodManifest } from '../../../common/appc-types.ts';
import { SkiffError } from '../../../common/errors.ts';
import type { PodApp } from '../../common/pod-manifest.ts';
import type { CniPortMapping } from './cni-types.ts';

const PROTOCOLS = new Set(['tcp', 'udp', 'sctp']);

export function planPortMappings(ports: PodManifest['ports'], apps: readonly PodApp[]): CniPortMapping[] {
  const out: CniPortMapping[] = [];
  for (const fwd of ports ?? []) {
    const declared = fwd.podPort ?? apps.flatMap((a) => a.app.ports ?? []).find((p) => p.name === fwd.name);
    if (!declared) {
      const names = apps.flatMap((a) => (a.app.ports ?? []).map((p) => p.name));
      throw new SkiffError('POD_MANIFEST_INVALID', `--port ${fwd.name}: no app of the pod declares a port named ${fwd.name}`, {
        hint: names.length > 0 ? `the apps declare ${names.join(', ')}` : 'the apps declare no ports; add one to the image manifest',
      });
    }
    const protocol = declared.protocol.toLowerCase();
    if (!PROTOCOLS.has(protocol)) {
      throw new SkiffError('POD_MANIFEST_INVALID', `port ${fwd.name} has protocol ${JSON.stringify(declared.protocol)}: use tcp, udp or sctp`);
    }
    const count = Math.max(1, declared.count ?? 1);
    if (fwd.hostPort + count - 1 > 65535 || declared.port + count - 1 > 65535) {
      throw new SkiffError('POD_MANIFEST_INVALID', `port ${fwd.name}: a range of ${count} ports from ${fwd.hostPort} goes past 65535`);
    }
    for (let i = 0; i < count; i++) {
      const m: CniPortMapping = { hostPort: fwd.hostPort + i, containerPort: declared.port + i, protocol };
      if (fwd.hostIP !== undefined) m.hostIP = fwd.hostIP;
      out.push(m);
    }
  }
  return out;
}
