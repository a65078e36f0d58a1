// The Clients screen: the first screen with accounting keys. One row per shop/account a business has
// granted, for a month: the name the accountant gives the client (saved), organisation number,
// sales units, currency, how often it is paid out, status chips and the month's figures; sort,
// search, "needs attention"; select many → Sync or Export with one progress view (per client,
// overall rate, cancel, what failed and why, retry). Every figure and sentence comes from Rust.
import { api, type SyncProgress, type UserError } from "../api";
import type { ExportFormat } from "../bindings/ExportFormat";
import { h, replace } from "../dom";
import { formatCount, formatMonth, formatOrgNumber, shiftMonth } from "../format";
import { lang, t, type MessageKey } from "../i18n";
import { href } from "../router";
import { app } from "../state";
import {
  applyProgress,
  chips,
  finishExport,
  finishSync,
  jobTotals,
  newlyGranted,
  overallRate,
  retryable,
  shownRows,
  startJob,
  withdrawn,
  type Chip,
  type ClientQuery,
  type ClientRow,
  type JobRow,
  type SortKey,
} from "./clients";
import { loading, money, screen } from "./common";
import { errorBox } from "./errors";

const SEEN_KEY = "avstem.clients.seen.";

function seenBefore(profile: string): string[] | null {
  try {
    const raw = localStorage.getItem(SEEN_KEY + profile);
    return raw ? (JSON.parse(raw) as string[]) : null;
  } catch {
    return null;
  }
}

function rememberSeen(profile: string, ids: string[]): void {
  try {
    localStorage.setItem(SEEN_KEY + profile, JSON.stringify(ids));
  } catch {
    // No storage: every visit is a first visit.
  }
}

function chipEl(c: Chip, r: ClientRow): HTMLElement {
  const label = t(`clients.chip.${c.kind}` as MessageKey, { count: c.count });
  let title = t(`clients.chip.${c.kind}.title` as MessageKey, { count: c.count });
  if (c.kind === "open" && r.openReason) title = r.openReason;
  if (c.kind === "failed" && r.failedReason) title = r.failedReason;
  if (c.kind === "checks") title = r.failedChecks.join("; ");
  return h("span", { class: `chip chip-client-${c.kind}${c.attention ? " attention" : ""}`, title, "data-chip": c.kind }, label);
}

interface Job {
  kind: "sync" | "export";
  ids: string[];
  rows: JobRow[];
  started: number;
  seen: number;
  progress: SyncProgress | null;
  cancelled: boolean;
  finished: boolean;
  error: UserError | null;
  overview: string | null;
  folder: string | null;
}

