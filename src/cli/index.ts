#!/usr/bin/env node
/**
 * The `tourniquet` CLI: a thin commander layer over the same operations the service runs. Errors
 * print one line naming the code and the bad field, and exit non-zero.
 */
import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { SOURCE_NAMES } from '../../handlers/sources/registry.js';
import { loadConfig } from '../config.js';
import { isTourniquetError } from '../errors.js';
import { parseJsonDocuments } from '../pipeline/intake.js';
import { readStructuredFile } from '../util/files.js';
import { AUDIT_DAMAGE_CODE } from '../audit/verify.js';
import { auditLine, credentialLine, planText, taskLine, verificationText } from './format.js';
import { registerOperatorCommands } from './operator-commands.js';
import { openTarget, type Target } from './target.js';

const out = (s: string): void => {
  process.stdout.write(s + '\n');
};

async function withTarget<T>(fn: (t: Target) => Promise<T>): Promise<T> {
  const target = await openTarget(await loadConfig());
  try {
    return await fn(target);
  } finally {
    await target.close();
  }
}

async function readDocs(file: string): Promise<unknown[]> {
  return parseJsonDocuments(await readFile(file, 'utf8'));
}

const program = new Command()
  .name('tourniquet')
  .description('Revoke credentials the moment they must die.')
  .showHelpAfterError()
  .configureOutput({ outputError: (s, write) => write(s) });

program
  .command('start')
  .description('run the service: consumers, executor, scheduler and the HTTP API')
  .action(async () => {
    const { startService } = await import('../service.js');
    const svc = await startService(await loadConfig());
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
    const raw = o.source ? await readFile(file) : undefined;
    await withTarget(async (t) => {
      const res = o.source && raw ? await t.ops.ingestSource(o.source, raw) : await t.ops.ingest(docs);
      if (res.ignored) out(`ignored: ${res.ignored}`);
      for (const s of res.skipped ?? []) out(`skipped ${s.path}: ${s.message} (dead-lettered)`);
      if (t.runtime) {
        // No service running: process in this process until the local log is drained.
        await t.runtime.startWorkers();
        await t.runtime.idle();
      }
      for (const a of res.accepted)
        out(`accepted ${a.kind} trigger ${a.id}${t.where === 'service' ? '' : ' (processed)'}`);
    });
  });

program
  .command('plan')
  .description('dry run: print the plan for the triggers in FILE; executes and stores nothing')
  .argument('<file>')
  .option('--json', 'print JSON')
  .action(async (file: string, o: { json?: boolean }) => {
    const docs = await readDocs(file);
    await withTarget(async (t) => {
      const plans = await t.ops.plan(docs);
      out(o.json ? JSON.stringify(plans, null, 2) : plans.map(planText).join('\n\n'));
    });
  });

const inventory = program.command('inventory').description('the token inventory');
inventory
  .command('import')
  .description('import credentials from a YAML or JSON FILE; secret values are fingerprinted, never stored')
  .argument('<file>')
  .action(async (file: string) => {
    const data = await readStructuredFile(file);
    await withTarget(async (t) =>
      out(`imported ${(await t.ops.importInventory(data, 'cli')).imported} credential(s)`),
    );
  });
inventory
  .command('list')
  .option('--json', 'print JSON')
  .action(async (o: { json?: boolean }) =>
    withTarget(async (t) => {
      const creds = await t.ops.listInventory();
      out(
        o.json ? JSON.stringify(creds, null, 2) : creds.map(credentialLine).join('\n') || '(empty inventory)',
      );
    }),
  );

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
  .addOption(new Option('--format <format>', 'output format').choices(['jsonl']).default('jsonl'))
  .action(async () =>
    withTarget(async (t) => {
      for await (const r of t.ops.exportAudit()) out(JSON.stringify(r));
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

registerOperatorCommands(program, withTarget);

program.parseAsync().catch((e: unknown) => {
  if (isTourniquetError(e)) {
    process.stderr.write(`error ${e.code}: ${e.message}\n`);
  } else {
    process.stderr.write(`error INTERNAL: ${e instanceof Error ? e.name : 'unexpected failure'}\n`);
  }
  process.exit(1);
});
