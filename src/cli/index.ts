#!/usr/bin/env node
/**
 * The `tourniquet` CLI: a thin commander layer over the same operations the service runs. Errors
 * print one line naming the code and the bad field, and exit non-zero.
 */
import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { SOURCE_NAMES } from '../../handlers/sources/registry.js';
import { loadConfig } from '../config.js';
import { coerceError, isTourniquetError, TourniquetError } from '../errors.js';
import { parseJsonDocuments } from '../pipeline/intake.js';
import { linesOf } from '../util/files.js';
import { AUDIT_DAMAGE_CODE } from '../audit/verify.js';
import { auditLine, credentialLine, planText, taskLine, verificationText } from './format.js';
import { reportCsv, reportTable } from './report-format.js';
import { registerOperatorCommands } from './operator-commands.js';
import { registerSyncCommand } from './sync-command.js';
import { openTarget, processHere, type Target } from './target.js';
import { inventoryPages } from '../ops/inventory-pages.js';
import { out, outPaced } from './output.js';

async function withTarget<T>(fn: (t: Target) => Promise<T>): Promise<T> {
  const target = await openTarget(await loadConfig());
  try {
    return await fn(target);
  } finally {
    await target.close();
  }
}

/** An input file's bytes; a file that cannot be read is the caller's input error, named. */
async function readInput(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code !== 'string') throw e;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : code;
    throw new TourniquetError('INVALID_INPUT', `cannot read ${file}: ${why}`, { cause: e });
  }
}

async function readDocs(file: string): Promise<unknown[]> {
  return parseJsonDocuments((await readInput(file)).toString('utf8'));
}

const program = new Command()
  .name('tourniquet')
  .description('Revoke credentials the moment they must die.')
  .showHelpAfterError()
  .configureOutput({ outputError: (s, write) => write(s) });

