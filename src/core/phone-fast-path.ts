import { Metadata } from 'libphonenumber-js/core';
import metadata from 'libphonenumber-js/metadata.max.json';

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

/** The slice of libphonenumber's (untyped) numbering-plan API this file reads. */
interface NumberingPlanApi {
  callingCode(): string;
  nationalPrefix(): string | undefined;
  nationalPrefixForParsing(): string | undefined;
  nationalPrefixTransformRule(): string | undefined;
  possibleLengths(): number[];
  type(name: 'MOBILE'): { pattern(): string; possibleLengths(): number[] | undefined } | undefined;
}

const plans = new Map<string, Plan | null>();
const library = new Metadata(metadata);

function planFor(country: string): Plan | null {
  const known = plans.get(country);
  if (known !== undefined) return known;
  let plan: Plan | null = null;
  try {
    library.selectNumberingPlan(country as Parameters<Metadata['selectNumberingPlan']>[0]);
    const numbering = library.numberingPlan as unknown as NumberingPlanApi | undefined;
    const mobile = numbering?.type('MOBILE');
    const nationalPrefix = numbering?.nationalPrefix() || undefined;
    const simplePrefix = numbering !== undefined && (numbering.nationalPrefixForParsing() ?? undefined) === nationalPrefix;
    if (numbering && mobile && mobile.pattern() !== '' && simplePrefix && !numbering.nationalPrefixTransformRule()) {
      plan = {
        callingCode: numbering.callingCode(),
        nationalPrefix,
        mobile: new RegExp(`^(?:${mobile.pattern()})$`),
        mobileLengths: mobile.possibleLengths() ?? numbering.possibleLengths(),
      };
    }
  } catch {
    plan = null;
  }
  plans.set(country, plan);
  return plan;
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
