import * as fs from 'node:fs';
import { terraformValidate, VALIDATE_CALL_MS } from '../e2e/validate';
import { exampleConfig, exampleVariant, onlyResource, resourcesOf, synthConfig } from '../test-support/synth';

// Needs Terraform and the hashicorp/aws mirror: runs under `npm run e2e`, not `npm test`.
// Each test is bounded by the harness's command limits (VALIDATE_CALL_MS), not by a guess of machine speed.
describe('terraform validate', () => {
  const { stacks } = synthConfig(exampleConfig());

  test.each(Object.keys(stacks))(
    'passes for the example stack %s, with no warnings',
    (name) => {
      const { valid, diagnostics } = terraformValidate(stacks[name]);
      expect(diagnostics).toEqual([]);
      expect(valid).toBe(true);
    },
    VALIDATE_CALL_MS + 30_000,
  );

  test(
    'passes for a stack without detection and remediation',
    () => {
      const config = exampleVariant((j) => {
        j.accounts[0].detection = { enabled: false };
      });
      const { valid, diagnostics } = terraformValidate(synthConfig(config).stacks['image-pipeline']);
      expect(diagnostics).toEqual([]);
      expect(valid).toBe(true);
    },
    VALIDATE_CALL_MS + 30_000,
  );

  test(
    'passes for the organization stack with the launch guard and an aggregator (a second provider alias)',
    () => {
      const config = exampleVariant((j) => {
        j.organization.targets = [{ id: 'r-a1b2' }, { id: 'ou-a1b2-c3d4e5f6', launchGuard: true }];
        j.organization.aggregator = {
          accountId: '444455556666',
          deployRoleArn: 'arn:aws:iam::444455556666:role/ami-guard-deploy',
        };
      });
      const { outdir, stacks: synthesized } = synthConfig(config);
      fs.rmSync(outdir, { recursive: true, force: true });
      const stack = synthesized.organization;
      expect(resourcesOf(stack, 'aws_organizations_policy').map((p) => p.type)).toContain('DECLARATIVE_POLICY_EC2');
      const { valid, diagnostics } = terraformValidate(stack);
      expect(diagnostics).toEqual([]);
      expect(valid).toBe(true);
    },
    VALIDATE_CALL_MS + 30_000,
  );

  test(
    "reports an invalid value with Terraform's own message",
    () => {
      const stack = structuredClone(stacks['payments-prod']);
      onlyResource(stack, 'aws_lambda_function').runtime = 'nodejs8.x';
      const { valid, diagnostics } = terraformValidate(stack);
      expect(valid).toBe(false);
      expect(JSON.stringify(diagnostics)).toMatch(/runtime/);
    },
    VALIDATE_CALL_MS + 30_000,
  );
});
