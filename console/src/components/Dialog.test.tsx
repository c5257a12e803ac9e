import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, test } from "vitest";
import { Dialog } from "./Dialog";

function Harness() {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>
        Open
      </button>
      {open ? (
        <Dialog title="Settings" onClose={() => setOpen(false)}>
          <label htmlFor="d-first">First</label>
          <input id="d-first" />
          <button type="button">Last</button>
        </Dialog>
      ) : null}
    </>
  );
}

describe("Dialog", () => {
  test("takes the focus, keeps Tab inside, closes on Escape and gives the focus back", async () => {
    render(<Harness />);
    const opener = screen.getByRole("button", { name: "Open" });
    await userEvent.click(opener);
    const dialog = screen.getByRole("dialog", { name: "Settings" });
    expect(dialog.getAttribute("aria-modal")).toBe("true");
    // The page behind is out of reach: inert, and hidden from assistive technology (and from role queries).
    expect(opener.closest("[inert]")).not.toBeNull();
    expect(screen.queryByRole("button", { name: "Open" })).toBeNull();
    expect(document.activeElement).toBe(screen.getByLabelText("First"));
    await userEvent.tab();
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Last" }));
    await userEvent.tab();
    expect(document.activeElement).toBe(screen.getByLabelText("First"));
    await userEvent.tab({ shift: true });
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Last" }));
    await userEvent.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(opener.closest("[inert]")).toBeNull();
    expect(document.activeElement).toBe(opener);
  });

  test("a dialog with nothing to focus still closes on Escape", async () => {
    let closed = false;
    render(
      <Dialog title="Empty" onClose={() => (closed = true)}>
        <p>Nothing here</p>
      </Dialog>,
    );
    expect(document.activeElement).toBe(screen.getByRole("dialog"));
    await userEvent.keyboard("{Tab}{Escape}");
    expect(closed).toBe(true);
  });
});
