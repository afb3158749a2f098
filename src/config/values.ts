/**
 * Value parsers with the exact leniency of the C functions Redis uses:
 * strict ones (string2ll, yesnotoi) and lenient ones (atoi, strtoull).
 */
import { z } from 'zod';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const yesNo = z
  .string()
  .toLowerCase()
  .pipe(z.enum(['yes', 'no']));

/** yesnotoi(): case-insensitive yes/no, undefined otherwise. */
export function parseYesNo(value: string): boolean | undefined {
  const parsed = yesNo.safeParse(value);
  return parsed.success ? parsed.data === 'yes' : undefined;
}

/** string2ll(): no sign but '-', no leading zeros, no blanks, within 64 bits. */
export const strictInteger = z
  .string()
  .regex(/^(0|-?[1-9][0-9]*)$/)
  .transform((s) => BigInt(s))
  .refine((v) => v >= INT64_MIN && v <= INT64_MAX);

export const INTEGER_PARSE_ERROR = "argument couldn't be parsed into an integer";

/**
 * A numeric standard config (`port`, `maxclients`...): the value, or Redis's error text.
 */
export function parseBoundedInteger(value: string, min: bigint, max: bigint): number | string {
  const parsed = strictInteger.safeParse(value);
  if (!parsed.success) return INTEGER_PARSE_ERROR;
  if (parsed.data < min || parsed.data > max) return `argument must be between ${min} and ${max} inclusive`;
  return Number(parsed.data);
}

export { atoi, strtoull } from '../util/redis-parsing';