export function clientsView(root: HTMLElement, month: string): void {
  const profile = app.profile;
  if (!profile) {
    location.hash = "#/welcome";
    return;
  }
  let rows: ClientRow[] = [];
  const selected = new Set<string>();
  const query: ClientQuery = { text: "", attentionOnly: false, sort: "client", descending: false };
  let job: Job | null = null;
  let format: ExportFormat = "xlsx";

  const list = h("div", { class: "clients-list", "data-testid": "clients-list" }, loading());
  const announce = h("div", { class: "status", "aria-live": "polite", "data-testid": "clients-announce" });
  const count = h("span", { class: "muted", "data-testid": "clients-count" });
  const search = h("input", { type: "search", placeholder: t("clients.search"), "aria-label": t("clients.search"), "data-testid": "clients-search" });
  const attention = h("input", { type: "checkbox", "data-testid": "clients-attention" });
  const syncButton = h("button", { type: "button", class: "primary", "data-testid": "clients-sync" }, t("clients.sync"));
  const exportButton = h("button", { type: "button", class: "secondary", "data-testid": "clients-export" }, t("clients.export"));
  const formatSelect = h(
    "select",
    { "aria-label": t("export.format"), "data-testid": "clients-format" },
    (["xlsx", "csv", "saft", "gbat10", "csv-journal", "economic"] as ExportFormat[]).map((f) => h("option", { value: f }, t(`export.f.${f}` as MessageKey))),
  );
  formatSelect.addEventListener("change", () => (format = formatSelect.value as ExportFormat));
  const refreshButton = h("button", { type: "button", class: "secondary", "data-testid": "clients-refresh" }, t("ledgers.refresh"));
  const jobBox = h("div", { class: "clients-job", "data-testid": "clients-job", hidden: true });

  const chosen = () => (selected.size ? rows.filter((r) => selected.has(r.ledgerId)).map((r) => r.ledgerId) : []);
  const updateButtons = () => {
    const n = selected.size;
    const busy = job !== null && !job.finished;
    syncButton.textContent = n ? t("clients.syncSelected", { count: n }) : t("clients.syncAll");
    exportButton.textContent = n ? t("clients.exportSelected", { count: n }) : t("clients.exportAll");
    syncButton.disabled = busy || rows.length === 0;
    exportButton.disabled = busy || rows.length === 0;
  };

  const nameCell = (r: ClientRow): HTMLElement => {
    const cell = h("td", { class: "client-name" });
    const show = () => {
      replace(
        cell,
        h("a", { href: href({ name: "month", ledgerId: r.ledgerId, month }), class: "strong", "data-testid": `client-${r.ledgerId}` }, r.client),
        h("button", { type: "button", class: "link-button small", "data-testid": `rename-${r.ledgerId}`, "aria-label": t("clients.rename", { name: r.client }), onclick: edit }, t("clients.renameShort")),
        r.salesUnits.length > 1 || r.named ? h("div", { class: "muted small" }, r.salesUnits.join(", ")) : null,
      );
    };
    const edit = () => {
      const input = h("input", { type: "text", value: r.client, maxlength: 80, "aria-label": t("clients.nameLabel"), "data-testid": `name-input-${r.ledgerId}` });
      const why = h("span", { class: "bad small", role: "alert" });
      let done = false;
      const save = async () => {
        if (done) return;
        done = true;
        try {
          await api.setClientName(r.ledgerId, input.value);
          const fresh = await api.clientsOverview(profile, month);
          const again = fresh.find((x) => x.ledgerId === r.ledgerId);
          if (again) Object.assign(r, again);
          show();
          if (deferred) render();
        } catch (e) {
          done = false;
          why.textContent = (e as UserError).message;
        }
      };
      input.addEventListener("keydown", (ev) => {
        if (ev.key === "Enter") void save();
        if (ev.key === "Escape") {
          done = true;
          show();
          if (deferred) render();
        }
      });
      input.addEventListener("blur", () => void save());
      replace(cell, input, why);
      input.focus();
      input.select();
    };
    show();
    return cell;
  };

  const rowEl = (r: ClientRow): HTMLElement => {
    const box = h("input", { type: "checkbox", "aria-label": t("clients.select", { name: r.client }), checked: selected.has(r.ledgerId), "data-testid": `select-${r.ledgerId}` });
    box.addEventListener("change", () => {
      if (box.checked) selected.add(r.ledgerId);
      else selected.delete(r.ledgerId);
      updateButtons();
    });
    return h(
      "tr",
      { "data-testid": "client-row", "data-ledger": r.ledgerId },
      h("td", {}, box),
      nameCell(r),
      h("td", { class: "mono" }, formatOrgNumber(r.organisation)),
      h("td", { class: "small" }, r.currency, r.frequency ? h("div", { class: "muted" }, t(`clients.freq.${r.frequency}` as MessageKey)) : null),
      h("td", {}, h("div", { class: "chips" }, chips(r).map((c) => chipEl(c, r)))),
      // A client not synced yet has no figures: a dash, not zeros dressed as figures.
      ...[r.sales, r.fees, r.paidOut].map((m) =>
        h("td", { class: "num" }, r.synced ? money(m, r.currency) : h("span", { class: "muted", title: t("clients.notFetched") }, "–")),
      ),
    );
  };

  const sortHead = (key: SortKey, label: string, cls = ""): HTMLElement => {
    const active = query.sort === key;
    const aria = active ? (query.descending ? "descending" : "ascending") : "none";
    return h(
      "th",
      { scope: "col", class: cls, "aria-sort": aria },
      h(
        "button",
        {
          type: "button",
          class: "link-button sort",
          "data-testid": `sort-${key}`,
          onclick: () => {
            query.descending = query.sort === key ? !query.descending : key !== "client" && key !== "ledgerId";
            query.sort = key;
            render();
          },
        },
        label,
      ),
    );
  };

  let frame = 0;
  let deferred = false;
  const render = () => {
    // A name being typed is not thrown away by a refresh that lands meanwhile: render after it.
    const active = document.activeElement;
    if (active instanceof HTMLInputElement && active.type === "text" && list.contains(active)) {
      deferred = true;
      return;
    }
    deferred = false;
    const shown = shownRows(rows, query);
    count.textContent = t("clients.count", { count: shown.length, total: rows.length });
    updateButtons();
    if (rows.length === 0) {
      replace(list, h("p", { class: "notice", "data-testid": "clients-empty" }, t("ledgers.noneGranted")));
      return;
    }
    const all = h("input", { type: "checkbox", "aria-label": t("clients.selectShown"), "data-testid": "select-shown", checked: shown.length > 0 && shown.every((r) => selected.has(r.ledgerId)) });
    all.addEventListener("change", () => {
      for (const r of shown) {
        if (all.checked) selected.add(r.ledgerId);
        else selected.delete(r.ledgerId);
      }
      render();
    });
    replace(
      list,
      shown.length === 0
        ? h("p", { class: "muted" }, t("clients.noMatch"))
        : h(
            "table",
            { class: "table clients" },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                h("th", { scope: "col" }, all),
                sortHead("client", t("clients.client")),
                h("th", { scope: "col" }, t("clients.org")),
                h("th", { scope: "col" }, t("ledgers.currency")),
                sortHead("attention", t("clients.status")),
                sortHead("sales", t("clients.sales"), "num"),
                sortHead("fees", t("clients.fees"), "num"),
                sortHead("paidOut", t("clients.paidOut"), "num"),
              ),
            ),
            h("tbody", {}, shown.map(rowEl)),
          ),
    );
  };
  // Typing re-renders at most once a frame, so 500 rows stay smooth.
  const soon = () => {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      render();
    });
  };
  search.addEventListener("input", () => {
    query.text = search.value;
    soon();
  });
  attention.addEventListener("change", () => {
    query.attentionOnly = attention.checked;
    render();
  });

  const load = async () => {
    try {
      rows = await api.clientsOverview(profile, month);
      if (!root.isConnected) return;
      render();
    } catch (e) {
      replace(list, errorBox(e as UserError, () => void load()));
    }
  };

  const announceGrants = (ids: string[], names: Map<string, string>) => {
    const before = seenBefore(profile);
    const added = newlyGranted(before, ids);
    const gone = withdrawn(before, ids);
    rememberSeen(profile, ids);
    replace(
      announce,
      added.length
        ? h("p", { class: "notice", "data-testid": "clients-new" }, t("clients.new", { count: added.length, names: added.map((id) => names.get(id) ?? id).join(", ") }))
        : null,
      gone.length ? h("p", { class: "warn", "data-testid": "clients-gone" }, t("clients.gone", { count: gone.length, ids: gone.join(", ") })) : null,
    );
  };

  const refresh = async () => {
    refreshButton.disabled = true;
    try {
      const ledgers = await api.refreshLedgers(profile);
      const names = new Map(ledgers.map((l) => [l.ledgerId, l.salesUnits[0]?.name ?? l.ledgerId]));
      announceGrants(ledgers.map((l) => l.ledgerId).sort(), names);
      await load();
    } catch (e) {
      replace(announce, errorBox(e as UserError, () => void refresh()));
    } finally {
      refreshButton.disabled = false;
    }
  };
  refreshButton.addEventListener("click", () => void refresh());

  const renderJob = () => {
    if (!job) return;
    jobBox.hidden = false;
    const j = job;
    const totals = jobTotals(j.rows);
    const p = j.progress;
    const rate = overallRate(p ? p.datesDone : 0, Date.now() - j.started);
    const l = lang();
    const names = new Map(rows.map((r) => [r.ledgerId, r.client]));
    const bar = h("progress", { max: Math.max(1, p?.datesTotal ?? 1), value: p?.datesDone ?? 0, "data-testid": "clients-progress", "aria-label": t("clients.progress") });
    const line = j.finished
      ? t(j.kind === "sync" ? "clients.syncFinished" : "clients.exportFinished", { done: totals.done, failed: totals.failed, cancelled: totals.cancelled })
      : t("clients.running", { done: formatCount(p?.datesDone ?? 0, l), total: formatCount(p?.datesTotal ?? 0, l), rate: formatCount(rate, l) });
    const retry = retryable(j.rows);
    replace(
      jobBox,
      h("h2", {}, t(j.kind === "sync" ? "clients.syncTitle" : "clients.exportTitle", { count: j.ids.length })),
      h("div", { class: "progress" }, bar, h("span", { class: "muted", "data-testid": "clients-progress-text" }, line)),
      h(
        "div",
        { class: "toolbar" },
        !j.finished ? h("button", { type: "button", class: "secondary", "data-testid": "clients-cancel", onclick: () => void cancel() }, t("month.cancel")) : null,
        j.finished && retry.length ? h("button", { type: "button", class: "primary", "data-testid": "clients-retry", onclick: () => void run(j.kind, retry) }, t("clients.retry", { count: retry.length })) : null,
        j.finished && j.folder ? h("button", { type: "button", class: "secondary", onclick: () => void api.revealFile(j.overview ? `${j.folder}/${j.overview}` : j.folder ?? "") }, t("export.openFolder")) : null,
      ),
      j.error ? errorBox(j.error) : null,
      h(
        "table",
        { class: "table small job-rows" },
        h("tbody", {}, j.rows.map((r) =>
          h(
            "tr",
            { "data-testid": "job-row", "data-ledger": r.ledgerId, "data-state": r.state },
            h("td", {}, names.get(r.ledgerId) ?? r.ledgerId),
            h("td", {}, h("span", { class: `chip chip-job-${r.state}` }, t(`clients.job.${r.state}` as MessageKey))),
            h("td", { class: "num" }, r.dates ? t("clients.jobDates", { count: r.dates }) : ""),
            h("td", { class: r.error ? "bad" : "muted" }, r.error ?? (r.file ? r.file + (r.checksFailed ? ` · ${t("clients.jobChecks", { count: r.checksFailed })}` : "") : "")),
          ),
        )),
      ),
    );
  };

  const cancel = async () => {
    if (job) job.cancelled = true;
    await api.cancelSync();
  };

  const run = async (kind: "sync" | "export", ids: string[]) => {
    let folder: string | null = null;
    if (kind === "export") {
      try {
        folder = await api.chooseClientsFolder();
      } catch (e) {
        replace(announce, errorBox(e as UserError));
        return;
      }
      if (!folder) return;
    }
    const targets = ids.length ? ids : rows.map((r) => r.ledgerId);
    const j: Job = { kind, ids: targets, rows: startJob(targets), started: Date.now(), seen: 0, progress: null, cancelled: false, finished: false, error: null, overview: null, folder };
    job = j;
    updateButtons();
    renderJob();
    const unlisten = await api.onSyncProgress((p) => {
      j.rows = applyProgress(j.rows, p, j.seen);
      j.seen = p.datesDone + p.datesFailed;
      j.progress = p;
      if (root.isConnected) renderJob();
    });
    try {
      if (kind === "sync") {
        const out = await api.clientsSync(profile, month, ids);
        j.rows = finishSync(j.rows, out, j.cancelled);
      } else {
        const s = await api.clientsExport({ profile, month, ledgerIds: ids, format, folder: folder ?? "", sync: true });
        j.rows = finishExport(j.rows, s.ledgers);
        j.overview = s.overview;
        if (s.overviewError) j.error = { kind: "io", message: s.overviewError, contextId: null };
      }
    } catch (e) {
      j.error = e as UserError;
      j.rows = j.rows.map((r) => (r.state === "done" ? r : { ...r, state: "failed" }));
    } finally {
      unlisten();
      j.finished = true;
      if (root.isConnected) {
        renderJob();
        updateButtons();
        void load();
      }
    }
  };
  syncButton.addEventListener("click", () => void run("sync", chosen()));
  exportButton.addEventListener("click", () => void run("export", chosen()));

  const monthNav = h(
    "div",
    { class: "toolbar month-nav" },
    h("a", { href: href({ name: "clients", month: shiftMonth(month, -1) }), class: "button secondary", "data-testid": "clients-prev" }, t("clients.prevMonth")),
    h("a", { href: href({ name: "clients", month: shiftMonth(month, 1) }), class: "button secondary", "data-testid": "clients-next" }, t("clients.nextMonth")),
  );
  root.replaceChildren(
    screen(
      t("clients.title", { month: formatMonth(month, lang()) }),
      h("p", { class: "lead" }, t("clients.lead")),
      monthNav,
      announce,
      h(
        "div",
        { class: "toolbar" },
        search,
        h("label", { class: "inline" }, attention, t("clients.attention")),
        count,
        h("span", { class: "spacer" }),
        refreshButton,
      ),
      h("div", { class: "toolbar" }, syncButton, formatSelect, exportButton),
      jobBox,
      list,
    ),
  );
  document.body.dataset.clientsMonth = month;
  delete document.body.dataset.clientsRefreshed;
  void (async () => {
    await load();
    const keyless = app.profiles.find((p) => p.name === profile)?.kind === "files";
    if (keyless) return;
    // Ask Vipps MobilePay which shops/accounts are granted now, and say what changed since last time.
    await refresh();
    document.body.dataset.clientsRefreshed = month;
  })();
}
