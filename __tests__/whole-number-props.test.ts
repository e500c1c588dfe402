import { TerraformStack, Testing } from 'cdktf';
import { remediationDocument } from '../modules/correct/remediation-document';
import { SecureBucket } from '../modules/shared/secure-bucket';
import { wholeNumber } from '../modules/shared/whole-number';

describe('numeric props name the prop, the range and the value', () => {
  test('a value in range is returned as it is', () => {
    expect(wholeNumber('graceHours', 0, { min: 0, max: 720 })).toBe(0);
    expect(wholeNumber('graceHours', 720, { min: 0, max: 720 })).toBe(720);
  });

  test.each([
    [721, /^`graceHours` must be a whole number from 0 to 720, got 721\.$/],
    [-1, /from 0 to 720, got -1\./],
    [1.5, /from 0 to 720, got 1\.5\./],
    [Number.NaN, /got NaN\./],
  ])('the runbook refuses graceHours %p', (graceHours, message) => {
    expect(() => remediationDocument({ checkFunctionName: 'fn', mode: 'stop', graceHours })).toThrow(message);
  });

  test('an open range and whose limit it is appear in the message', () => {
    expect(() => wholeNumber('keepEvidenceDays', -2, { min: 0 })).toThrow(
      '`keepEvidenceDays` must be a whole number >= 0, got -2.',
    );
    expect(() => wholeNumber('maximumAutomaticAttempts', 26, { min: 1, max: 25, limit: "AWS Config's limit" })).toThrow(
      "`maximumAutomaticAttempts` must be a whole number from 1 to 25 (AWS Config's limit), got 26.",
    );
  });

  test('a bucket keeping noncurrent versions for 0 days is refused at synth', () => {
    const stack = new TerraformStack(Testing.app(), 'stack');
    expect(() => new SecureBucket(stack, 'bucket', { bucketName: 'b', region: 'eu-west-1', noncurrentVersionDays: 0 })).toThrow(
      '`noncurrentVersionDays` must be a whole number >= 1, got 0.',
    );
  });
});
