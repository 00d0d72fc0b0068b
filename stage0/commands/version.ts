import { defineCommand } from '../command.ts';
import { LAYOUT_VERSION } from '../../common/layout.ts';
import { STAGE1_INTERFACE_VERSION } from '../../common/stage1-interface.ts';

declare const SKIFF_VERSION: string | undefined;

export default defineCommand({
  command: 'version',
  describe: 'print the versions of skiff, its on-disk layout, the stage1 interface and Node',
  builder: (y) => y,
  async handler({ $env }) {
    const version = typeof SKIFF_VERSION === 'string' ? SKIFF_VERSION : 'dev';
    $env.out.line(`skiff Version: ${version}`);
    $env.out.line(`on-disk layout: ${LAYOUT_VERSION}`);
    $env.out.line(`stage1 interface: ${STAGE1_INTERFACE_VERSION}`);
    $env.out.line(`node: ${process.version}`);
  },
});
