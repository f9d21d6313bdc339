// Issue 23: the keyboard-only journey. After the first page load, nothing but Tab, Shift+Tab, Enter and
// Space (and typing into the fields): the skip link to the content, sign in, open Lille's diagnostic (the
// demo's, shared with France Travail Hauts-de-France: src/demo/diagnostics.rs), go to a section through the
// table of contents, comment on it, sign out. At every stop the focused element must show a focus ring
// (computed outline or box-shadow), be on screen, and each step must land where a person expects it.
import { shortUrl } from '../lib/browser.mjs';

/** Runs in the page: what has the focus, and whether it is visibly marked. */
function focusFacts(target) {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return { none: true };
  const cs = getComputedStyle(el);
  const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0;
  const shadow = cs.boxShadow !== '' && cs.boxShadow !== 'none';
  const r = el.getBoundingClientRect();
  const onScreen = r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth;
  const name = (el.getAttribute('aria-label') ?? (el.labels?.[0]?.textContent) ?? el.textContent ?? '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 80);
  return {
    none: false,
    isTarget: target ? el === target : false,
    tag: el.localName,
    id: el.id,
    name,
    ring: outline || shadow,
    style: `outline: ${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}; box-shadow: ${cs.boxShadow}`,
    onScreen,
    inMain: !!el.closest('main#contenu'),
    inHeader: !!el.closest('header'),
  };
}

const describe = (f) => (f.none ? '(nothing: the body)' : `<${f.tag}${f.id ? ` id="${f.id}"` : ''}> « ${f.name} »`);

export default {
  name: 'Clavier seul : évitement, connexion, diagnostic, commentaire, déconnexion',
  roles: ['partner'],
  signIn: false, // signing in with the keyboard is part of the journey
  async run(h) {
    const { page, assert } = h;
    const stops = []; // every focus stop of the journey, for the message when something fails

    /** The focused element's facts; fails when it shows no focus ring or is off screen. */
    const focused = async (target = null) => {
      const f = await page.evaluate(focusFacts, target);
      stops.push(`${shortUrl(page.url(), h.origin)} ${describe(f)}`);
      if (!f.none) {
        assert.ok(f.ring, `no visible focus on ${describe(f)} at ${h.here()} (${f.style})`);
        assert.ok(f.onScreen, `the focus is on ${describe(f)} at ${h.here()}, which is not on screen`);
      }
      return f;
    };

    /** Tab (or Shift+Tab) until `locator` has the focus; every stop crossed must show it. */
    const tabTo = async (locator, { back = false, max = 400 } = {}) => {
      const target = await locator.elementHandle();
      for (let i = 0; i < max; i += 1) {
        await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
        const f = await focused(target);
        if (f.isTarget) return f;
      }
      throw new Error(`${back ? 'Shift+Tab' : 'Tab'} ×${max} never reached ${locator} on ${h.here()}; last stops:\n  ${stops.slice(-8).join('\n  ')}`);
    };

    /** Presses a key that makes the browser go to a new page; checks that page like every other. */
    const pressAndWait = async (key, opts) => {
      const from = h.here();
      const navigation = page.waitForNavigation({ waitUntil: 'load' }).then(
        () => null,
        (error) => error,
      );
      await page.keyboard.press(key);
      const error = await navigation;
      if (error) throw new Error(`${key} on ${describe(await page.evaluate(focusFacts, null))} at ${from} led to no new page: ${error.message.split('\n')[0]}`);
      return h.check(opts);
    };

    /** The skip link is the first stop of the page, shows when focused, and Enter puts the focus on main. */
    const skipToContent = async () => {
      const f = await tabTo(page.locator('a.skip-link[href="#contenu"]'), { max: 1 });
      assert.equal(f.name, 'Aller au contenu');
      await page.keyboard.press('Enter');
      const m = await page.evaluate(focusFacts, null);
      assert.equal(m.id, 'contenu', `after « Aller au contenu » the focus is on ${describe(m)}, not on main#contenu`);
      // main is a target, not a control (main:focus draws no ring): the next Tab must land inside it.
    };

    // 1. The only direct navigation: the portal's address. Signed out, it sends to the sign-in page.
    await h.goto('/');
    assert.match(h.here(), /^\/connexion/);
    await skipToContent();

    // 2. Sign in: the first stop in the content is the e-mail field, then the password, then the button.
    const email = page.getByLabel('Adresse e-mail');
    let f = await tabTo(email, { max: 1 });
    assert.ok(f.inMain, 'the e-mail field is in main');
    await page.keyboard.type(h.account.email);
    await tabTo(page.getByLabel('Mot de passe'), { max: 1 });
    await page.keyboard.type(h.account.password);
    // Back to the e-mail field and forth again, as someone checking what they typed would.
    await tabTo(email, { back: true, max: 1 });
    assert.equal(await email.inputValue(), h.account.email);
    await tabTo(page.getByLabel('Mot de passe'), { max: 1 });
    await tabTo(page.getByRole('button', { name: 'Se connecter' }), { max: 1 });
    await pressAndWait('Enter');
    assert.equal(h.here(), '/');
    assert.equal(await page.getByRole('button', { name: 'Se déconnecter' }).count(), 1, 'signed in');

    // 3. The partner's home lists the diagnostics shared with France Travail: Lille's is one of them.
    await skipToContent();
    const lille = page.getByRole('region', { name: 'Diagnostics partagés avec votre organisation' })
      .getByRole('link', { name: /Lille/ }).first();
    f = await tabTo(lille, { max: 20 });
    assert.ok(f.inMain);
    await pressAndWait('Enter');
    assert.match(h.here(), /^\/diagnostics\/\d+$/);
    const diagnostic = h.here();
    assert.match(await page.getByRole('heading', { level: 1 }).innerText(), /Lille/);

    // 4. The table of contents leads to the section (Enter on an in-page link), the next Tabs go into it.
    await skipToContent();
    await tabTo(page.getByRole('navigation', { name: 'Sommaire' }).getByRole('link', { name: 'Contexte territorial' }), { max: 60 });
    await page.keyboard.press('Enter');
    assert.match(page.url(), /#section-\d+$/);
    const section = page.getByRole('region', { name: 'Contexte territorial' });
    await page.keyboard.press('Tab');
    f = await focused();
    assert.ok(
      await section.evaluate((s) => s.contains(document.activeElement)),
      `after the table of contents' link, Tab went to ${describe(f)}, not into the section`,
    );
    await tabTo(section.getByRole('link', { name: 'Commenter la section Contexte territorial' }));
    await pressAndWait('Enter');
    assert.match(await page.getByRole('heading', { level: 1 }).innerText(), /Commenter la section « Contexte territorial »/);

    // 5. The comment: the content's first field, typed, then « Publier » pressed with Space.
    await skipToContent();
    const body = page.getByLabel('Votre commentaire');
    await tabTo(body, { max: 30 });
    const text = `Commentaire écrit au clavier seul ${Date.now()}`;
    await page.keyboard.type(text);
    await tabTo(page.getByRole('button', { name: 'Publier' }), { max: 1 });
    await pressAndWait('Space');
    assert.equal(shortUrl(page.url().replace(/#.*$/, ''), h.origin), diagnostic);
    const anchor = page.url().match(/#(commentaire-\d+)$/);
    assert.ok(anchor, `the page opens at the new comment, not at ${page.url()}`);
    assert.match(await page.locator(`#${anchor[1]}`).innerText(), new RegExp(text));
    assert.ok(await section.locator(`#${anchor[1]}`).count(), 'the comment is in its section');

    // 6. Sign out: from the comment, Shift+Tab back up the page to the header's button, pressed with Space.
    // The first Shift+Tab must start from the comment the page opened at, not from the end of the page.
    await page.keyboard.press('Shift+Tab');
    f = await focused();
    assert.ok(f.inMain, `the first Shift+Tab after publishing went to ${describe(f)}, outside the content`);
    await tabTo(page.getByRole('button', { name: 'Se déconnecter' }), { back: true, max: 80 });
    await pressAndWait('Space');
    assert.equal(await page.getByRole('button', { name: 'Se déconnecter' }).count(), 0, 'signed out');
    assert.match(h.here(), /^\/connexion/);
    // Signed out, the skip link is still the first stop.
    await skipToContent();
  },
};
