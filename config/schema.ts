/**
 * The account config file: one shared state backend, defaults, and one entry per account/region.
 * Every field is documented with `.describe()`, which also feeds the published JSON Schema. Each
 * section's schema lives in config/schema/; this file assembles them and names what importers use.
 */
import { z } from 'zod';
import { overridable, rawAccountSchema, type AccountConfig } from './schema/accounts';
import { backendSchema, type BackendConfig } from './schema/backend';
import { region } from './schema/common';
import { organizationSchema, type OrganizationConfig } from './schema/organization';

export { resolvedSections, type AccountConfig } from './schema/accounts';
export { STATE_BACKEND_STACK, type BackendConfig } from './schema/backend';
export {
  AGE_FROM_APPROVAL,
  ALLOWED_IMAGES_LIMITS,
  ORGANIZATION_STACK,
  organizationSchema,
  type ImageCriterion,
  type OrganizationConfig,
  type OrganizationTarget,
  type RawOrganization,
} from './schema/organization';

export const rawConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  backend: backendSchema,
  defaults: z
    .strictObject({
      region: region.optional().describe('Region of every account that names none.'),
      approval: overridable.approval.optional(),
      attachTo: overridable.attachTo.optional(),
      detection: overridable.detection.optional(),
      remediation: overridable.remediation.optional(),
      tags: overridable.tags.optional(),
    })
    .default({}),
  accounts: z.array(rawAccountSchema).min(1, 'expected at least one account'),
  organization: organizationSchema.optional(),
});

/** The validated config file. */
export interface AmiGuardConfig {
  readonly backend: BackendConfig;
  readonly accounts: readonly AccountConfig[];
  /** Present when the file has an `organization` section: the organization stack is built from it. */
  readonly organization?: OrganizationConfig;
}
