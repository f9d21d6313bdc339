// Issue 14: a partnership request between a Maison and an organisation that partners other Maisons.
// Lille's responsable attaches France Travail Grand Est (the demo's: partner of the Grand Est Maisons, Nancy
// among them, created by the network's admins, with a référent: src/demo/trust.rs). It is a request, which
// grants nothing: France Travail Grand Est is not among Lille's partners until its référent, found on the
// organisation's page, signs in and accepts it on « Demandes »; then Lille's partner list shows it, managed
// by its référents and the admins.
import * as config from '../config.mjs';
import { signIn } from '../lib/browser.mjs';

const ORGANISATION = 'France Travail Grand Est';

export default {
  name: 'Demande de partenariat acceptée par le référent de l\'organisation',
  roles: ['responsable'],
  async run(h) {
    const { page, assert } = h;
    const as = async (account) => {
      await h.signOut();
      await signIn(page, account);
      await h.check();
    };
    const partners = () => page.getByRole('region', { name: 'Organisations partenaires, leurs rôles et leurs contacts' });
    const requests = () => page.getByRole('region', { name: 'Demandes de partenariat de la Maison' });

    // The responsable opens the Maison's partners from the home page; France Travail Grand Est is not one.
    await h.click(page.getByRole('link', { name: 'Ses partenaires' }));
    const maison = h.here().replace(/#.*$/, '');
    assert.match(maison, /^\/maisons\/\d+$/);
    assert.match(await page.getByRole('heading', { level: 1 }).innerText(), /Lille/);
    assert.doesNotMatch(await partners().innerText(), new RegExp(ORGANISATION));

    // Searches the directory and chooses it: the page says attaching it is a request.
    await h.click(page.getByRole('link', { name: 'Ajouter un partenaire existant' }));
    await page.getByLabel('Nom ou SIRET').fill(ORGANISATION);
    await h.click(page.getByRole('button', { name: 'Rechercher' }));
    await h.click(page.getByRole('link', { name: `Choisir ${ORGANISATION}`, exact: true }));
    assert.equal(await page.getByRole('heading', { level: 2, name: ORGANISATION }).count(), 1);
    assert.match(await page.locator('#demande').innerText(), /demande de partenariat/);
    await page.getByLabel('opérateur').check();
    await page.getByLabel('Note').fill('Accompagnement des demandeurs d\'emploi vers la rénovation énergétique');
    await h.click(page.getByRole('button', { name: 'Demander le partenariat' }));

    // Sent to its référents; it waits, and grants nothing yet: not among the partners.
    assert.equal(h.here().replace(/#.*$/, ''), maison);
    assert.match(await page.getByRole('status').first().innerText(), new RegExp(`demande de partenariat avec ${ORGANISATION} a été envoyée à ses référents`));
    const row = requests().getByRole('row', { name: new RegExp(ORGANISATION) });
    assert.match(await row.innerText(), /Réponse attendue de ses référents/);
    assert.doesNotMatch(await partners().innerText(), new RegExp(ORGANISATION));

    // Who answers: the organisation's page names its référents and lists its people with their e-mail.
    await h.click(row.getByRole('link', { name: ORGANISATION }));
    const management = await page.locator('#gestion').innerText();
    const named = management.match(/référents : ([^).]+)/);
    assert.ok(named, `the organisation's page names no référent: « ${management} »`);
    const referentName = named[1].split(', ')[0].trim();
    const member = page.getByRole('region', { name: 'Personnes ayant un compte' }).getByRole('listitem')
      .filter({ hasText: referentName });
    const email = (await member.locator('a[href^="mailto:"]').innerText()).trim();
    assert.match(email, /@/);

    // The référent signs in, is told, and accepts on « Demandes ».
    await as({ email, password: config.DEMO_PASSWORD });
    assert.match(await page.locator('header').innerText(), /non lue/);
    await h.click(page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Demandes' }));
    assert.equal(h.here(), '/organisations/demandes');
    const waiting = page.getByRole('region', { name: /En attente de réponse/ }).getByRole('listitem')
      .filter({ hasText: /Lille/ });
    assert.match(await waiting.innerText(), /opérateur/);
    await h.click(waiting.getByRole('button', { name: /^Accepter la demande de .*Lille/ }));
    assert.match(await page.getByRole('status').first().innerText(), /Lille/);
    assert.match(await page.getByRole('region', { name: 'Demandes de partenariat traitées récemment' }).innerText(), /Lille[\s\S]*Acceptée/);

    // Back as the responsable: the Maison is told, and its partner list shows the organisation.
    await as(h.account);
    assert.match(await page.locator('header').innerText(), /non lue/);
    await h.goto(maison);
    const partner = partners().getByRole('row', { name: new RegExp(ORGANISATION) });
    assert.equal(await partner.count(), 1);
    const text = await partner.innerText();
    assert.match(text, /opérateur/);
    assert.match(text, /Gérée par ses référents et l'administration du réseau/);
    assert.match(await requests().getByRole('row', { name: new RegExp(ORGANISATION) }).innerText(), /Acceptée/);
  },
};
