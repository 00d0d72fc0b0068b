import { defineCommand } from '../command.ts';
import type { SkiffCommand } from '../command.ts';
import list from './image-list.ts';
import rm from './image-rm.ts';
import catManifest from './image-cat-manifest.ts';
import exportCmd from './image-export.ts';
import extract from './image-extract.ts';
import render from './image-render.ts';
import gc from './image-gc.ts';

const SUBCOMMANDS = [list, rm, catManifest, exportCmd, extract, render, gc] as readonly SkiffCommand<never>[];

export default defineCommand({
  command: 'image <command>',
  describe: 'operate on images in the store (list, rm, cat-manifest, export, extract, render, gc)',
  builder: (y) => {
    let out = y;
    for (const c of SUBCOMMANDS) out = out.command(c as never);
    return out.demandCommand(1, 'give an image subcommand; see skiff image --help');
  },
  async handler() {
    // Subcommands do the work.
  },
});
