// What every screen can see: the profiles, the chosen one, and whether it is the demo.
import type { Profile } from "./api";

const PROFILE_KEY = "avstem.profile";

export const app = {
  profiles: [] as Profile[],
  profile: null as string | null,
  /** The month a fresh user most likely wants (the last one that is over), from Rust's clock. */
  defaultMonth: "",
};

export function currentProfile(): Profile | null {
  return app.profiles.find((p) => p.name === app.profile) ?? null;
}

export function isDemo(): boolean {
  return currentProfile()?.demo ?? false;
}

/** Keep the remembered profile if it still exists; otherwise the first one. */
export function chooseProfile(profiles: Profile[], remembered: string | null): string | null {
  if (remembered && profiles.some((p) => p.name === remembered)) return remembered;
  return profiles[0]?.name ?? null;
}

export function setProfiles(profiles: Profile[]): void {
  app.profiles = profiles;
  app.profile = chooseProfile(profiles, app.profile ?? storedProfile());
}

export function selectProfile(name: string): void {
  app.profile = name;
  try {
    localStorage.setItem(PROFILE_KEY, name);
  } catch {
    // No storage: remembered for this session only.
  }
}

function storedProfile(): string | null {
  try {
    return localStorage.getItem(PROFILE_KEY);
  } catch {
    return null;
  }
}
