/** CLI commands for responders and analysts: plans and approvals, dead letters, replay, operators, topics. */
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { TourniquetError } from '../errors.js';
import type { ReplayReport } from '../pipeline/replay.js';
import { deadMessageLine, taskLine } from './format.js';
import { processHere, type Target } from './target.js';
import { out } from './output.js';

type WithTarget = <T>(fn: (t: Target) => Promise<T>) => Promise<T>;

function replayText(r: ReplayReport): string {
  const head = `replay ${r.replayId} (${r.dryRun ? 'dry run' : 'live'}${r.force ? ', forced' : ''}): ${r.triggers.length} trigger(s)`;
  const body = r.triggers.map((t) => {
    const lines = t.diff.map(
      (d) =>
        `  ${d.change} ${d.action} ${d.credential} via ${d.provider ?? '(no provider)'}${d.then ? `   [then: ${d.then}]` : ''}`,
    );
    const tail = r.dryRun ? '' : `  → ${t.newTasks} new task(s) queued`;
    return [`trigger ${t.triggerId} (${t.kind})`, ...lines, tail].filter(Boolean).join('\n');
  });
  return [
    head,
    ...body,
    r.dryRun
      ? '\n+ would run today   = exists (not redone unless --force; "still alive": not killed then, see `dlq list`)   - planned then, not today ("recorded only": nothing was called)'
      : '',
  ]
    .filter(Boolean)
    .join('\n');
}

