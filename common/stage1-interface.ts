// The stage1 interface constants, kept in step with docs/stage1-interface.md.
export const STAGE1_INTERFACE_VERSION = '1.0.0';
export const STAGE1_ANNOTATION_PREFIX = 'skiff.dev/stage1/';
