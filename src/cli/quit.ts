/**
 * What a second stop signal says before the process quits at once: the restore that the first
 * signal started is abandoned, so the settings the journal still holds as changed are listed with
 * their values before, and the command that gives them back.
 */
import { quoteArg } from '../commands';
import { Journal, type OpenSetting } from '../engine/journal';
import { terminalSafe } from '../commands/safeText';

/** How this process was told its cluster, to repeat in the restore command. */
export interface ClusterArgs {
  readonly cluster?: string | undefined;
  readonly clusterName?: string | undefined;
  readonly meta?: string | undefined;
}

export function clusterFlags(a: ClusterArgs): string {
  const parts: string[] = [];
  if (a.cluster !== undefined) parts.push('--cluster', quoteArg(a.cluster));
  if (a.clusterName !== undefined) parts.push('--cluster-name', quoteArg(a.clusterName));
  if (a.meta !== undefined) parts.push('--meta', quoteArg(a.meta));
  return parts.join(' ');
}

/** The settings the journal file holds as changed; none when it cannot be read (the quit must not wait or fail). */
export function settingsStillChanged(journalPath: string): OpenSetting[] | 'unreadable' {
  try {
    return Journal.open(journalPath).openSettings();
  } catch {
    return 'unreadable';
  }
}

/** The lines printed on a second signal, before exiting. */
export function quitWords(sig: string, journalPath: string, cluster: ClusterArgs, runbook?: string): string {
  const open = settingsStillChanged(journalPath);
  const restore = `pegasus-ops exec ${clusterFlags(cluster)} --journal ${quoteArg(journalPath)} restore-settings`;
  const cell = runbook ? `, or run a \`restore-settings\` cell in ${runbook}` : '';
  if (open === 'unreadable')
    return terminalSafe(
      `${sig} again: quitting now. The journal ${journalPath} could not be read, so the settings still changed are unknown; check with: ${restore}${cell}\n`,
    );
  if (open.length === 0) return terminalSafe(`${sig} again: quitting now; the journal ${journalPath} holds no setting as changed\n`);
  const lines = open.map((s) => `  ${s.name} = ${s.current || "''"} (was ${s.original || "''"})`);
  return terminalSafe(
    `${sig} again: quitting now, with ${open.length === 1 ? 'this setting' : `these ${open.length} settings`} still changed (journal ${journalPath}):\n` +
      `${lines.join('\n')}\nRestore ${open.length === 1 ? 'it' : 'them'} with: ${restore}${cell}\n`,
  );
}
