// The examples each command's --help ends with (added to every registered command and subcommand in
// one place), keyed by the command's path below `slabtrace` (`record exec`, `import mtrace`).

const IMPORT_MTRACE = 'MALLOC_TRACE=prog.mtrace LD_PRELOAD=libc_malloc_debug.so.0 ./prog && slabtrace import mtrace prog.mtrace -o prog.pb';

const EXAMPLES: Record<string, string[]> = {
  record: [
    'slabtrace record larson 10 8 128 1024 1 12345 4 -o larson.pb     # the HAKMEM OOM report run (84 M events)',
    'slabtrace record battle --scales 100K,1M -o battle.json.gz       # JSON form, gzipped',
    'slabtrace record exec -o sort.pb -- sort /etc/services           # a real program',
    'slabtrace record exec --stacks -o py.pb -- python3 -c "x=[0]*10**6"  # with call stacks: info --top-sites',
  ],
  'record exec': [
    'slabtrace record exec -o sort.pb -- sort /etc/services',
    'slabtrace record exec --stacks -o py.pb -- python3 -c "x=[0]*10**6" && slabtrace info py.pb --top-sites 5',
    'slabtrace record exec --follow-forks -o traces/ -- make -j2        # one trace per process',
    'slabtrace record exec -o ls.pb -- ls --help                        # options after -- are the program\'s',
  ],
  replay: [
    'slabtrace replay larson.pb --preset hakmem-larson-bug            # exit 3: out of VMAs',
    'slabtrace replay larson.pb --set emptyReserve=1 --max-map-count 20K --timeline t.json --plot t.svg',
    'slabtrace replay battle.pb --native mimalloc                      # through a real malloc',
  ],
  compare: [
    'slabtrace compare battle.pb --preset hakmem-7.7 --native glibc --native mimalloc',
    'slabtrace compare larson.pb --preset hakmem-larson-bug --preset hakmem-larson-fix --timeline both.csv',
  ],
  demo: ['slabtrace demo            # what npm start runs', 'slabtrace demo --no-ui --ops 12M'],
  info: ['slabtrace info larson.pb', 'slabtrace info trace.json.gz --json', 'slabtrace info py.pb --top-sites 5   # recorded with --stacks'],
  dump: ['slabtrace dump larson.pb --from 1000 --limit 5'],
  convert: ['slabtrace convert larson.pb larson.json.gz', 'slabtrace convert cut.pb.gz - --format json | head'],
  cut: ['slabtrace cut larson.pb -o window.pb --from 1M --to 2M', 'slabtrace cut larson.pb -o t3.pb --threads 0,3 --size-max 64'],
  shrink: ['slabtrace shrink larson.pb --preset hakmem-larson-bug --max-map-count 2000 -o small.pb --max-seconds 300'],
  import: [IMPORT_MTRACE],
  'import mtrace': [IMPORT_MTRACE],
  presets: ['slabtrace presets', 'slabtrace presets --json'],
  allocators: ['slabtrace allocators'],
};

/** `command`: its path below `slabtrace`, e.g. `record exec`. */
export function examplesFor(command: string): string {
  const list = EXAMPLES[command];
  return list ? `\nExamples:\n${list.map((l) => `  ${l}`).join('\n')}\n` : '';
}
