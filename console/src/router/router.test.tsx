import { act, fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, test } from "vitest";
import { Link } from "./Link";
import { hrefOf, navigate, routeOf, useRoute } from "./router";

function Where() {
  const route = useRoute();
  return <p data-testid="where">{route.segments.join("|")}</p>;
}

describe("router", () => {
  test("reads the path below /console/", () => {
    expect(routeOf("/console/")).toEqual({ path: "", segments: [] });
    expect(routeOf("/console")).toEqual({ path: "", segments: [] });
    expect(routeOf("/console/requests/a%2Fb/")).toEqual({ path: "requests/a%2Fb", segments: ["requests", "a/b"] });
    expect(routeOf("/elsewhere")).toEqual({ path: "elsewhere", segments: ["elsewhere"] });
    expect(hrefOf("/keys")).toBe("/console/keys");
  });

  test("links navigate in place on a plain click and follow history", () => {
    render(
      <>
        <Link to="keys">Keys</Link>
        <Where />
      </>,
    );
    const link = screen.getByRole("link", { name: "Keys" });
    expect(link.getAttribute("href")).toBe("/console/keys");
    // A modified click is the browser's (a new tab), not ours.
    fireEvent.click(link, { ctrlKey: true });
    expect(window.location.pathname).toBe("/console/");
    fireEvent.click(link);
    expect(window.location.pathname).toBe("/console/keys");
    expect(screen.getByTestId("where").textContent).toBe("keys");
    act(() => navigate("usage", { replace: true }));
    expect(screen.getByTestId("where").textContent).toBe("usage");
  });
});
