/**
 * The EC2 declarative policy equals the shape of AWS's "Declarative policy syntax and examples" page
 * (Allowed Images Settings): asserted as JSON, read from the synthesized organization stack.
 */
import { exampleVariant, RawJson, resourcesOf, sharedSynth } from '../test-support/synth';

type Edit = (organization: RawJson) => void;

/** The parts of the declarative policy document the tests read. */
interface AllowedImagesDocument {
  ec2_attributes: {
    allowed_images_settings: { state: unknown; image_criteria: Record<string, unknown> };
    exception_message?: unknown;
  };
}

/** The content of ami-guard-allowed-images in the organization stack of an example variant. */
function declarativePolicy(edit: Edit): { type: string; content: string; document: AllowedImagesDocument } {
  const { stacks } = sharedSynth(exampleVariant((j) => edit(j.organization)));
  const policy = resourcesOf(stacks.organization, 'aws_organizations_policy').find((p) => p.name === 'ami-guard-allowed-images');
  if (!policy) throw new Error('no ami-guard-allowed-images policy');
  const content = String(policy.content);
  return { type: String(policy.type), content, document: JSON.parse(content) };
}

const MESSAGE =
  'AMI Guard: this AMI is not approved for this organization. Use a golden AMI from the image pipeline, or ask the platform team.';

describe('Allowed AMIs declarative policy', () => {
  test('is a DECLARATIVE_POLICY_EC2 in the documented shape, audit_mode by default, with the default providers', () => {
    const { type, document } = declarativePolicy(() => {});
    expect(type).toBe('DECLARATIVE_POLICY_EC2');
    expect(document).toEqual({
      ec2_attributes: {
        allowed_images_settings: {
          '@@operators_allowed_for_child_policies': ['@@none'],
          state: { '@@assign': 'audit_mode' },
          image_criteria: {
            criteria_1: { allowed_image_providers: { '@@assign': ['111111111111'] } },
          },
        },
        exception_message: { '@@assign': MESSAGE },
      },
    });
  });

  test('says "enabled" when enabled', () => {
    const { document } = declarativePolicy((o) => (o.allowedImages.state = 'enabled'));
    expect(document.ec2_attributes.allowed_images_settings.state).toEqual({ '@@assign': 'enabled' });
  });

  test('renders every criterion kind, several criteria, and the provider aliases with underscores', () => {
    const { document } = declarativePolicy((o) => {
      o.allowedImages = {
        state: 'enabled',
        criteria: [
          {
            imageProviders: ['111111111111', 'amazon', 'aws-marketplace', 'aws-backup-vault'],
            imageNames: ['golden-al2023-*', 'golden-win2022-???'],
            maximumDaysSinceCreated: 90,
            maximumDaysSinceDeprecated: 0,
          },
          { imageProviders: ['amazon'], imageNames: ['al2023-ami-*'] },
        ],
      };
    });
    expect(document).toEqual({
      ec2_attributes: {
        allowed_images_settings: {
          '@@operators_allowed_for_child_policies': ['@@none'],
          state: { '@@assign': 'enabled' },
          image_criteria: {
            criteria_1: {
              allowed_image_providers: { '@@assign': ['111111111111', 'amazon', 'aws_marketplace', 'aws_backup_vault'] },
              image_names: { '@@assign': ['golden-al2023-*', 'golden-win2022-???'] },
              creation_date_condition: { maximum_days_since_created: { '@@assign': 90 } },
              deprecation_time_condition: { maximum_days_since_deprecated: { '@@assign': 0 } },
            },
            criteria_2: {
              allowed_image_providers: { '@@assign': ['amazon'] },
              image_names: { '@@assign': ['al2023-ami-*'] },
            },
          },
        },
      },
    });
  });

  test('fills the default providers into a criterion that names only images: trustedOwners plus the pipeline accounts', () => {
    const { document } = declarativePolicy((o) => {
      o.taggerPrincipals = ['arn:aws:iam::555555555555:role/image-pipeline'];
      o.allowedImages = { criteria: [{ imageNames: ['golden-*'] }] };
    });
    expect(document.ec2_attributes.allowed_images_settings.image_criteria.criteria_1).toEqual({
      allowed_image_providers: { '@@assign': ['111111111111', '555555555555'] },
      image_names: { '@@assign': ['golden-*'] },
    });
  });

  test('is rendered minified, as Organizations counts every character', () => {
    const { content, document } = declarativePolicy(() => {});
    expect(content).toBe(JSON.stringify(document));
  });
});
