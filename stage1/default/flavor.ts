// The flavor's name, as in the stage1 image's skiff.dev/stage1/flavor annotation.
export const FLAVOR = 'default';
