/** `tourniquet inventory sync`: list what the providers hold and update the inventory to match. */
import type { Command } from 'commander';
import type { SyncReport } from '../discovery/sync.js';
import type { Target } from './target.js';

const show = (v: unknown): string => (v === undefined ? '∅' : JSON.stringify(v));

export function syncText(r: SyncReport): string {
  const lines = [
    `${r.provider}${r.dryRun ? ' (dry run: nothing written)' : ''}: ${r.discovered} discovered, ${r.created} new, ${r.updated} changed, ${r.unchanged} unchanged, ${r.gone} gone`,
  ];
  for (const d of r.diff) {
    const fields =
      d.change === 'created'
        ? ''
        : `  ${d.fields.map((f) => `${f.field}: ${show(f.from)} → ${show(f.to)}`).join('; ')}`;
    lines.push(`  ${d.change.padEnd(7)} ${d.credentialId} (${d.kind})${fields}`);
  }
  if (r.diffOmitted > 0) lines.push(`  … and ${r.diffOmitted} more change(s)`);
  for (const x of r.refused)
    lines.push(`  ! refused: ${x.what} — missing permission ${x.permission} (${x.code})`);
  if (r.error)
    lines.push(`  ! listing failed: ${r.error.code}: ${r.error.message} (nothing unseen marked gone)`);
  if (r.unknownIdentityCount > 0)
    lines.push(`  unknown identities (${r.unknownIdentityCount}): ${r.unknownIdentities.join(', ')}`);
  return lines.join('\n');
}

export function registerSyncCommand(
  inventory: Command,
  withTarget: <T>(fn: (t: Target) => Promise<T>) => Promise<T>,
  out: (s: string) => void,
): void {
  inventory
    .command('sync')
    .description(
      'discover the credentials the providers hold (owner, scopes, dates) and update the inventory; exit 1 if a listing was refused or failed',
    )
    .option('--provider <name>', 'only this configured provider instance')
    .option('--dry-run', 'show what would change; write nothing')
    .option('--overwrite-operator-fields', 'let provider data replace owner/workload/readers an operator set')
    .option('--operator <name>', 'who asks (recorded in the audit)', 'cli')
    .option('--json', 'print JSON')
    .action(
      async (o: {
        provider?: string;
        dryRun?: boolean;
        overwriteOperatorFields?: boolean;
        operator: string;
        json?: boolean;
      }) =>
        withTarget(async (t) => {
          const reports = await t.ops.syncInventory(
            {
              provider: o.provider,
              dryRun: o.dryRun ?? false,
              overwriteOperatorFields: o.overwriteOperatorFields ?? false,
            },
            o.operator,
          );
          out(
            o.json
              ? JSON.stringify(reports, null, 2)
              : reports.map(syncText).join('\n') || '(no provider to sync)',
          );
          if (reports.some((r) => r.error || r.refused.length > 0)) process.exitCode = 1;
        }),
    );
}
