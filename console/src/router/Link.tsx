import type { AnchorHTMLAttributes, MouseEvent, ReactNode } from "react";
import { hrefOf, navigate } from "./router";

export interface LinkProps extends Omit<AnchorHTMLAttributes<HTMLAnchorElement>, "href"> {
  /** A console path such as "keys" or "requests/abc". */
  to: string;
  children: ReactNode;
}

/** A real link (open in a new tab works) that navigates in place on a plain click. */
export function Link({ to, children, onClick, ...rest }: LinkProps) {
  const handle = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a href={hrefOf(to)} onClick={handle} {...rest}>
      {children}
    </a>
  );
}
