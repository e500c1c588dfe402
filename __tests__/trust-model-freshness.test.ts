import { reservedTagKeys, trustModel } from '../lambda/ami-compliance/trust-model';

describe('trust model: the family tag', () => {
  test('familyTagKey is an image tag only the pipeline writes, so every guard reserves it', () => {
    const signals = trustModel({ approvalTagKey: 'Environment', familyTagKey: 'ImageFamily' });
    expect(signals.find((s) => s.id === 'family-tag')).toMatchObject({
      kind: 'image-tag',
      name: 'ImageFamily',
      writers: ['pipeline'],
    });
    expect(reservedTagKeys(signals, 'image-tag', 'pipeline')).toEqual(['Environment', 'ImageFamily']);
  });

  test('without familyTagKey there is no family signal (families come from AMI names)', () => {
    expect(trustModel({ approvalTagKey: 'Environment' }).some((s) => s.id === 'family-tag')).toBe(false);
  });
});