export function registerOperatorCommands(program: Command, withTarget: WithTarget): void {
  program
    .command('plans')
    .description('list plans')
    .option('--status <status>', 'e.g. awaiting_approval')
    .action(async (o: { status?: string }) =>
      withTarget(async (t) => {
        const plans = await t.ops.listPlans({ status: o.status });
        out(
          plans
            .map(
              (p) =>
                `${p.id}  ${p.status.padEnd(17)}  ${p.decision.padEnd(8)}  trigger=${p.triggerId}  tasks=${p.taskCount}  ${p.holds.join('; ')}`,
            )
            .join('\n') || '(no plans)',
        );
      }),
    );
  for (const verb of ['approve', 'deny'] as const) {
    program
      .command(verb)
      .description(
        verb === 'approve'
          ? 'approve held tasks of a plan (all, or those named with --task): they run'
          : 'deny held tasks of a plan (all, or those named with --task): they are skipped',
      )
      .argument('<plan>')
      .requiredOption('--operator <name>', 'who decides (recorded in the audit)')
      .requiredOption('--reason <text>', 'why (recorded in the audit)')
      .option('--task <id...>', 'only these held tasks (ids or unique prefixes of 8+ characters)')
      .action(async (plan: string, o: { operator: string; reason: string; task?: string[] }) =>
        withTarget(async (t) => {
          const r = await t.ops.decidePlan(plan, verb === 'approve', {
            operator: o.operator,
            reason: o.reason,
            taskIds: o.task,
          });
          out(
            `plan ${r.planId} ${r.status}: ${r.tasks} task(s) ${verb === 'approve' ? 'approved' : 'denied'}`,
          );
          if (verb === 'approve') await processHere(t);
        }),
      );
  }

  const dlq = program
    .command('dlq')
    .description('dead letters: tasks (store) and input messages (the DLQ topic, payloads sealed)');
  dlq
    .command('list')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) =>
      withTarget(async (t) => {
        const [items, messages] = await Promise.all([t.ops.listDeadLetters(), t.ops.listDeadMessages()]);
        if (o.json) return out(JSON.stringify({ tasks: items, messages }, null, 2));
        if (items.length === 0 && messages.length === 0) return out('(no dead letters)');
        for (const d of items) {
          out(taskLine(d.task));
          out(`    reason: ${d.task.lastError?.code ?? '?'} ${d.task.lastError?.message ?? ''}`);
          for (const h of d.history) out(`    ${h.at}  ${h.type}  ${JSON.stringify(h.data)}`);
        }
        for (const m of messages) out(deadMessageLine(m));
      }),
    );
  dlq
    .command('show')
    .description('one dead message; --unseal opens its payload (responders; audited)')
    .argument('<id>')
    .option('--unseal', 'show the payload (it may hold a raw secret)')
    .option('--operator <name>', 'who unseals (recorded in the audit)', process.env.USER ?? 'cli')
    .action(async (id: string, o: { unseal?: boolean; operator: string }) =>
      withTarget(async (t) => {
        const m = await t.ops.showDeadMessage(id, { unseal: o.unseal === true, operator: o.operator });
        out(JSON.stringify(m, null, 2));
      }),
    );
  dlq
    .command('retry')
    .argument('[ids...]', 'task ids')
    .option('--all', 'retry every dead letter')
    .option('--operator <name>', 'who retries (recorded in the audit)', process.env.USER ?? 'cli')
    .option('--reason <text>', 'why (recorded in the audit)')
    .action(async (ids: string[], o: { all?: boolean; operator: string; reason?: string }) =>
      withTarget(async (t) => {
        if (!o.all && ids.length === 0) throw new TourniquetError('INVALID_INPUT', 'name task ids or --all');
        const r = await t.ops.retryDeadLetters(o.all ? 'all' : ids, o.operator, o.reason);
        out(`requeued ${r.retried.length} task(s)`);
        await processHere(t);
      }),
    );

  program
    .command('replay')
    .description("re-run past triggers: a dry run prints today's plan next to what was done then")
    .option('--trigger <ids...>', 'trigger ids (from the store)')
    .option('--from <iso>', 'start of a time range')
    .option('--to <iso>', 'end of a time range (default now)')
    .option('--origin <origin>', "store (stored triggers) or log (the transport's input topics)", 'store')
    .option('--live', 'execute (default is a dry run)')
    .option('--force', 'with --live: redo tasks that already completed')
    .requiredOption('--operator <name>', 'who replays (recorded in the audit)')
    .requiredOption('--reason <text>', 'why (recorded in the audit)')
    .action(
      async (o: {
        trigger?: string[];
        from?: string;
        to?: string;
        origin: string;
        live?: boolean;
        force?: boolean;
        operator: string;
        reason: string;
      }) =>
        withTarget(async (t) => {
          if (o.origin !== 'store' && o.origin !== 'log')
            throw new TourniquetError('INVALID_INPUT', '--origin is store or log');
          if (o.force && !o.live) throw new TourniquetError('INVALID_INPUT', '--force needs --live');
          const report = await t.ops.replay({
            ...(o.trigger ? { triggerIds: o.trigger } : {}),
            ...(o.from ? { from: o.from } : {}),
            ...(o.to ? { to: o.to } : {}),
            origin: o.origin,
            dryRun: !o.live,
            force: Boolean(o.force),
            operator: o.operator,
            reason: o.reason,
          });
          out(replayText(report));
          if (o.live) await processHere(t);
        }),
    );

  program
    .command('operators')
    .description('operators of the HTTP API')
    .command('add')
    .argument('<name>')
    .requiredOption(
      '--role <role>',
      'analyst (read, dry-run replay) or responder (also approve, retry, live replay)',
    )
    .action(async (name: string, o: { role: string }) =>
      withTarget(async (t) => {
        if (o.role !== 'analyst' && o.role !== 'responder')
          throw new TourniquetError('INVALID_INPUT', '--role is analyst or responder');
        const r = await t.ops.addOperator(name, o.role);
        out(
          `operator ${r.name} (${r.role}) token: ${r.token}\nstore it now: it is shown once and kept only as a hash`,
        );
      }),
    );

  program
    .command('topics')
    .description('Kafka topics')
    .command('create')
    .option('--partitions <n>', 'partitions per topic (default: config kafka.partitions)')
    .action(async (o: { partitions?: string }) => {
      const config = await loadConfig();
      if (!config.kafka) throw new TourniquetError('INVALID_CONFIG', 'KAFKA_BROKERS is not set');
      const { createTopics } = await import('../bus/kafka-admin.js');
      const conn = { brokers: config.kafka.brokers, clientId: config.kafka.clientId };
      const partitions = Number(o.partitions ?? config.kafka.partitions);
      const { leak, offboarding, decommission, dlq, ...rest } = config.kafka.topics;
      const { inputTopicsMs, deadLettersMs, deadLettersMaxBytes } = config.retention;
      // Topics that hold raw source events, and dead letters, get their retention at creation
      // (README: Security model); an existing topic's configs are left to its owner.
      const results = [
        await createTopics(conn, [leak, offboarding, decommission], partitions, {
          configEntries: { 'retention.ms': String(inputTopicsMs) },
        }),
        await createTopics(conn, [dlq], partitions, {
          configEntries: {
            'retention.ms': String(deadLettersMs),
            'retention.bytes': String(Math.max(1, Math.floor(deadLettersMaxBytes / partitions))),
          },
        }),
        await createTopics(conn, Object.values(rest), partitions),
      ];
      const r = {
        created: results.flatMap((x) => x.created),
        existing: results.flatMap((x) => x.existing),
        grown: results.flatMap((x) => x.grown),
      };
      const list = (names: readonly string[]) => names.join(', ') || '(none)';
      out(`created: ${list(r.created)}\nexisting: ${list(r.existing)}\ngrown: ${list(r.grown)}`);
    });
}
