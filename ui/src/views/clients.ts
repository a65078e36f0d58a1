// The accountant's Clients overview: one row per granted ledger for a month, with status chips,
// sort, filter ("needs attention") and search. This file holds the pure parts (unit-tested); the
// rows come from Rust as figures in minor units and counts, never computed here.

import type { ClientRow } from "../bindings/ClientRow";
import type { LedgerOutcome } from "../bindings/LedgerOutcome";
import type { SyncedLedger } from "../bindings/SyncedLedger";
import type { SyncProgress } from "../bindings/SyncProgress";

export type { ClientRow };

export type ChipKind =
  | "synced"
  | "notSynced"
  | "open"
  | "failed"
  | "checks"
  | "negative"
  | "unknownTypes"
  | "notInBank";

export interface Chip {
  kind: ChipKind;
  /** Count shown in the chip (0: none shown). */
  count: number;
  /** Does this chip mean the accountant must look? */
  attention: boolean;
}

/** The chips of one row, in the order they are shown. */
export function chips(r: ClientRow): Chip[] {
  const out: Chip[] = [];
  out.push(r.synced ? { kind: "synced", count: 0, attention: false } : { kind: "notSynced", count: 0, attention: true });
  if (r.openDates > 0) out.push({ kind: "open", count: r.openDates, attention: false });
  if (r.failedDates > 0) out.push({ kind: "failed", count: r.failedDates, attention: true });
  if (r.failedChecks.length > 0) out.push({ kind: "checks", count: r.failedChecks.length, attention: true });
  if (r.negativeBalance) out.push({ kind: "negative", count: 0, attention: true });
  if (r.unknownTypes > 0) out.push({ kind: "unknownTypes", count: r.unknownTypes, attention: true });
  if (r.payoutsNotInBank > 0) out.push({ kind: "notInBank", count: r.payoutsNotInBank, attention: true });
  return out;
}

export function needsAttention(r: ClientRow): boolean {
  return chips(r).some((c) => c.attention);
}

export type SortKey = "client" | "ledgerId" | "sales" | "fees" | "paidOut" | "attention";

/** Match on the client's name, the ledger id, the organisation number or a sales unit. */
export function clientMatches(r: ClientRow, text: string): boolean {
  const q = text.trim().toLowerCase();
  if (!q) return true;
  const digits = q.replace(/\s/g, "");
  return (
    r.client.toLowerCase().includes(q) ||
    r.ledgerId.includes(digits) ||
    r.organisation.replace(/\s/g, "").includes(digits) ||
    r.salesUnits.some((u) => u.toLowerCase().includes(q))
  );
}

export interface ClientQuery {
  text: string;
  attentionOnly: boolean;
  sort: SortKey;
  descending: boolean;
}

/**
 * The rows shown: filtered, searched and sorted. Stable (ties keep ledger-id order), so 500 rows
 * re-sort the same way every time; amounts compare as integers within one currency, and rows
 * of different currencies sort by currency first.
 */
export function shownRows(rows: ClientRow[], q: ClientQuery): ClientRow[] {
  const kept = rows.filter((r) => (!q.attentionOnly || needsAttention(r)) && clientMatches(r, q.text));
  const dir = q.descending ? -1 : 1;
  const byId = (a: ClientRow, b: ClientRow) => (a.ledgerId < b.ledgerId ? -1 : a.ledgerId > b.ledgerId ? 1 : 0);
  const key = (a: ClientRow, b: ClientRow): number => {
    switch (q.sort) {
      case "client":
        return a.client.localeCompare(b.client, "nb");
      case "ledgerId":
        return byId(a, b);
      case "attention":
        return chips(a).filter((c) => c.attention).length - chips(b).filter((c) => c.attention).length;
      default: {
        if (a.currency !== b.currency) return a.currency < b.currency ? -1 : 1;
        const x = a[q.sort];
        const y = b[q.sort];
        return x < y ? -1 : x > y ? 1 : 0;
      }
    }
  };
  return kept
    .map((r, i) => ({ r, i }))
    .sort((a, b) => dir * key(a.r, b.r) || byId(a.r, b.r) || a.i - b.i)
    .map((x) => x.r);
}

