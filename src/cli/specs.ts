/**
 * What each `pegasus-ops` subcommand accepts. Kept apart from the subcommands so `pegasus-ops
 * --help` lists them without loading the engine or the simulator.
 */
import type { CliOption, CliSpec } from './args';
import { clusterOptions } from './profile';

const yes = { type: 'boolean', short: 'y' } as const;

export const execSpec = {
  name: 'exec',
  summary: 'run one shell-style command against a cluster (nodes -d, ls -d, cluster_info, ...)',
  synopsis: "(--meta HOST:PORT[,HOST:PORT...] | --cluster JSON|FILE [--cluster-name NAME]) [options] '<command>'",
  about:
    "Runs one command against the cluster and prints the result like the Pegasus shell does. exec's options\ncome first; everything from the first other word on is the command.",
  options: {
    ...clusterOptions,
    json: { type: 'boolean', short: 'j', description: 'print the structured result as JSON instead of the table' },
    yes: { ...yes, description: 'confirm commands that change the cluster (needed without a terminal)' },
    timeout: { type: 'string', valueName: 'DURATION', description: 'per-call timeout such as 10s or 1m (default 10s)' },
    journal: {
      type: 'string',
      valueName: 'FILE',
      description:
        'the journal engine steps (scale-in, drain-node, ...) write every setting change and finished step to (default: one file per cluster under $XDG_STATE_HOME/pegasus-ops, else ~/.local/state/pegasus-ops)',
    },
    resume: { type: 'boolean', description: "continue the journal's interrupted run of the same operation" },
  },
  positionals: { name: 'command', rest: true },
  footer: `Ctrl+C, SIGTERM and SIGHUP cancel a running step: the engine gives back the settings it changed
(journaled), then exec exits 130 / 143 / 129. A second signal quits at once; 'restore-settings'
or the same step with --resume finish the job from the journal.
Exit codes: 0 success, 1 the command failed, 2 bad usage or syntax.

Examples:
  pegasus-ops exec --meta 127.0.0.1:34601 'nodes -d'
  pegasus-ops exec --meta 127.0.0.1:34601 --json ls -d
  pegasus-ops exec --meta 127.0.0.1:34601 --yes 'set_meta_level steady'
  pegasus-ops exec --cluster clusters.json --cluster-name prod --yes 'scale-in --nodes 10.0.0.5:34801'
  pegasus-ops exec --cluster clusters.json --cluster-name prod --yes restore-settings`,
} as const satisfies CliSpec;

export const runSpec = {
  name: 'run',
  summary: 'run a *.runbook.md headless against a cluster',
  synopsis: 'FILE.runbook.md (--cluster JSON|FILE [--cluster-name NAME] | --meta HOST:PORT,...) [--yes] [--yes-production] [--resume]',
  about: `Runs every pegasus cell of a runbook in order; stops at the first failing cell unless the cell
has {"continueOnError":true}. Every cell is checked first (options and command syntax, reported as
FILE:LINE:COL): one error anywhere and nothing runs. Progress goes to stderr, results to stdout
(one "## [k/N] line L" header per cell); the exit code is 0 only when every cell succeeded.
Each run is appended to FILE.runbook.journal.jsonl next to the runbook.`,
  options: {
    ...clusterOptions,
    cluster: {
      ...clusterOptions.cluster,
      description: `${clusterOptions.cluster.description}, else the one the runbook's front matter names`,
    },
    meta: {
      ...clusterOptions.meta,
      description: "short form for a cluster without node control (named after the runbook's front matter cluster, else the list)",
    },
    yes: {
      ...yes,
      description:
        'answer yes to every confirmation on a cluster that is not production (changes are refused without it when stdin is not a terminal)',
    },
    'yes-production': {
      type: 'boolean',
      description:
        'also answer yes on a cluster with "production": true (or a runbook with production: true); --yes alone never does: at a terminal such a change asks you to type the cluster name, elsewhere it is refused',
    },
    resume: {
      type: 'boolean',
      description:
        'continue the run that was interrupted, cancelled (Ctrl+C, SIGTERM) or timed out, from the cell where it stopped (finished engine steps are not repeated)',
    },
  },
  positionals: { name: 'runbook file', valueName: 'FILE.runbook.md', min: 1, max: 1 },
  footer: `Ctrl+C, SIGTERM (CI timeout, systemd stop) and SIGHUP cancel the running cell through the engine:
settings are restored, the cluster's state is printed, and the exit code is 130, 143 or 129.
A second signal quits at once.`,
} as const satisfies CliSpec;

