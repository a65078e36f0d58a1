// A virtualized list: a day can hold 30,000 entries, but only the rows in view (plus a margin) exist
// in the DOM. Rows are fetched from Rust a page at a time, as the user scrolls to them.

export interface Window {
  first: number;
  count: number;
}

/** Which rows to render for a viewport; pure, so it is unit-tested. */
export function visibleWindow(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  total: number,
  overscan = 10,
): Window {
  if (total <= 0 || rowHeight <= 0) return { first: 0, count: 0 };
  const top = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const visible = Math.ceil(Math.max(viewportHeight, rowHeight) / rowHeight) + 2 * overscan;
  const first = Math.min(top, Math.max(0, total - 1));
  return { first, count: Math.max(0, Math.min(visible, total - first)) };
}

/** The pages (of `pageSize` rows) a window needs. */
export function pagesFor(w: Window, pageSize: number): number[] {
  if (w.count === 0) return [];
  const firstPage = Math.floor(w.first / pageSize);
  const lastPage = Math.floor((w.first + w.count - 1) / pageSize);
  const out: number[] = [];
  for (let p = firstPage; p <= lastPage; p++) out.push(p);
  return out;
}

export interface VirtualOptions<T> {
  viewport: HTMLElement;
  rowHeight: number;
  pageSize: number;
  fetchPage: (offset: number, limit: number) => Promise<{ total: number; rows: T[] }>;
  renderRow: (row: T, index: number) => HTMLElement;
  renderPlaceholder: (index: number) => HTMLElement;
  onTotal?: (total: number) => void;
  onError?: (e: unknown) => void;
}

export class VirtualRows<T> {
  private pages = new Map<number, T[]>();
  private loading = new Set<number>();
  private total = 0;
  private generation = 0;
  private readonly spacer: HTMLElement;
  private readonly layer: HTMLElement;
  private frame = 0;

  constructor(private readonly o: VirtualOptions<T>) {
    this.spacer = document.createElement("div");
    this.spacer.className = "vspacer";
    this.layer = document.createElement("div");
    this.layer.className = "vlayer";
    this.layer.setAttribute("role", "rowgroup");
    o.viewport.append(this.spacer, this.layer);
    o.viewport.addEventListener("scroll", () => this.schedule());
    new ResizeObserver(() => this.schedule()).observe(o.viewport);
  }

  /** Forget every page (new filter or sort) and load from the top. */
  async reset(): Promise<void> {
    this.generation++;
    this.pages.clear();
    this.loading.clear();
    this.o.viewport.scrollTop = 0;
    await this.load(0);
    this.render();
  }

  /** Rows currently in the DOM (the e2e suite checks this stays bounded). */
  renderedRows(): number {
    return this.layer.childElementCount;
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private async load(page: number): Promise<void> {
    if (this.pages.has(page) || this.loading.has(page)) return;
    const gen = this.generation;
    this.loading.add(page);
    try {
      const { total, rows } = await this.o.fetchPage(page * this.o.pageSize, this.o.pageSize);
      if (gen !== this.generation) return;
      this.pages.set(page, rows);
      if (total !== this.total) {
        this.total = total;
        this.o.onTotal?.(total);
      }
    } catch (e) {
      this.o.onError?.(e);
    } finally {
      this.loading.delete(page);
    }
  }

  private render(): void {
    const { viewport, rowHeight, pageSize } = this.o;
    this.spacer.style.height = `${this.total * rowHeight}px`;
    const w = visibleWindow(viewport.scrollTop, viewport.clientHeight, rowHeight, this.total);
    this.layer.style.transform = `translateY(${w.first * rowHeight}px)`;
    const rows: HTMLElement[] = [];
    let missing = false;
    for (let i = w.first; i < w.first + w.count; i++) {
      const page = this.pages.get(Math.floor(i / pageSize));
      const row = page?.[i % pageSize];
      if (row === undefined) missing = true;
      rows.push(row === undefined ? this.o.renderPlaceholder(i) : this.o.renderRow(row, i));
    }
    this.layer.replaceChildren(...rows);
    if (missing) {
      const gen = this.generation;
      void Promise.all(pagesFor(w, pageSize).map((p) => this.load(p))).then(() => {
        if (gen === this.generation) this.schedule();
      });
    }
  }
}
