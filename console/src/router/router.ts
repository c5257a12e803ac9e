/**
 * The console's routing on the History API: every page is a path under /console/ (the gateway answers any such
 * path with index.html), so a reload or a shared link opens the same page.
 */
import { useSyncExternalStore } from "react";

export const BASE = "/console/";
const CHANGE = "console:navigate";

export interface Route {
  /** The path below /console/, without slashes at either end: "", "keys", "requests/abc". */
  path: string;
  segments: string[];
}

/** The full URL path of a console page. */
export function hrefOf(to: string): string {
  return BASE + to.replace(/^\/+/, "");
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const href = hrefOf(to);
  if (options.replace === true) window.history.replaceState(null, "", href);
  else window.history.pushState(null, "", href);
  window.dispatchEvent(new Event(CHANGE));
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener("popstate", onChange);
  window.addEventListener(CHANGE, onChange);
  return () => {
    window.removeEventListener("popstate", onChange);
    window.removeEventListener(CHANGE, onChange);
  };
}

const pathname = () => window.location.pathname;

export function routeOf(fullPath: string): Route {
  const below = fullPath.startsWith(BASE) ? fullPath.slice(BASE.length) : fullPath === BASE.slice(0, -1) ? "" : fullPath.replace(/^\/+/, "");
  const path = below.replace(/\/+$/, "");
  return { path, segments: path === "" ? [] : path.split("/").map(decodeURIComponent) };
}

export function useRoute(): Route {
  const full = useSyncExternalStore(subscribe, pathname, pathname);
  return routeOf(full);
}