/** Ledgers granted since the last visit: in `now`, not in what was seen before (none on a first visit). */
export function newlyGranted(seenBefore: string[] | null, now: string[]): string[] {
  if (seenBefore === null) return [];
  const before = new Set(seenBefore);
  return now.filter((id) => !before.has(id));
}

/** Ledgers that were there before and are gone now (a grant withdrawn). */
export function withdrawn(seenBefore: string[] | null, now: string[]): string[] {
  if (seenBefore === null) return [];
  const current = new Set(now);
  return seenBefore.filter((id) => !current.has(id));
}

/** Per-ledger progress of one Sync or Export over many ledgers. */
export type JobState = "waiting" | "running" | "done" | "failed" | "cancelled";

export interface JobRow {
  ledgerId: string;
  state: JobState;
  /** Why it failed, as a sentence from Rust. */
  error: string | null;
  /** Dates stored for this ledger so far. */
  dates: number;
  /** Export: the file written (relative to the chosen folder), and how many checks failed in it. */
  file?: string | null;
  checksFailed?: number;
}

export interface JobTotals {
  done: number;
  failed: number;
  waiting: number;
  running: number;
  cancelled: number;
}

export function jobTotals(rows: JobRow[]): JobTotals {
  const t: JobTotals = { done: 0, failed: 0, waiting: 0, running: 0, cancelled: 0 };
  for (const r of rows) t[r.state] += 1;
  return t;
}

/** "Retry the failed ones": the ledgers to run again. */
export function retryable(rows: JobRow[]): string[] {
  return rows.filter((r) => r.state === "failed" || r.state === "cancelled").map((r) => r.ledgerId);
}

/** A fresh job over `ids`: every ledger waiting. */
export function startJob(ids: string[]): JobRow[] {
  return ids.map((ledgerId) => ({ ledgerId, state: "waiting", error: null, dates: 0 }));
}

/**
 * One progress event: the ledger whose date was just stored is running and has one more date
 * (events carry the running totals, so a date is counted once per event that moved them).
 */
export function applyProgress(rows: JobRow[], p: SyncProgress, previousDone: number): JobRow[] {
  if (!p.currentLedger || p.datesDone + p.datesFailed <= previousDone) return rows;
  return rows.map((r): JobRow =>
    r.ledgerId === p.currentLedger ? { ...r, state: r.state === "waiting" ? "running" : r.state, dates: r.dates + 1 } : r,
  );
}

/**
 * The end of a Sync: each ledger done, or failed with Rust's sentence. After Cancel no ledger is
 * known to be complete, so the rest are "cancelled" (retrying them fetches only what is missing).
 */
export function finishSync(rows: JobRow[], outcomes: SyncedLedger[], cancelled: boolean): JobRow[] {
  const by = new Map(outcomes.map((o) => [o.ledgerId, o]));
  return rows.map((r): JobRow => {
    const o = by.get(r.ledgerId);
    if (o && o.failedDates > 0) return { ...r, state: "failed", error: o.error };
    if (cancelled || !o) return { ...r, state: "cancelled" };
    return { ...r, state: "done", error: null };
  });
}

/** The end of an Export: written (checks may have failed: the file says which), or not, and why. */
export function finishExport(rows: JobRow[], outcomes: LedgerOutcome[]): JobRow[] {
  const by = new Map(outcomes.map((o) => [o.ledgerId, o]));
  return rows.map((r): JobRow => {
    const o = by.get(r.ledgerId);
    if (!o) return { ...r, state: "failed" };
    if (o.state === "notWritten") return { ...r, state: "failed", error: o.error };
    return { ...r, state: "done", error: null, file: o.file, checksFailed: o.failedChecks.length };
  });
}

/** Dates a second, over the whole job. */
export function overallRate(datesDone: number, elapsedMs: number): number {
  return elapsedMs > 0 ? Math.round((datesDone * 1000) / elapsedMs) : 0;
}
