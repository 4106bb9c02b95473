// Drives headless Chromium through the "Verify with your bank" journey
// with the mistakes people make: Reload and Back at each step, a wrong
// password at the bank, "Use another account", deny, then Back from the
// signed-in app. At every step the page must offer a way on (no dead
// end). Run by ../journey_test.go with one JSON argument:
//
//   {"appURL", "signetURL", "bankURL", "bankName", "email", "password",
//    "otherEmail", "otherPassword", "screenshots"}
//
// It prints one JSON line: {"steps", "consoleErrors"}. Any failure exits
// non-zero with the reason on stderr.
import { chromium } from 'playwright-core';

const cfg = JSON.parse(process.argv[2]);
const shot = (page, name) => page.screenshot({ path: `${cfg.screenshots}/journey-${name}.png`, fullPage: true });

const browser = await chromium.launch({
  executablePath: process.env.SIGNET_BROWSER || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const steps = [];
const consoleErrors = [];
const step = (s) => steps.push(s);
try {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.setDefaultTimeout(20000);
  const heading = (name) => page.getByRole('heading', { name }).waitFor();
  const atBank = () => { if (!page.url().startsWith(cfg.bankURL)) throw new Error(`expected the bank, at ${page.url()}`); };

  // The app, then Signet's sign-in page; Reload keeps it.
  await page.goto(cfg.appURL);
  await page.getByRole('link', { name: /Sign in with Signet/ }).click();
  await heading('Sign in');
  await page.reload();
  await heading('Sign in');
  step('signet sign-in, reloaded');
  await page.getByRole('button', { name: 'Verify with your bank' }).click();

  // The account selector; Reload keeps it.
  await heading('Verify with your bank');
  await page.reload();
  await heading('Verify with your bank');
  step('selector, reloaded');
  await page.getByRole('button', { name: cfg.bankName }).click();

  // The bank's sign-in page: Reload keeps it (a pushed request is used
  // when the authorization completes, not when shown).
  await heading('Sign in');
  atBank();
  await page.reload();
  await heading('Sign in');
  atBank();
  step('bank sign-in, reloaded');
  // The app's name reaches the bank.
  await page.getByText(/via /).first().waitFor();
  step('bank names the app');

  // Back to the selector and choose again: a fresh attempt.
  await page.goBack();
  await heading('Verify with your bank');
  await page.getByRole('button', { name: cfg.bankName }).click();
  await heading('Sign in');
  atBank();
  step('back to the selector, chose again');

  // A wrong password: the same form, with a message.
  await page.getByLabel('Email').fill(cfg.email);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').waitFor();
  await page.getByLabel('Password').waitFor();
  await shot(page, 'bank-wrong-password');
  step('bank wrong password');

  // Signed in: the consent page. Back to the sign-in address shows the
  // consent again (signed in at the bank now).
  await page.getByLabel('Email').fill(cfg.email);
  await page.getByLabel('Password').fill(cfg.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Allow' }).waitFor();
  step('bank consent');

  // Use another account: the sign-in page again, under PAR.
  await page.getByRole('link', { name: 'Use another account' }).click();
  await heading('Sign in');
  atBank();
  step('use another account');
  await page.getByLabel('Email').fill(cfg.otherEmail);
  await page.getByLabel('Password').fill(cfg.otherPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Deny' }).waitFor();

  // Deny: back at Signet's sign-in page, which says so and offers the
  // bank again.
  await page.getByRole('button', { name: 'Deny' }).click();
  await heading('Sign in');
  if (!page.url().startsWith(cfg.signetURL)) throw new Error(`expected Signet after deny, at ${page.url()}`);
  await page.getByRole('alert').waitFor();
  await shot(page, 'signet-after-deny');
  step('deny, back at signet');

  // Again, through to the app.
  await page.getByRole('button', { name: 'Verify with your bank' }).click();
  await heading('Verify with your bank');
  await page.getByRole('button', { name: cfg.bankName }).click();
  const allowOrSignIn = page.getByRole('button', { name: /Allow|Sign in/ }).first();
  await allowOrSignIn.waitFor();
  if ((await allowOrSignIn.innerText()).includes('Sign in')) {
    await page.getByLabel('Email').fill(cfg.email);
    await page.getByLabel('Password').fill(cfg.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  await page.getByRole('button', { name: 'Allow' }).click();
  const signedIn = page.locator('#signed-in');
  const allow = page.getByRole('button', { name: 'Allow' });
  await Promise.race([signedIn.waitFor(), allow.waitFor()]);
  if (!(await signedIn.isVisible())) {
    await allow.click();
    await signedIn.waitFor();
  }
  step('app signed in');

  // Back from the app: a page with a way on, never a dead end. When the
  // page before was a form's answer, Chromium asks to send the form again
  // (net::ERR_CACHE_MISS); the person presses Reload.
  const cdp = await context.newCDPSession(page);
  const hist = await cdp.send('Page.getNavigationHistory');
  const prev = hist.entries[hist.currentIndex - 1];
  step(`before the app: ${prev.url.split('?')[0]} (${prev.transitionType})`);
  try {
    await page.goBack();
  } catch (e) {
    // Chromium's own page asks to send the form again, with a Reload
    // button; sent again, the bank answers that the person is done, with
    // a way back (TestPAR in package authorize checks that page).
    if (!String(e.message).includes('ERR_CACHE_MISS')) throw e;
    step('back from the app: the browser offers to send the form again');
    console.log(JSON.stringify({ steps, consoleErrors }));
    await browser.close();
    process.exit(0);
  }
  await page.waitForLoadState();
  await shot(page, 'back-from-app');
  if (!(await signedIn.isVisible().catch(() => false))) {
    const wayOn = page.locator('a.button, button').first();
    if (!(await wayOn.isVisible())) {
      throw new Error(`Back from the app: a dead end at ${page.url()}: ${(await page.locator('main').innerText()).slice(0, 300)}`);
    }
    step(`back from the app: ${(await page.locator('h1').innerText()).trim()}`);
  } else {
    step('back from the app: the app');
  }

  console.log(JSON.stringify({ steps, consoleErrors }));
} catch (e) {
  console.error(`${e.message}\nsteps: ${steps.join(' > ')}\nconsole errors: ${consoleErrors.join(' | ')}`);
  await browser.close();
  process.exit(1);
}
await browser.close();
