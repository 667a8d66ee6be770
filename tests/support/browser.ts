// Headless Chromium for browser tests: Debian's `chromium` (scripts/setup installs it) driven by
// playwright-core, and screenshots of a page at a phone's and a desktop's width under the test
// results.
import { type Browser, chromium, type Page } from "playwright-core";
import { fileURLToPath } from "node:url";

/** Where Debian installs Chromium; CHROMIUM_PATH overrides it. */
const chromiumPath = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";

/** The widths every state is shot at: a phone's and a desktop's. */
export const screenWidths = [390, 1280] as const;

/** Starts headless Chromium; close it with `await using`. */
export async function launchBrowser(): Promise<Browser & AsyncDisposable> {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    // The sandbox needs user namespaces, which CI containers running as root lack.
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
  return Object.assign(browser, { [Symbol.asyncDispose]: () => browser.close() });
}

/** The folder of `scripts/test`'s results for `name`, created when missing. */
export async function resultsDir(name: string): Promise<string> {
  const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
  const localDir = Deno.env.get("EXPORTS_LOCAL_DIR") ?? ".local";
  const base = localDir.startsWith("/") ? localDir : `${repoRoot}${localDir}`;
  const dir = `${base}/test-results/${name}`;
  await Deno.mkdir(dir, { recursive: true });
  return dir;
}

/**
 * Screenshots the whole page at each of `screenWidths` as `<dir>/<state>-<width>.png`, then
 * puts the viewport back as it was.
 */
export async function shootWidths(page: Page, dir: string, state: string): Promise<void> {
  const viewport = page.viewportSize() ?? { width: 1280, height: 800 };
  for (const width of screenWidths) {
    await page.setViewportSize({ width, height: width < 600 ? 844 : 800 });
    await page.screenshot({ path: `${dir}/${state}-${width}.png`, fullPage: true });
  }
  await page.setViewportSize(viewport);
}