const num = (valueName: string, description: string) => ({ type: 'string', valueName, description }) as const satisfies CliOption;

export const simSpec = {
  name: 'sim',
  summary: 'start a simulated Pegasus cluster on loopback',
  synopsis: '[options]',
  about: `Starts a simulated Pegasus cluster (meta servers speaking the real THFT + HTTP protocol on
loopback) and a control API; prints one JSON line with their addresses, then runs until Ctrl-C.
Exit codes: 0 clean stop, 1 could not start (e.g. port in use), 2 bad usage.`,
  options: {
    metas: num('N', 'meta servers (default 3; the first is the leader)'),
    nodes: num('N', 'replica servers (default 5)'),
    tables: num('SPEC', 'name:partitions:replicas[,...] (default temp:8:3)'),
    port: num('P', 'first meta port; metas use P, P+1, ... (default 34601; 0 = free ports)'),
    'control-port': num('P', 'control API port (default 0 = a free port)'),
    'pegasus-version': num('V', '2.5 (text remote-command output) or 2.6 (JSON, hp_* fields) (default 2.6)'),
    seed: num('N', 'seed of every random choice (default 1)'),
    'time-scale': num('X', 'simulated seconds per wall second (default 1; 0 = clock stopped, advanced only by POST /advance)'),
    'replica-size-mb': num('N', 'mean size of a replica (default 1024)'),
    'size-skew': num('F', 'spread of partition sizes around the mean, seeded (default 0 = all equal; up to 3)'),
    'disk-gb': num('G', 'data disk of every replica server, GB (default 1000)'),
    'copy-rate-mb': num('N', 'learning (receive) bandwidth per replica server, MB/s (default 100)'),
    'send-rate-mb': num('N', 'send bandwidth per replica server, MB/s (default 0 = no limit of its own)'),
    'replica-base-port': num('P', 'first replica server port (default 34801; 0 = free ports, and the replica servers listen)'),
    'listen-replicas': {
      type: 'boolean',
      description:
        'replica servers listen on their ports (127.0.0.1:34801, ...) and answer remote commands such as nfs.max_copy_rate_megabytes_per_disk',
    },
    hostnames: {
      type: 'boolean',
      description:
        '2.6 only: hp_* host_port fields (the node identity on master) name loopback nodes localhost:PORT instead of 127.0.0.1:PORT',
    },
    topology: num(
      'FILE',
      'JSON object of model options, e.g. an exact twin of a live cluster: {"nodeAddresses":[...],"tables":[...],"placement":{...},"livePercentage":..,"levelOnStart":..,"blackList":[..]} (see src/simulator/README.md); the flags above override its values',
    ),
  },
  footer: 'Once every port listens it prints {"metaServers":[…],"control":"http://127.0.0.1:PORT"} and runs until SIGINT/SIGTERM.',
} as const satisfies CliSpec;

export const demoSpec = {
  name: 'demo',
  summary: 'start the simulated cluster and run the example scale-in runbook against it',
  synopsis: '[--time-scale X] [--runbook FILE]',
  about: `Starts a simulated Pegasus cluster (3 metas, 5 replica servers, 2 tables) and runs the example
scale-in runbook (examples/scale-in.runbook.md) against it, confirming every step automatically.`,
  options: {
    'time-scale': num('X', 'simulated seconds per real second (default 20)'),
    runbook: num('FILE', 'run another runbook instead of the example'),
  },
} as const satisfies CliSpec;
