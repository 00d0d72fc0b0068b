// OCI image-spec (and Docker image) structures as skiff reads them. They sit here, beside the
// schemas that check them, because common/ may not import store/; store/formats/oci-types.ts
// re-exports them with the media types. Keep them in step with oci-*.schema.json.

export interface OciPlatform {
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
  features?: string[];
}

export interface OciDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: OciPlatform;
  artifactType?: string;
  data?: string;
}

/** An OCI image index, or a Docker manifest list (same shape). */
export interface OciIndex {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: OciDescriptor[];
  subject?: OciDescriptor;
  annotations?: Record<string, string>;
}

/** An OCI image manifest, or a Docker v2 schema 2 manifest (same shape). */
export interface OciManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: OciDescriptor;
  layers: OciDescriptor[];
  subject?: OciDescriptor;
  annotations?: Record<string, string>;
}

/** The execution parameters of an image config. Docker writes null where a list is empty. */
export interface OciContainerConfig {
  User?: string;
  /** Go's map[string]struct{}: keys like `80/tcp`, values `{}`. */
  ExposedPorts?: Record<string, object> | null;
  Env?: string[] | null;
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object> | null;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  ArgsEscaped?: boolean;
}

export interface OciHistory {
  created?: string;
  author?: string;
  created_by?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface OciImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
  config?: OciContainerConfig | null;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: OciHistory[] | null;
}

/** One image in a docker-archive's manifest.json. */
export interface DockerArchiveEntry {
  Config: string;
  /** null for images saved by ID. */
  RepoTags?: string[] | null;
  Layers: string[];
  Parent?: string;
  LayerSources?: Record<string, OciDescriptor> | null;
}

export type DockerArchiveManifest = DockerArchiveEntry[];
