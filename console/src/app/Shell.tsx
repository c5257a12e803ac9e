/** The signed-in frame: a header with the navigation (collapsed behind a Menu button on narrow screens) and the page. */
import { Suspense, useEffect, useRef, useState } from "react";
import type { ConsoleSession } from "../api/types";
import { Link } from "../router/Link";
import { navigate, useRoute } from "../router/router";
import { HOME, visiblePages, pages } from "./pages";

export interface ShellProps {
  session: ConsoleSession;
  onSignOut: () => void;
}

export function Shell({ session, onSignOut }: ShellProps) {
  const route = useRoute();
  const [menuOpen, setMenuOpen] = useState(false);
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  const allowed = visiblePages(session);
  const section = route.segments[0] ?? "";

  useEffect(() => {
    if (section === "") navigate(HOME, { replace: true });
  }, [section]);

  useEffect(() => {
    setMenuOpen(false);
    // After a navigation, a screen reader (and the keyboard) starts at the new page, not at the link.
    if (first.current) first.current = false;
    else main.current?.focus();
  }, [route.path]);

  const page = allowed.find((entry) => entry.path === section);
  const known = pages.some((entry) => entry.path === section);
  const Page = page?.component;
  const label = page?.label;

  useEffect(() => {
    document.title = label === undefined ? "Switchyard console" : `${label} · Switchyard console`;
  }, [label]);

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Switchyard</span>
        <button type="button" className="menu-button" aria-expanded={menuOpen} aria-controls="console-nav" onClick={() => setMenuOpen((open) => !open)}>
          Menu
        </button>
        <nav id="console-nav" aria-label="Console" className={menuOpen ? "nav open" : "nav"}>
          <ul>
            {allowed.map((entry) => (
              <li key={entry.path}>
                <Link to={entry.path} aria-current={entry.path === section ? "page" : undefined}>
                  {entry.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <span>
            {session.user.userId} <span className="role">({session.user.role})</span>
          </span>
          {session.user.kind === "local" ? null : (
            <button type="button" onClick={onSignOut}>
              Sign out
            </button>
          )}
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {Page !== undefined ? (
          <Suspense fallback={<p role="status">Loading…</p>}>
            <Page />
          </Suspense>
        ) : section === "" ? null : (
          <section>
            <h1>{known ? "Not available" : "Page not found"}</h1>
            <p>{known ? "This page is for administrators." : `There is no console page “${route.path}”.`}</p>
          </section>
        )}
      </main>
    </div>
  );
}
