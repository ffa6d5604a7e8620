/**
 * HCP Terraform notification → one decommission trigger for an applied destroy run, recognised by its
 * run message (rule and limitation in schemas/sources/terraform.ts). Workload
 * `terraform:<organization>/<workspace>`; id `terraform-run:<run id>`.
 */
import {
  TERRAFORM_DECOMMISSION_MARKER,
  TERRAFORM_DEFAULT_DESTROY_MESSAGE,
  TerraformNotification,
} from '../../schemas/sources/terraform.js';
import { evidence, opt } from './evidence.js';
import { parseEvent } from './input.js';
import { ignoredResult, Outcome, rejectAt, type NormalizeResult } from './result.js';
import { isoTime } from './time.js';

export const TERRAFORM_SOURCE = 'terraform';

export function isDecommissionRunMessage(message: string | null | undefined): boolean {
  const m = (message ?? '').toLowerCase();
  return m.includes(TERRAFORM_DECOMMISSION_MARKER) || m.startsWith(TERRAFORM_DEFAULT_DESTROY_MESSAGE);
}

export function normalizeTerraform(raw: unknown): NormalizeResult {
  const parsed = parseEvent(raw, TerraformNotification);
  if (!parsed.ok) return parsed.result;
  const n = parsed.event;
  if (n.payload_version !== 1) return rejectAt('UNSUPPORTED_EVENT', ['payload_version'], 'expected 1');
  if (n.notifications.every((x) => x.trigger === 'verification')) {
    return ignoredResult('Terraform verification notification');
  }
  const applied = n.notifications.find((x) => x.run_status === 'applied');
  if (!applied) return ignoredResult('Terraform run is not applied');
  if (!isDecommissionRunMessage(n.run_message)) {
    return ignoredResult('Terraform run message does not mark a destroy run');
  }
  if (!n.organization_name || !n.workspace_name) {
    return rejectAt(
      'INVALID_SHAPE',
      [n.organization_name ? 'workspace_name' : 'organization_name'],
      'required',
    );
  }
  if (!n.run_id) return rejectAt('INVALID_SHAPE', ['run_id'], 'required');
  const outcome = new Outcome();
  outcome.add({
    kind: 'decommission',
    id: `terraform-run:${n.run_id}`,
    source: TERRAFORM_SOURCE,
    occurredAt: isoTime(applied.run_updated_at),
    subject: { workload: `terraform:${n.organization_name}/${n.workspace_name}` },
    evidence: evidence({
      organization: n.organization_name,
      workspace: n.workspace_name,
      workspaceId: opt(n.workspace_id),
      runId: n.run_id,
      runUrl: opt(n.run_url),
      runMessage: opt(n.run_message),
      appliedBy: opt(applied.run_updated_by),
    }),
  });
  return outcome.result();
}
