// Drives headless Chromium through Signet's hosted authorization pages, as
// a person would: a wrong password, then the right one, the consent page,
// Allow, and the redirect back to the application; then, if formPostURL is
// set, a response_mode=form_post.jwt request auto-submitted back. Run by
// ../authorize_test.go with one JSON argument:
//
//   {"authorizeURL", "badRedirectURL", "formPostURL", "email", "password", "callbackPrefix", "screenshots"}
//
// It prints one JSON line: {"finalURL", "callbackText", "formPostURL",
// "formPostText", "consoleErrors", "steps"}.
// Any failure exits non-zero with the reason on stderr.
import { chromium } from 'playwright-core';

const cfg = JSON.parse(process.argv[2]);
const shot = (page, name) => page.screenshot({ path: `${cfg.screenshots}/${name}.png`, fullPage: true });

const browser = await chromium.launch({
  executablePath: process.env.SIGNET_BROWSER || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const steps = [];
const consoleErrors = [];
try {
  const context = await browser.newContext({ viewport: { width: 800, height: 720 } });
  const page = await context.newPage();
  // CSP violations (a blocked form-action redirect, an inline style) are
  // reported on the console.
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.setDefaultTimeout(15000);

  // An unregistered redirect_uri: an error page, no redirect.
  let resp = await page.goto(cfg.badRedirectURL);
  if (resp.status() !== 400) throw new Error(`bad redirect_uri: status ${resp.status()}`);
  await page.getByRole('heading', { name: 'This application is misconfigured' }).waitFor();
  await shot(page, 'error');
  steps.push('error page');

  // The login page.
  resp = await page.goto(cfg.authorizeURL);
  if (resp.status() !== 200) throw new Error(`authorize: status ${resp.status()}`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await shot(page, 'login');
  steps.push('login page');

  // A wrong password shows an error on the same form.
  await page.getByLabel('Email').fill(cfg.email);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').waitFor();
  await shot(page, 'login-error');
  steps.push('wrong password');

  // The right one leads to the consent page.
  await page.getByLabel('Password').fill(cfg.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Allow' }).waitFor();
  await shot(page, 'consent');
  steps.push('consent page');

  // Allow: a 303 from the form POST to the client's redirect_uri, which
  // the page's CSP form-action must permit.
  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(cfg.callbackPrefix)),
    page.getByRole('button', { name: 'Allow' }).click(),
  ]);
  steps.push('callback');
  const out = { finalURL: page.url(), callbackText: await page.textContent('body'), consoleErrors, steps };

  // response_mode=form_post.jwt with the session and consent in place:
  // the form_post page, whose external script (no inline script; the CSP
  // allows script-src 'self') posts the response to the redirect_uri.
  if (cfg.formPostURL) {
    await page.goto(cfg.formPostURL, { waitUntil: 'commit' });
    await page.waitForURL((u) => u.href.startsWith(cfg.callbackPrefix));
    await page.waitForLoadState('load');
    steps.push('form_post.jwt');
    out.formPostURL = page.url();
    out.formPostText = await page.textContent('body');
  }
  console.log(JSON.stringify(out));
} catch (err) {
  console.error(`${err.stack || err}\nsteps: ${steps.join(', ')}\nconsole errors: ${consoleErrors.join(' | ')}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
