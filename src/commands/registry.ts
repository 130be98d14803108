/**
 * The open registry of cell-language commands. Each program (the CLI, the extension) builds its
 * own with `createRegistry()` in ./index: the shell commands from ./shell and the engine's steps
 * from ./steps; a host may `register` more.
 */
import type { CommandSpec } from './types';

export class CommandRegistry {
  private readonly byName = new Map<string, CommandSpec>();
  private readonly specs: CommandSpec[] = [];

  /** Adds a command; throws when the name or an alias is taken (two meanings for one word is a bug). */
  register(spec: CommandSpec): void {
    for (const n of [spec.name, ...(spec.aliases ?? [])]) {
      if (this.byName.has(n)) throw new Error(`command '${n}' is registered twice: rename one of them`);
    }
    checkSpec(spec);
    for (const n of [spec.name, ...(spec.aliases ?? [])]) this.byName.set(n, spec);
    this.specs.push(spec);
  }

  get(name: string): CommandSpec | undefined {
    return this.byName.get(name);
  }

  /** Every command, in registration order. */
  list(): readonly CommandSpec[] {
    return this.specs;
  }

  /** Names and aliases, for completion and did-you-mean. */
  names(): string[] {
    return [...this.byName.keys()];
  }
}

function checkSpec(spec: CommandSpec): void {
  const seen = new Set<string>();
  for (const f of spec.flags) {
    for (const n of [f.name, ...(f.aliases ?? []), ...(f.short ? [f.short] : [])]) {
      const key = n.length === 1 ? `-${n}` : `--${n}`;
      if (seen.has(key)) throw new Error(`command '${spec.name}': flag ${key} is declared twice`);
      seen.add(key);
    }
    if (f.type === 'enum' && !f.values?.length) throw new Error(`command '${spec.name}': enum flag --${f.name} needs values`);
  }
  spec.positionals.forEach((p, i) => {
    if (p.rest && i !== spec.positionals.length - 1) throw new Error(`command '${spec.name}': rest positional '${p.name}' must be last`);
  });
}
