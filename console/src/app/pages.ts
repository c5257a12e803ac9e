/**
 * The console's pages in navigation order: who may see each (admin-only pages are hidden from users) and the
 * feature flag it needs. Every page is loaded on first visit, so the charts library stays out of the first chunk.
 */
import { lazy, type ComponentType, type LazyExoticComponent } from "react";
import type { ConsoleSession } from "../api/types";

export interface PageEntry {
  path: string;
  label: string;
  adminOnly: boolean;
  feature?: keyof ConsoleSession["features"];
  component: LazyExoticComponent<ComponentType>;
}

export const pages: readonly PageEntry[] = [
  { path: "keys", label: "Keys", adminOnly: false, component: lazy(() => import("../pages/keys/KeysPage").then((m) => ({ default: m.KeysPage }))) },
  { path: "usage", label: "Usage", adminOnly: false, component: lazy(() => import("../pages/usage/UsagePage").then((m) => ({ default: m.UsagePage }))) },
  { path: "engines", label: "Engines", adminOnly: true, component: lazy(() => import("../pages/engines/EnginesPage").then((m) => ({ default: m.EnginesPage }))) },
  { path: "requests", label: "Requests", adminOnly: false, component: lazy(() => import("../pages/requests/RequestsPage").then((m) => ({ default: m.RequestsPage }))) },
  {
    path: "experiments",
    label: "Experiments",
    adminOnly: true,
    feature: "experiments",
    component: lazy(() => import("../pages/experiments/ExperimentsPage").then((m) => ({ default: m.ExperimentsPage }))),
  },
  { path: "documents", label: "Documents", adminOnly: false, component: lazy(() => import("../pages/documents/DocumentsPage").then((m) => ({ default: m.DocumentsPage }))) },
  { path: "playground", label: "Playground", adminOnly: false, component: lazy(() => import("../pages/playground/PlaygroundPage").then((m) => ({ default: m.PlaygroundPage }))) },
];

export const HOME = "usage";

/** The pages this session may open. A feature flag that is absent counts as on. */
export function visiblePages(session: ConsoleSession): PageEntry[] {
  return pages.filter((page) => (!page.adminOnly || session.user.role === "admin") && (page.feature === undefined || session.features[page.feature] !== false));
}
