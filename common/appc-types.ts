// appc (App Container) manifest types, as skiff stores and reads them. The JSON schemas in
// common/schemas/ describe the same shapes; keep the two in step.

export interface NameValue {
  name: string;
  value: string;
}

export interface Isolator {
  name: string;
  value: unknown;
}

export interface Port {
  name: string;
  protocol: string;
  port: number;
  count?: number;
  socketActivated?: boolean;
}

export interface MountPoint {
  name: string;
  path: string;
  readOnly?: boolean;
}

export interface App {
  exec?: string[];
  user: string;
  group: string;
  supplementaryGIDs?: number[];
  workingDirectory?: string;
  environment?: NameValue[];
  isolators?: Isolator[];
  mountPoints?: MountPoint[];
  ports?: Port[];
  eventHandlers?: { name: string; exec: string[] }[];
}

export interface Dependency {
  imageName: string;
  imageID?: string;
  labels?: NameValue[];
  size?: number;
}

export interface ImageManifest {
  acKind: 'ImageManifest';
  acVersion: string;
  name: string;
  labels?: NameValue[];
  app?: App;
  annotations?: NameValue[];
  dependencies?: Dependency[];
  pathWhitelist?: string[];
}

export interface Volume {
  name: string;
  kind: 'host' | 'empty';
  source?: string;
  readOnly?: boolean;
  recursive?: boolean;
  mode?: string;
  uid?: number;
  gid?: number;
}

export interface RuntimeApp {
  name: string;
  image: { name?: string; id: string; labels?: NameValue[] };
  app?: App;
  readOnlyRootFS?: boolean;
  mounts?: { volume: string; path: string; appVolume?: Volume }[];
  annotations?: NameValue[];
}

export interface PodManifest {
  acVersion: string;
  acKind: 'PodManifest';
  apps: RuntimeApp[];
  volumes?: Volume[];
  isolators?: Isolator[];
  annotations?: NameValue[];
  ports?: { name: string; hostPort: number; hostIP?: string; podPort?: Port }[];
  userAnnotations?: Record<string, string>;
  userLabels?: Record<string, string>;
}

export const APPC_VERSION = '0.8.11';

export function labelValue(labels: readonly NameValue[] | undefined, name: string): string | undefined {
  return labels?.find((l) => l.name === name)?.value;
}
