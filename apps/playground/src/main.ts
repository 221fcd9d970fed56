import "./style.css";
import { describeBackend, initBackend } from "./backend.js";

/** A demo module: `mount` builds its UI into the panel (called once, on the tab's first activation). */
export interface Demo {
  mount(panel: HTMLElement): void | Promise<void>;
}

const DEMOS: Record<string, () => Promise<Demo>> = {
  sorting: () => import("./demos/sorting.js"),
  rendering: () => import("./demos/rendering.js"),
  logic: () => import("./demos/logic.js"),
  ranking: () => import("./demos/ranking.js"),
};

const params = new URLSearchParams(location.search);
const backendOut = document.getElementById("backend") as HTMLOutputElement;
const backendChoice = document.getElementById("backend-choice") as HTMLSelectElement;
backendChoice.value = params.get("backend") ?? "auto";
backendChoice.addEventListener("change", () => {
  const next = new URLSearchParams(location.search);
  if (backendChoice.value === "auto") next.delete("backend");
  else next.set("backend", backendChoice.value);
  location.search = next.toString();
});

const tabs = [...document.querySelectorAll<HTMLButtonElement>('[role="tab"]')];
const mounted = new Map<string, Promise<void>>();
let ready: Promise<unknown> = Promise.resolve();

function mountDemo(name: string): Promise<void> {
  let p = mounted.get(name);
  if (!p) {
    const panel = document.getElementById(`panel-${name}`) as HTMLElement;
    panel.dataset.mounted = "loading";
    p = ready
      .then(() => (DEMOS[name] as () => Promise<Demo>)())
      .then((demo) => demo.mount(panel))
      .then(() => {
        panel.dataset.mounted = "true";
      })
      .catch((e: unknown) => {
        panel.dataset.mounted = "error";
        panel.append(
          Object.assign(document.createElement("p"), {
            className: "error",
            role: "alert",
            textContent: `This demo failed to load: ${String(e)}`,
          }),
        );
        console.error(e);
      });
    mounted.set(name, p);
  }
  return p;
}

function select(tab: HTMLButtonElement, focus: boolean): void {
  for (const t of tabs) {
    const on = t === tab;
    t.setAttribute("aria-selected", String(on));
    t.tabIndex = on ? 0 : -1;
    (document.getElementById(t.getAttribute("aria-controls") as string) as HTMLElement).hidden = !on;
  }
  if (focus) tab.focus();
  const name = tab.dataset.demo as string;
  if (location.hash !== `#${name}`) history.replaceState(null, "", `${location.pathname}${location.search}#${name}`);
  void mountDemo(name);
}

tabs.forEach((tab, i) => {
  tab.addEventListener("click", () => select(tab, false));
  tab.addEventListener("keydown", (e) => {
    const k = e.key;
    let j = -1;
    if (k === "ArrowRight") j = (i + 1) % tabs.length;
    else if (k === "ArrowLeft") j = (i - 1 + tabs.length) % tabs.length;
    else if (k === "Home") j = 0;
    else if (k === "End") j = tabs.length - 1;
    if (j >= 0) {
      e.preventDefault();
      select(tabs[j] as HTMLButtonElement, true);
    }
  });
});

ready = initBackend(params.get("backend"))
  .then((name) => {
    backendOut.textContent = describeBackend(name);
    backendOut.dataset.backend = name;
    document.body.dataset.backend = name;
  })
  .catch((e: unknown) => {
    backendOut.textContent = `unavailable: ${String(e)}`;
    throw e;
  });

const initial = tabs.find((t) => `#${t.dataset.demo}` === location.hash) ?? (tabs[0] as HTMLButtonElement);
select(initial, false);
