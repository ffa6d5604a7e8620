/**
 * HCP Terraform / Terraform Enterprise generic notification (payload_version 1), signed with
 * `X-TFE-Notification-Signature` (src/intake/verify/terraform.ts).
 *
 * What counts as a decommission: a notification with `run_status: applied` whose run is a destroy run
 * named as such in `run_message`: either the console's default message for destroy runs ("Queued
 * manually to destroy infrastructure") or a message containing the marker `[decommission]`
 * (e.g. `terraform destroy` with a run message set by the pipeline).
 * Limitation: the authoritative flag is the Run's `is-destroy` attribute, which this payload does not
 * carry (it needs `GET /api/v2/runs/{run_id}`); a destroy run without either message is ignored here.
 * The workload is `terraform:<organization>/<workspace>`.
 */
import { z } from 'zod';
import { MAX_BATCH_RECORDS, Label, TimeText } from './common.js';

export const TERRAFORM_DECOMMISSION_MARKER = '[decommission]';
export const TERRAFORM_DEFAULT_DESTROY_MESSAGE = 'queued manually to destroy infrastructure';

export const TerraformNotificationItem = z.looseObject({
  message: z.string().max(2000).nullish(),
  /** `run:created`, `run:planning`, `run:completed`, `run:errored`, `verification`, … */
  trigger: Label,
  run_status: z.string().max(50).nullish(),
  run_updated_at: TimeText.nullish(),
  run_updated_by: z.string().max(200).nullish(),
});

export const TerraformNotification = z.looseObject({
  payload_version: z.number().int(),
  notification_configuration_id: z.string().max(100).nullish(),
  run_url: z.string().max(2000).nullish(),
  run_id: z
    .string()
    .regex(/^run-[A-Za-z0-9]{1,64}$/, 'a run id')
    .nullish(),
  run_message: z.string().max(10_000).nullish(),
  run_created_by: z.string().max(200).nullish(),
  workspace_id: z.string().max(100).nullish(),
  workspace_name: z.string().max(90).nullish(),
  organization_name: z.string().max(100).nullish(),
  notifications: z.array(TerraformNotificationItem).max(MAX_BATCH_RECORDS),
});
export type TerraformNotification = z.infer<typeof TerraformNotification>;
