// Typed wrappers around the Rust commands: the only place the UI calls invoke().
import { invoke } from "@tauri-apps/api/core";

export interface AppInfo {
  name: string;
  version: string;
  dataDir: string;
}

export const api = {
  appInfo: () => invoke<AppInfo>("app_info"),
};
