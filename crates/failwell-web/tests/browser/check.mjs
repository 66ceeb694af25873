// failwell's pages in a real browser, with JavaScript switched off, as many of its users'
// locked-down machines have it: each page must render its heading and content, the
// overview's filters must work as a plain GET form, and axe-core must find no
// accessibility violation (WCAG 2.2 A and AA rules). A screenshot of each page is kept.
//
// Each page is also loaded with JavaScript on: it must answer 200 with the same heading,
// GOV.UK Frontend must start (the body is marked supported) and no script may fail.
//
// Usage: FAILWELL_USER=… FAILWELL_PASSWORD=… node check.mjs BASE_URL SCREENSHOT_DIR PATH...
// Both browser contexts sign in through the sign-in form first (scripts off, so the form
// must work as plain HTML); a PATH written `anon:/…` is loaded by a reader not signed in.
// With FAILWELL_DECIDE=/organisations/CODE the organisation page's decision form is
// filled in and submitted, and the decision must then show on the page.
// Chromium: $CHROMIUM, else /usr/bin/chromium (Debian's). Prints one JSON line per page
// and exits 1 when any page fails.

import { chromium } from "playwright-core";
import { readFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";

const [base, shots, ...paths] = process.argv.slice(2);
if (!base || !shots || paths.length === 0) {
  console.error("usage: node check.mjs BASE_URL SCREENSHOT_DIR PATH...");
  process.exit(2);
}
mkdirSync(shots, { recursive: true });
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
let failed = false;
try {
  const viewport = { width: 1280, height: 900 };
  const context = await browser.newContext({ javaScriptEnabled: false, viewport });
  const axeContext = await browser.newContext({ viewport });
  const anonContext = await browser.newContext({ javaScriptEnabled: false, viewport });
  // The same pages with JavaScript on, as most readers have it: GOV.UK Frontend's
  // scripts must start without an error on every page.
  const jsContext = await browser.newContext({ viewport });
  const anonJsContext = await browser.newContext({ viewport });
  const anonAxeContext = await browser.newContext({ viewport });
  const signIn = async (ctx) => {
    const page = await ctx.newPage();
    await page.goto(base + "/sign-in", { waitUntil: "load" });
    await page.fill("#username", process.env.FAILWELL_USER || "");
    await page.fill("#password", process.env.FAILWELL_PASSWORD || "");
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/sign-in")), page.locator("form button").first().click()]);
    await page.close();
  };
  if (process.env.FAILWELL_USER) {
    await signIn(context);
    await signIn(axeContext);
    await signIn(jsContext);
  }
  for (const entry of paths) {
    const anon = entry.startsWith("anon:");
    const path = anon ? entry.slice(5) : entry;
    const page = await (anon ? anonContext : context).newPage();
    const problems = [];
    const response = await page.goto(base + path, { waitUntil: "load" });
    if (!response || response.status() !== 200) problems.push(`status ${response && response.status()}`);
    const h1 = (await page.locator("h1").first().textContent({ timeout: 2000 }).catch(() => null))?.trim();
    if (!h1) problems.push("no h1");
    const lang = await page.getAttribute("html", "lang");
    if (!lang) problems.push("no lang on <html>");
    // axe needs scripts to run, so it checks the same page in a second context where
    // scripts run but every script the page loads itself is refused (failwell's pages
    // have no inline script): the DOM axe sees is the one a reader without JavaScript gets.
    const axePage = await (anon ? anonAxeContext : axeContext).newPage();
    await axePage.route("**/*.{js,mjs}", (route) => route.abort());
    await axePage.goto(base + path, { waitUntil: "load" });
    await axePage.addScriptTag({ content: axeSource });
    const run = await axePage
      .evaluate(
        () =>
          window.axe
            .run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] } })
            .then((r) => ({
              violations: r.violations.map((v) => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5),
              })),
              passes: r.passes.length,
            })),
      )
      .then((value) => ({ value }), (error) => ({ error: String(error) }));
    await axePage.close();
    if (run.error) problems.push(`axe did not run: ${run.error}`);
    const axe = run.value ?? { violations: [], passes: 0 };
    for (const v of axe.violations) problems.push(`axe ${v.id} (${v.impact}): ${v.help} at ${v.nodes.join(", ")}`);
    if (!run.error && axe.passes === 0) problems.push("axe checked nothing");
    const name = (anon ? "public_" : "") + (path.replace(/[^a-zA-Z0-9]+/g, "_").replace(/^_|_$/g, "") || "overview");
    await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
    // With scripts on: the page loads, has its heading, and no script fails.
    const jsPage = await (anon ? anonJsContext : jsContext).newPage();
    const scriptErrors = [];
    jsPage.on("pageerror", (e) => scriptErrors.push(String(e)));
    jsPage.on("console", (m) => {
      if (m.type() === "error") scriptErrors.push(m.text());
    });
    const jsResponse = await jsPage.goto(base + path, { waitUntil: "load" });
    if (!jsResponse || jsResponse.status() !== 200) problems.push(`with JavaScript: status ${jsResponse && jsResponse.status()}`);
    const jsH1 = (await jsPage.locator("h1").first().textContent({ timeout: 2000 }).catch(() => null))?.trim();
    if (jsH1 !== h1) problems.push(`with JavaScript the heading is ${JSON.stringify(jsH1)}`);
    const initialised = await jsPage.evaluate(() => document.body.classList.contains("govuk-frontend-supported"));
    if (!initialised) problems.push("with JavaScript, GOV.UK Frontend did not start");
    for (const e of scriptErrors) problems.push(`with JavaScript: ${e}`);
    await jsPage.close();
    console.log(JSON.stringify({ path: entry, h1, axe_passes: axe.passes, problems }));
    if (problems.length) failed = true;
    await page.close();
  }

  // The overview's filters are a plain GET form: choosing a band and pressing the button
  // must reach the filtered page with scripts off.
  const page = await context.newPage();
  await page.goto(base + "/", { waitUntil: "load" });
  const form = page.locator("form[method=get], form:not([method])").first();
  const select = form.locator("select[name=band]");
  let formProblem = null;
  if ((await select.count()) === 0) {
    formProblem = "no band filter on the overview";
  } else {
    await select.selectOption("severe");
    await Promise.all([page.waitForURL(/band=severe/), form.locator("button").first().click()]);
    if (!page.url().includes("band=severe")) formProblem = `the form went to ${page.url()}`;
  }
  console.log(JSON.stringify({ path: "/ (filter form)", url: page.url(), problems: formProblem ? [formProblem] : [] }));
  if (formProblem) failed = true;

  // Accepting a recommendation with a reason, as a form with scripts off.
  const decide = process.env.FAILWELL_DECIDE;
  if (decide) {
    const problems = [];
    const p = await context.newPage();
    await p.goto(base + decide, { waitUntil: "load" });
    if ((await p.locator("form#decide").count()) === 0) {
      problems.push("no decision form");
    } else {
      await p.check("#verdict");
      await p.fill("#reason", "Accepted in the browser test");
      await Promise.all([p.waitForURL(/#decisions$/), p.locator("form#decide button").click()]);
      const text = await p.locator("#decisions").textContent().catch(() => "");
      if (!text.includes("Accepted in the browser test")) problems.push("the decision is not on the page");
      await p.screenshot({ path: `${shots}/decided.png`, fullPage: true });
    }
    console.log(JSON.stringify({ path: decide + " (decision form)", problems }));
    if (problems.length) failed = true;
  }
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
