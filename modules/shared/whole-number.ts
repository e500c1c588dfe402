/**
 * A numeric prop checked to be a whole number from `min` to `max`; the error names the prop, what it
 * must be and the value it got. `limit` says whose limit the range is, e.g. `AWS Config's limit`.
 */
export function wholeNumber(name: string, value: number, range: { min: number; max?: number; limit?: string }): number {
  const { min, max = Infinity, limit } = range;
  if (!Number.isInteger(value) || value < min || value > max) {
    const bounds = max === Infinity ? `>= ${min}` : `from ${min} to ${max}`;
    throw new Error(`\`${name}\` must be a whole number ${bounds}${limit ? ` (${limit})` : ''}, got ${value}.`);
  }
  return value;
}
