import "./style.css";
import { api } from "./api";

async function start(): Promise<void> {
  const root = document.getElementById("app");
  if (!root) return;
  root.innerHTML = `
    <main class="welcome">
      <h1>Avstem</h1>
      <p class="lead">Explain every Vipps MobilePay payout: sales, refunds and fees, reconciled to the øre.</p>
      <p id="version" class="muted">…</p>
    </main>`;
  const version = root.querySelector<HTMLElement>("#version");
  try {
    const info = await api.appInfo();
    if (version) version.textContent = `Version ${info.version}`;
    document.body.dataset.ready = "true";
  } catch (e) {
    if (version) version.textContent = `Could not talk to the app: ${String(e)}`;
  }
}

void start();
