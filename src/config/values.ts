/**
 * Value parsers with the exact leniency of the C functions Redis uses:
 * strict ones (string2ll, yesnotoi) and lenient ones (atoi, strtoull).
 */
import { z } from 'zod';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

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
const strictInteger = z
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

/** The leading `[+-]digits` of a string after blanks, as strtol/strtoull see it. */
function leadingInteger(value: string): { negative: boolean; digits: string } {
  const match = /^[ \t\n\v\f\r]*([+-]?)([0-9]*)/.exec(value);
  return { negative: match?.[1] === '-', digits: match?.[2] ?? '' };
}

/** atoi(): garbage reads as 0, trailing junk is ignored, overflow truncates to 32 bits. */
export function atoi(value: string): number {
  const { negative, digits } = leadingInteger(value);
  if (digits === '') return 0;
  let v = BigInt(digits);
  if (negative) v = -v;
  if (v > INT64_MAX) v = INT64_MAX;
  if (v < INT64_MIN) v = INT64_MIN;
  return Number(BigInt.asIntN(32, v));
}

/** strtoull(s, NULL, 10): negatives wrap around, overflow saturates. */
export function strtoull(value: string): bigint {
  const { negative, digits } = leadingInteger(value);
  if (digits === '') return 0n;
  const v = BigInt(digits);
  if (v > UINT64_MAX) return UINT64_MAX;
  return negative ? BigInt.asUintN(64, -v) : v;
}