program
  .command('start')
  .description('run the service: consumers, executor, scheduler and the HTTP API')
  .option(
    '--accept-log-loss',
    'start although the embedded log lost data (skipped, and recorded in the audit trail)',
  )
  .action(async (o: { acceptLogLoss?: boolean }) => {
    const { startService } = await import('../service.js');
    const svc = await startService(await loadConfig(), { acceptLogLoss: o.acceptLogLoss === true });
    out(`tourniquet listening on ${svc.url}`);
    let stopping = false;
    const onSignal = (sig: string) => {
      if (stopping) {
        svc.runtime.deps.logger.warn({ signal: sig }, 'second signal: forcing exit');
        process.exit(130);
      }
      stopping = true;
      svc.runtime.deps.logger.info({ signal: sig }, 'draining');
      svc.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });

program
  .command('ingest')
  .description(
    'accept triggers from FILE: canonical (JSON, JSON array or JSON Lines), or a source event with --source',
  )
  .argument('<file>')
  .option('--source <name>', `the producer's format: ${SOURCE_NAMES.join(', ')}`)
  .action(async (file: string, o: { source?: string }) => {
    const docs = o.source ? [] : await readDocs(file);
    const raw = o.source ? await readInput(file) : undefined;
    await withTarget(async (t) => {
      const res = o.source && raw ? await t.ops.ingestSource(o.source, raw) : await t.ops.ingest(docs);
      if (res.ignored) out(`ignored: ${res.ignored}`);
      for (const s of res.skipped ?? []) out(`skipped ${s.path}: ${s.message} (dead-lettered)`);
      await processHere(t);
      for (const a of res.accepted)
        out(`accepted ${a.kind} trigger ${a.id}${t.where === 'service' ? '' : ' (processed)'}`);
    });
  });

program
  .command('plan')
  .description('dry run: print the plan for the triggers in FILE; executes and stores nothing')
  .argument('<file>')
  .option('--source <name>', `the producer's format: ${SOURCE_NAMES.join(', ')}`)
  .option('--json', 'print JSON')
  .action(async (file: string, o: { json?: boolean; source?: string }) => {
    const docs = o.source ? [] : await readDocs(file);
    const raw = o.source ? await readInput(file) : undefined;
    await withTarget(async (t) => {
      const res = o.source && raw ? await t.ops.planSource(o.source, raw) : { plans: await t.ops.plan(docs) };
      if ('ignored' in res && res.ignored) out(`ignored: ${res.ignored}`);
      for (const s of ('skipped' in res && res.skipped) || []) out(`skipped ${s.path}: ${s.message}`);
      out(
        o.json ? JSON.stringify(res.plans, null, 2) : res.plans.map(planText).join('\n\n') || '(no trigger)',
      );
    });
  });

const inventory = program.command('inventory').description('the token inventory');
inventory
  .command('import')
  .description('import credentials from a YAML or JSON FILE; secret values are fingerprinted, never stored')
  .argument('<file>')
  .option('--allow-protection-change', "accept changes to credentials' protected flag or status (audited)")
  .action(async (file: string, o: { allowProtectionChange?: boolean }) => {
    await withTarget(async (t) => {
      const r = await t.ops
        .importInventoryFile(file, 'cli', { allowProtectionChange: o.allowProtectionChange ?? false })
        .catch(async (e: unknown) => Promise.reject(await withLines(e, file)));
      const counts =
        r.created === undefined
          ? ''
          : ` (${r.created} new, ${r.updated ?? 0} changed, ${r.unchanged ?? 0} unchanged)`;
      out(
        `imported ${r.imported} credential(s)${counts}, ${r.people ?? 0} people, ${r.workloads ?? 0} workload(s)`,
      );
    });
  });
registerSyncCommand(inventory, withTarget, out);
inventory
  .command('list')
  .option('--json', 'print JSON')
  .action(async (o: { json?: boolean }) =>
    withTarget(async (t) => {
      // Page by page (keyset on id): the whole inventory, however large, never held at once.
      let n = 0;
      for await (const page of inventoryPages(t.ops)) {
        const text = o.json
          ? page.map((c) => JSON.stringify(c, null, 2)).join(',\n')
          : page.map(credentialLine).join('\n');
        await outPaced(o.json ? `${n === 0 ? '[' : ','}\n${text}` : text);
        n += page.length;
      }
      if (o.json) out(n === 0 ? '[]' : ']');
      else if (n === 0) out('(empty inventory)');
    }),
  );

inventory
  .command('check')
  .description('list every credential that no configured provider can act on, and why (exit 1 if any)')
  .option('--json', 'print JSON')
  .action(async (o: { json?: boolean }) =>
    withTarget(async (t) => {
      const gaps = await t.ops.checkInventory();
      out(
        o.json
          ? JSON.stringify(gaps, null, 2)
          : gaps
              .map(
                (g) =>
                  `${g.credentialId}  ${g.credentialKind}  ${g.provider}  ${g.reason}: ${g.detail}\n    to do: ${g.step}`,
              )
              .join('\n') || 'every credential can be acted on by a configured provider',
      );
      if (gaps.length > 0) process.exitCode = 1;
    }),
  );

/** An inventory error that names fields, said again with the line of each in FILE. */
async function withLines(e: unknown, file: string): Promise<unknown> {
  if (!isTourniquetError(e) || !Array.isArray(e.details)) return e;
  const issues = e.details as { path?: unknown; message?: unknown }[];
  const paths = issues.map((i) => String(i.path ?? ''));
  const lines = await linesOf(file, paths);
  const said = issues.map(
    (i, n) => `${file}${lines[n] ? `:${lines[n]}` : ''}: ${paths[n]}: ${String(i.message ?? '')}`,
  );
  return new TourniquetError(e.code, `invalid inventory (nothing imported):\n  ${said.join('\n  ')}`, {
    details: issues.map((i, n) => ({ ...i, ...(lines[n] ? { line: lines[n] } : {}) })),
  });
}

const audit = program.command('audit').description('the tamper-evident audit trail');
audit
  .command('list')
  .option('--trigger <id>', 'records of one trigger')
  .option('--credential <id>', 'records of one credential')
  .option('--limit <n>', 'at most N records', '1000')
  .option('--json', 'print JSON')
  .action(async (o: { trigger?: string; credential?: string; limit: string; json?: boolean }) =>
    withTarget(async (t) => {
      const records = await t.ops.listAudit({
        triggerId: o.trigger,
        credentialId: o.credential,
        limit: Number(o.limit),
      });
      out(
        o.json ? JSON.stringify(records, null, 2) : records.map(auditLine).join('\n') || '(no audit records)',
      );
      if (o.trigger && !o.json) {
        const tasks = await t.ops.listTasks({ triggerId: o.trigger });
        if (tasks.length) out('\ntasks:\n' + tasks.map(taskLine).join('\n'));
      }
    }),
  );
audit
  .command('verify')
  .description(
    'check the keyed hash chain against the newest signed anchor; on damage prints its kind ' +
      '(AUDIT_WIPED, AUDIT_TRUNCATED, AUDIT_REHASHED, AUDIT_FORGED, AUDIT_DELETED, AUDIT_EDITED, ' +
      'AUDIT_ANCHOR_INVALID, AUDIT_ANCHOR_UNAVAILABLE) and exits with its status (10-17)',
  )
  .option('--json', 'print JSON')
  .action(async (o: { json?: boolean }) =>
    withTarget(async (t) => {
      const v = await t.ops.verifyAudit();
      const kinds = v.damage.map((d) => AUDIT_DAMAGE_CODE[d]);
      if (kinds[0]) process.exitCode = kinds[0].exit;
      if (o.json) return out(JSON.stringify(v, null, 2));
      out(verificationText(v));
    }),
  );
audit
  .command('reanchor')
  .description(
    'after investigating damage that audit verify reported: record it in the audit trail and ' +
      'anchor the chain as it is now (a new epoch), so checkpoints resume',
  )
  .requiredOption('--operator <name>', 'who re-anchors (recorded in the audit)')
  .requiredOption('--reason <text>', 'why (recorded in the audit)')
  .action(async (o: { operator: string; reason: string }) =>
    withTarget(async (t) => {
      const r = await t.ops.reanchorAudit(o.operator, o.reason);
      out(`re-anchored at seq ${r.seq} (epoch ${r.epoch}) after ${r.damage.join(', ')}`);
    }),
  );
audit
  .command('export')
  .description('print the audit trail as JSON Lines: its records, or OCSF 1.8 events (--format ocsf)')
  .addOption(new Option('--format <format>', 'output format').choices(['jsonl', 'ocsf']).default('jsonl'))
  .action(async (o: { format: 'jsonl' | 'ocsf' }) =>
    withTarget(async (t) => {
      const records = o.format === 'ocsf' ? t.ops.exportAuditOcsf() : t.ops.exportAudit();
      for await (const r of records) out(JSON.stringify(r));
    }),
  );

program
  .command('drift')
  .description('drift: credentials recorded dead that work again')
  .command('check')
  .description('ask the providers now; one alive again is audited, told to the SOC and revoked again')
  .option('--operator <name>', 'who asks (recorded in the audit)', 'cli')
  .action(async (o: { operator: string }) =>
    withTarget(async (t) => {
      const checks = await t.ops.checkDrift(o.operator);
      await processHere(t);
      for (const c of checks)
        out(
          `${c.outcome.padEnd(12)} ${c.credentialId} at ${c.provider}${c.triggerId ? `  → trigger ${c.triggerId}` : ''}${c.code ? `  (${c.code})` : ''}`,
        );
      if (checks.length === 0) out('(no credential recorded dead)');
    }),
  );

program
  .command('report')
  .description(
    'governance report: owner coverage, shadow ownership, owners who left, write scopes, lifetimes, staleness, revocation coverage',
  )
  .addOption(
    new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'),
  )
  .action(async (o: { format: 'table' | 'json' | 'csv' }) =>
    withTarget(async (t) => {
      const res = await t.ops.report({ rows: o.format === 'csv' });
      if (o.format === 'json') out(JSON.stringify(res.report, null, 2));
      else if (o.format === 'csv') out(reportCsv(res.rows ?? []));
      else out(reportTable(res.report));
    }),
  );

program
  .command('tasks')
  .description('list tasks')
  .option('--trigger <id>', 'tasks of one trigger')
  .action(async (o: { trigger?: string }) =>
    withTarget(async (t) => {
      out((await t.ops.listTasks({ triggerId: o.trigger })).map(taskLine).join('\n') || '(no tasks)');
    }),
  );

program
  .command('providers')
  .description(
    'every provider type: its credential kinds, actions, what each needs, verify support and propagation window',
  )
  .option('--json', 'print JSON')
  .action(async (o: { json?: boolean }) => {
    // No config and no connection: the types, as the planner would see a fully configured instance.
    const { providerCatalog, catalogTable } = await import('../providers/catalog.js');
    const entries = providerCatalog();
    out(o.json ? JSON.stringify(entries, null, 2) : catalogTable(entries));
  });

registerOperatorCommands(program, withTarget);

program.parseAsync().catch((e: unknown) => {
  const err = coerceError(e);
  process.stderr.write(`error ${err.code}: ${err.message}\n`);
  process.exit(1);
});
