/**
 * A modal dialog: labelled by its title, focus moved in on open and back to where it was on close, Tab kept inside,
 * Escape closes, and the page behind it inert and hidden from assistive technology while it is open (it is rendered
 * beside the page, at the end of <body>). Not the native <dialog>: its showModal is missing where the tests run.
 */
import { useEffect, useId, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import { createPortal } from "react-dom";

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

export interface DialogProps {
  title: string;
  onClose: () => void;
  children: ReactNode;
  /** "alertdialog" for a confirmation. */
  role?: "dialog" | "alertdialog";
}

export function Dialog({ title, onClose, children, role = "dialog" }: DialogProps) {
  const titleId = useId();
  const box = useRef<HTMLDivElement>(null);
  const [host] = useState(() => document.createElement("div"));

  useLayoutEffect(() => {
    document.body.append(host);
    const behind = [...document.body.children].filter((element) => element !== host && element.tagName !== "SCRIPT" && !element.hasAttribute("inert"));
    for (const element of behind) {
      element.setAttribute("inert", "");
      element.setAttribute("aria-hidden", "true");
    }
    return () => {
      for (const element of behind) {
        element.removeAttribute("inert");
        element.removeAttribute("aria-hidden");
      }
      host.remove();
    };
  }, [host]);

  useEffect(() => {
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const first = box.current?.querySelector<HTMLElement>("[data-autofocus]") ?? box.current?.querySelector<HTMLElement>(FOCUSABLE);
    // With nothing to focus inside, the dialog itself takes the focus, so Escape still reaches it.
    (first ?? box.current)?.focus();
    return () => before?.focus();
  }, []);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      onClose();
      return;
    }
    if (event.key !== "Tab" || box.current === null) return;
    const items = [...box.current.querySelectorAll<HTMLElement>(FOCUSABLE)];
    const first = items[0];
    const last = items[items.length - 1];
    if (first === undefined || last === undefined) {
      event.preventDefault();
      return;
    }
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  };

  return createPortal(
    <div className="dialog-backdrop">
      <div className="dialog" role={role} aria-modal="true" aria-labelledby={titleId} ref={box} onKeyDown={onKeyDown} tabIndex={-1}>
        <h2 id={titleId}>{title}</h2>
        {children}
      </div>
    </div>,
    host,
  );
}
