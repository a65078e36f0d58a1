// Money, dates and masks for display. Amounts arrive as integer minor units (øre, cents) and become
// major units only here, at the very edge, formatted for the user's language.

export type Lang = "en" | "nb" | "da" | "fi";

/** BCP 47 tag for Intl: "1 234,50 kr" (Bokmål), "1.234,50 kr." (Danish), "1 234,50 €" (Finnish). */
export function intlLocale(lang: Lang): string {
  if (lang === "nb") return "nb-NO";
  if (lang === "da") return "da-DK";
  if (lang === "fi") return "fi-FI";
  return "en-GB";
}

const moneyFormats = new Map<string, Intl.NumberFormat>();

function moneyFormat(lang: Lang, currency: string): Intl.NumberFormat {
  const key = `${lang}|${currency}`;
  let f = moneyFormats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(intlLocale(lang), {
      style: "currency",
      currency: currency || "NOK",
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    });
    moneyFormats.set(key, f);
  }
  return f;
}

/**
 * Format minor units for display: `formatMoney(123450, "NOK", "nb")` → "1 234,50 kr".
 * The integer and fraction parts are split exactly, so no float rounding can change an øre.
 */
export function formatMoney(minor: number, currency: string, lang: Lang): string {
  if (!Number.isFinite(minor)) return "–";
  const negative = minor < 0;
  const abs = Math.abs(Math.trunc(minor));
  const whole = Math.floor(abs / 100);
  const cents = abs % 100;
  // A decimal string keeps the value exact for Intl (it accepts numeric strings).
  const decimal = `${negative ? "-" : ""}${whole}.${cents.toString().padStart(2, "0")}`;
  const parts = moneyFormat(lang, currency).formatToParts(decimal as unknown as number);
  if (lang === "en") return parts.map((p) => p.value).join("");
  // Norwegian, Danish and Finnish put the currency after the amount ("1 234,50 kr", "1.234,50 kr.",
  // "1 234,50 €"); older ICU data (e.g. WebKitGTK on Debian 12) may put it first or spell it otherwise,
  // so compose it explicitly from the parts.
  const symbol = localSymbol(lang, currency) ?? parts.find((p) => p.type === "currency")?.value ?? currency;
  const number = parts
    .filter((p) => p.type !== "currency" && p.type !== "literal")
    .map((p) => p.value)
    .join("");
  return `${number}\u00a0${symbol}`;
}

/** The symbol a local reader expects for the home currency; other currencies keep Intl's. */
function localSymbol(lang: Lang, currency: string): string | null {
  if (lang === "nb" && currency === "NOK") return "kr";
  if (lang === "da" && currency === "DKK") return "kr.";
  if (lang === "fi" && currency === "EUR") return "€";
  return null;
}

/** A plain number with two decimals and no currency, for compact table cells. */
export function formatAmount(minor: number, lang: Lang): string {
  const negative = minor < 0;
  const abs = Math.abs(Math.trunc(minor));
  const decimal = `${negative ? "-" : ""}${Math.floor(abs / 100)}.${(abs % 100).toString().padStart(2, "0")}`;
  return new Intl.NumberFormat(intlLocale(lang), {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  }).format(decimal as unknown as number);
}

export function formatCount(n: number, lang: Lang): string {
  return new Intl.NumberFormat(intlLocale(lang)).format(n);
}

/** "2022-10-01" → "1. okt. 2022" / "1 Oct 2022"; ledger dates are calendar dates, no time zone. */
export function formatDate(iso: string, lang: Lang, style: "short" | "long" = "short"): string {
  const d = parseIsoDate(iso);
  if (!d) return iso;
  return new Intl.DateTimeFormat(intlLocale(lang), {
    day: "numeric",
    month: style === "long" ? "long" : "short",
    year: "numeric",
    weekday: style === "long" ? "long" : undefined,
    timeZone: "UTC",
  }).format(d);
}

/** "2022-10" → "oktober 2022" / "October 2022". */
export function formatMonth(ym: string, lang: Lang): string {
  const d = parseIsoDate(`${ym}-01`);
  if (!d) return ym;
  return new Intl.DateTimeFormat(intlLocale(lang), { month: "long", year: "numeric", timeZone: "UTC" }).format(d);
}

/** An entry's time in the merchant's zone (derived from the currency), e.g. "14:03:22". */
export function formatTime(isoUtc: string, currency: string, lang: Lang): string {
  const d = new Date(isoUtc);
  if (Number.isNaN(d.getTime())) return isoUtc;
  return new Intl.DateTimeFormat(intlLocale(lang), {
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    timeZone: timeZoneForCurrency(currency),
  }).format(d);
}

export function timeZoneForCurrency(currency: string): string {
  if (currency === "DKK") return "Europe/Copenhagen";
  if (currency === "EUR") return "Europe/Helsinki";
  return "Europe/Oslo";
}

export function parseIsoDate(iso: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return null;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Show only the last four digits of a bank account: "1234.56.78903" → "•••• 8903". */
export function maskAccount(account: string): string {
  const digits = account.replace(/\D/g, "");
  if (digits.length <= 4) return digits ? `•••• ${digits}` : "";
  return `•••• ${digits.slice(-4)}`;
}

/** Norwegian organisation numbers read in groups of three: "987654321" → "987 654 321". */
export function formatOrgNumber(id: string): string {
  return /^\d{9}$/.test(id) ? `${id.slice(0, 3)} ${id.slice(3, 6)} ${id.slice(6)}` : id;
}

/** The month before/after "YYYY-MM". */
export function shiftMonth(ym: string, delta: number): string {
  const [y, m] = ym.split("-").map(Number);
  const total = y * 12 + (m - 1) + delta;
  const ny = Math.floor(total / 12);
  const nm = (total % 12) + 1;
  return `${ny.toString().padStart(4, "0")}-${nm.toString().padStart(2, "0")}`;
}

/** Every date of "YYYY-MM" as ISO strings. */
export function monthDates(ym: string): string[] {
  const [y, m] = ym.split("-").map(Number);
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const out: string[] = [];
  for (let d = 1; d <= days; d++) out.push(`${ym}-${d.toString().padStart(2, "0")}`);
  return out;
}

/** Monday-first weekday index (0 = Monday) of an ISO date. */
export function weekdayMondayFirst(iso: string): number {
  const d = parseIsoDate(iso);
  return d ? (d.getUTCDay() + 6) % 7 : 0;
}

