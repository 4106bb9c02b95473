// Drives headless Chromium through the whole "Verify with your bank"
// journey on `signet serve --dev`, as a person would: the demo app, Signet's
// sign-in page, "Verify with your bank", the account selector, the sandbox
// bank's sign-in and consent, back to Signet and on to the app, signed in.
// A screenshot of every page. Run by ../verify_test.go with one JSON
// argument:
//
//   {"appURL", "signetURL", "bankURL", "bankName", "clientID", "visitorID",
//    "email", "password", "screenshots"}
//
// It prints one JSON line: {"steps", "userName", "verification",
// "finalURL", "remembered", "consoleErrors"}. Any failure exits non-zero
// with the reason on stderr.
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
  const context = await browser.newContext({ viewport: { width: 800, height: 760 } });
  const page = await context.newPage();
  // CSP violations (a form-action blocking a redirect) show on the console.
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.setDefaultTimeout(20000);

  // 1. The app.
  let resp = await page.goto(cfg.appURL);
  if (resp.status() !== 200) throw new Error(`app: status ${resp.status()}`);
  await shot(page, '1-app');
  steps.push('app');
  await page.getByRole('link', { name: /Sign in with Signet/ }).click();

  // 2. Signet's sign-in page, with the bank button.
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await shot(page, '2-signet-sign-in');
  steps.push('signet sign-in');
  await page.getByRole('button', { name: 'Verify with your bank' }).click();

  // 3. The account selector: search, then choose the bank.
  await page.getByRole('heading', { name: 'Verify with your bank' }).waitFor();
  await shot(page, '3-account-selector');
  await page.getByLabel('Find your bank').fill('sandbox');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('button', { name: cfg.bankName }).waitFor();
  await shot(page, '3b-account-selector-search');
  steps.push('account selector');
  await page.getByRole('button', { name: cfg.bankName }).click();

  // 4. The sandbox bank's sign-in.
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  if (!page.url().startsWith(cfg.bankURL)) throw new Error(`expected the bank, at ${page.url()}`);
  await shot(page, '4-bank-sign-in');
  steps.push('bank sign-in');
  await page.getByLabel('Email').fill(cfg.email);
  await page.getByLabel('Password').fill(cfg.password);
  await page.getByRole('button', { name: 'Sign in' }).click();

  // 5. The bank's consent.
  await page.getByRole('button', { name: 'Allow' }).waitFor();
  await shot(page, '5-bank-consent');
  steps.push('bank consent');
  await page.getByRole('button', { name: 'Allow' }).click();

  // 6. Back at Signet: its consent for the app, if the app needs one,
  // then the app.
  const signedIn = page.locator('#signed-in');
  const allow = page.getByRole('button', { name: 'Allow' });
  await Promise.race([signedIn.waitFor(), allow.waitFor()]);
  if (!(await signedIn.isVisible())) {
    if (!page.url().startsWith(cfg.signetURL)) throw new Error(`expected Signet's consent, at ${page.url()}`);
    await shot(page, '6-signet-consent');
    steps.push('signet consent');
    await allow.click();
    await signedIn.waitFor();
  }

  // 7. Signed in at the app, with the bank's name for the user.
  await shot(page, '7-app-signed-in');
  steps.push('app signed in');
  const userName = (await page.locator('#user-name').innerText()).trim();
  const verification = (await page.locator('#verification-bank').innerText()).trim();

  // The selector remembers this browser's bank.
  await page.goto(cfg.signetURL + '/select-bank?' + new URLSearchParams({ client_id: cfg.clientID, visitor_id: cfg.visitorID }));
  await page.getByRole('button', { name: cfg.bankName }).click();
  await page.goto(cfg.signetURL + '/select-bank?' + new URLSearchParams({ client_id: cfg.clientID, visitor_id: cfg.visitorID }));
  const remembered = await page.getByText('Used last time').isVisible();
  await shot(page, '8-account-selector-remembered');
  steps.push('remembered');

  console.log(JSON.stringify({ steps, userName, verification, finalURL: page.url(), remembered, consoleErrors }));
} catch (e) {
  console.error(`${e.message}\nsteps: ${steps.join(' > ')}\nconsole errors: ${consoleErrors.join(' | ')}`);
  await browser.close();
  process.exit(1);
}
await browser.close();
