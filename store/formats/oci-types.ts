// OCI image-spec and Docker image structures, with the media types that tell them apart.
// The interfaces live in common/schemas/oci-types.ts beside the schemas that check them
// (common/ cannot import store/); this is where store code takes them from.
export type {
  DockerArchiveEntry,
  DockerArchiveManifest,
  OciContainerConfig,
  OciDescriptor,
  OciHistory,
  OciImageConfig,
  OciIndex,
  OciManifest,
  OciPlatform,
} from '../../common/schemas/oci-types.ts';

export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerTar: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

/** Annotation holding a manifest's tag in an OCI layout's index.json. */
export const ANNOTATION_REF_NAME = 'org.opencontainers.image.ref.name';
/** Full image name containerd and docker (≥ 25) add beside ref.name. */
export const ANNOTATION_CONTAINERD_IMAGE_NAME = 'io.containerd.image.name';

export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType === MEDIA_TYPES.ociIndex || mediaType === MEDIA_TYPES.dockerManifestList;
}

export function isManifestMediaType(mediaType: string | undefined): boolean {
  return mediaType === MEDIA_TYPES.ociManifest || mediaType === MEDIA_TYPES.dockerManifest;
}
