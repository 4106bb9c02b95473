// Drives headless Chromium on a 390 px phone screen through the account
// page, as a person would: sign in to an application and allow it, follow
// the consent page's "You can remove this access at any time" to the
// account page, remove the app's access, then sign out there and back in.
// Run by ../account_test.go with one JSON argument:
//
//   {"authorizeURL", "email", "password", "callbackPrefix", "appName", "screenshots"}
//
// It prints one JSON line: {"accountURL", "overflow", "consoleErrors", "steps"}.
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
// overflow records pages wider than the phone's screen.
const overflow = [];
const fits = async (page, name) => {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  if (w > 390) overflow.push(`${name}: ${w}px`);
};
try {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.setDefaultTimeout(15000);

  // Sign in to the application and allow it.
  await page.goto(cfg.authorizeURL);
  await page.getByLabel('Email').fill(cfg.email);
  await page.getByLabel('Password').fill(cfg.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Allow' }).waitFor();
  const promise = page.getByRole('link', { name: 'You can remove this access at any time.' });
  const accountHref = await promise.getAttribute('href');
  if (!accountHref || !accountHref.startsWith('/account?project_id=')) throw new Error(`consent page link: ${accountHref}`);
  await shot(page, 'phone-consent');
  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(cfg.callbackPrefix)),
    page.getByRole('button', { name: 'Allow' }).click(),
  ]);
  steps.push('allowed');

  // The account page, as the consent page's link opens it.
  const accountURL = new URL(accountHref, cfg.authorizeURL).href;
  await page.goto(accountURL);
  await page.getByRole('heading', { name: 'Your account' }).waitFor();
  await page.getByText(cfg.appName, { exact: true }).waitFor();
  await page.getByText('See your email address').waitFor();
  await page.getByText('This browser').waitFor();
  await fits(page, 'account');
  await shot(page, 'phone-account');
  steps.push('account page');

  // Remove the app's access.
  await page.getByRole('button', { name: `Remove access for ${cfg.appName}` }).click();
  await page.getByText('Access removed.').waitFor();
  if (await page.getByText(cfg.appName, { exact: true }).count() !== 0) throw new Error('the app is still listed');
  await page.getByText('No apps can use your account.').waitFor();
  await fits(page, 'account after removal');
  await shot(page, 'phone-account-removed');
  steps.push('access removed');

  // Sign out here: the sign-in form, and back to the account page.
  await page.getByRole('button', { name: 'Sign out here' }).click();
  await page.getByText('You are signed out.').waitFor();
  await fits(page, 'sign-in');
  await shot(page, 'phone-account-sign-in');
  await page.getByLabel('Email').fill(cfg.email);
  await page.getByLabel('Password').fill(cfg.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Your account' }).waitFor();
  steps.push('signed in again');

  console.log(JSON.stringify({ accountURL: page.url(), overflow, consoleErrors, steps }));
} catch (err) {
  console.error(`${err.stack || err}\nsteps: ${steps.join(', ')}\nconsole errors: ${consoleErrors.join(' | ')}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
