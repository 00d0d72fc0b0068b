// Stands in for npm's `string-width` in the stage0 bundle (scripts/build.ts aliases it here).
// yargs' help layout (cliui, wrap-ansi) measures text with it, and the module builds an
// Intl.Segmenter and Unicode-property regexes as it loads: ~40 ms of every skiff start-up,
// though yargs lays out the help of every command it runs (it caches the text for showHelp).
// Printable ASCII, Latin-1 letters and the common punctuation (… — ’ ‘) are one column a
// character, which is all skiff's help text is (checked by a test); anything else
// goes to the real module, which loads on first use: esbuild bundles a `require()`d ES module
// as a wrapper that runs on the first call.
type StringWidth = (text: string, options?: { ambiguousIsNarrow?: boolean; countAnsiEscapeCodes?: boolean }) => number;

let real: StringWidth | undefined;

/** Text whose width is its length: single-column characters only, no escapes, no combining marks. */
export const NARROW = /^[\x20-\x7e\xa0-\xac\xae-\xff\u2010-\u2027\u2030-\u205e]*$/;

export default function stringWidth(text: string, options?: { ambiguousIsNarrow?: boolean; countAnsiEscapeCodes?: boolean }): number {
  if (NARROW.test(text)) return text.length;
  // The specifier the build resolves to the real module (it is not aliased back to this file).
  real ??= (require('string-width/real') as { default: StringWidth }).default;
  return real(text, options);
}
