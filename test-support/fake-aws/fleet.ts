/**
 * The fleet the model generates from an index: instance i's and AMI j's IDs, tags and state. Tests read
 * them to know what the model holds without asking it.
 */

/** Instance i: `i-` and 17 hex digits; AMI j: `ami-` and 17 hex digits. */
export const instanceId = (i: number): string => `i-${i.toString(16).padStart(17, '0')}`;
export const imageId = (j: number): string => `ami-${j.toString(16).padStart(17, '0')}`;

/** AMI j is tagged Environment=Prod when j % 3 == 0, Environment=prod (wrong case) when 1, untagged when 2. */
export const imageTags = (j: number): Record<string, string> => [{ Environment: 'Prod' }, { Environment: 'prod' }, {}][j % 3];

/** Every tenth instance is stopped; the rest run. */
export const instanceState = (i: number): string => (i % 10 === 0 ? 'stopped' : 'running');

/** 17 hex digits, as in instance, reservation, volume and interface IDs. */
export const hex17 = (n: number): string => n.toString(16).padStart(17, '0');
