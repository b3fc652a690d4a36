// Where a worker script of this folder is: beside this module in dist/, or in dist/replayer/ when the
// code runs from the TypeScript sources (tests); workers always run compiled JavaScript.

export function replayerWorkerUrl(name: string): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL(`../dist/replayer/${name}.js`, here) : new URL(`./${name}.js`, here);
}
