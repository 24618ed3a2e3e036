import { createRequire } from 'node:module';

/**
 * The common case of a campaign sheet, checked in well under a microsecond: a mobile number of the
 * list's own country, written nationally (`0812…`), internationally (`+62 812…`) or with the
 * country code but no `+` (a numeric cell: `62812…`). It answers only when the number is a valid
 * mobile of that country by the same metadata libphonenumber uses; anything else (another
 * country, `00`, a landline, a country with carrier codes or prefix rewriting) is left to the full
 * parse. A property test holds its answers to the full parse's on generated numbers.
 */
interface Plan {
  callingCode: string;
  nationalPrefix: string | undefined;
  mobile: RegExp;
  mobileLengths: readonly number[];
}

/**
 * libphonenumber's metadata (version 4), read here without its Metadata class: loading
 * `libphonenumber-js/core` for that class costs ~35 ms of the import process's start, and an import
 * whose numbers this file decides never needs it. Loaded through require, so that it is the very
 * object `libphonenumber-js/max` (required by phone.ts when the full parse is needed) uses.
 * A country's entry is an array; the indices are those of libphonenumber's `NumberingPlan` for v4.
 */
interface MetadataJson {
  version?: unknown;
  countries: Record<string, readonly unknown[] | undefined>;
}

const require = createRequire(import.meta.url);
const metadata = require('libphonenumber-js/metadata.max.json') as MetadataJson;

const CALLING_CODE = 0;
const POSSIBLE_LENGTHS = 3;
const NATIONAL_PREFIX = 5;
const NATIONAL_PREFIX_FOR_PARSING = 7;
const NATIONAL_PREFIX_TRANSFORM_RULE = 8;
const TYPES = 11;
/** Within TYPES: the MOBILE type, itself `[pattern, possibleLengths?]`. */
const MOBILE = 1;

const plans = new Map<string, Plan | null>();

function planFor(country: string): Plan | null {
  const known = plans.get(country);
  if (known !== undefined) return known;
  plans.set(country, readPlan(country));
  return plans.get(country) ?? null;
}

function readPlan(country: string): Plan | null {
  if (metadata.version !== 4 || country === '001' || !Object.hasOwn(metadata.countries, country)) return null;
  const numbering = metadata.countries[country];
  if (!numbering) return null;
  const callingCode = numbering[CALLING_CODE];
  const nationalPrefix = asString(numbering[NATIONAL_PREFIX]) || undefined;
  // libphonenumber: nationalPrefixForParsing() is the explicit one, else the national prefix.
  const forParsing = asString(numbering[NATIONAL_PREFIX_FOR_PARSING]) || asString(numbering[NATIONAL_PREFIX]);
  const types = numbering[TYPES];
  const mobile = Array.isArray(types) && types.length > 0 ? (types[MOBILE] as unknown) : undefined;
  if (typeof callingCode !== 'string' || !Array.isArray(mobile) || forParsing !== nationalPrefix || asString(numbering[NATIONAL_PREFIX_TRANSFORM_RULE])) return null;
  const pattern = asString(mobile[0]);
  // As libphonenumber's Type.possibleLengths(): the type's own, else the country's.
  const lengths = lengthsOf(mobile[1] || numbering[POSSIBLE_LENGTHS]);
  if (!pattern || !lengths) return null;
  try {
    return { callingCode, nationalPrefix, mobile: new RegExp(`^(?:${pattern})$`), mobileLengths: lengths };
  } catch {
    return null;
  }
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function lengthsOf(value: unknown): number[] | undefined {
  return Array.isArray(value) && value.every((length) => typeof length === 'number') ? value : undefined;
}

/** E.164 when `digits` (only digits, perhaps a leading `+`) is surely a mobile of `country`; else undefined. */
export function fastMobileE164(digits: string, country: string): string | undefined {
  const plan = planFor(country);
  if (!plan) return undefined;
  const { callingCode, nationalPrefix } = plan;
  const isMobile = (nsn: string): boolean => plan.mobileLengths.includes(nsn.length) && plan.mobile.test(nsn);
  if (digits.startsWith('+')) {
    const nsn = digits.slice(1 + callingCode.length);
    return digits.startsWith(callingCode, 1) && isMobile(nsn) ? `+${callingCode}${nsn}` : undefined;
  }
  if (digits.startsWith('00')) return undefined;
  const national = nationalPrefix !== undefined && digits.startsWith(nationalPrefix) ? digits.slice(nationalPrefix.length) : digits;
  if (isMobile(national)) return `+${callingCode}${national}`;
  if (digits.startsWith(callingCode) && isMobile(digits.slice(callingCode.length))) return `+${digits}`;
  return undefined;
}
