// Évaluation et capitalisation (issue 18) end to end: Lille's responsable evaluates a réalisée FEEBAT action
// of the running plan and proposes it to the network as a practice (a personal address refused as its
// contact first, beside the field); the AVE admin accepts it; the Grand Nancy's director finds it through
// the search and takes it up in a new draft plan of Nancy, the fiche showing where it comes from.
import { signIn } from '../lib/browser.mjs';
import * as config from '../config.mjs';

export default {
  name: 'Pratique : évaluation, proposition, acceptation par AVE, recherche et reprise par Nancy',
  roles: ['responsable'],
  async run(h) {
    const { page, assert } = h;
    const stamp = Date.now().toString(36);
    const title = `FEEBAT au plus près des chantiers ${stamp}`;

    // Lille evaluates its action.
    await h.click(page.getByRole('link', { name: "Plans d'actions", exact: true }));
    await h.click(page.getByRole('link', { name: 'Plan d\'actions emploi et transition écologique 2025–2027' }).first());
    await h.click(page.getByRole('link', { name: 'Formations FEEBAT pour les artisans', exact: true }).first());
    await h.click(page.getByRole('link', { name: "Évaluer l'action" }));
    await page.getByLabel('Résultats obtenus').fill('36 artisans formés sur 40 visés.');
    await page.getByLabel('Ce qui a fonctionné').fill('Des sessions le lundi, relayées par la CAPEB.');
    await h.click(page.getByRole('button', { name: "Enregistrer l'évaluation" }));
    assert.match(h.here(), /^\/actions\/\d+\/evaluation$/);
    const fiche = h.here().replace('/evaluation', '');

    // … and proposes it; a person's own address is refused as the contact.
    await h.goto(fiche);
    await h.click(page.getByRole('link', { name: 'Proposer comme pratique au réseau' }));
    assert.equal(await page.getByLabel('Résultats obtenus').inputValue(), '36 artisans formés sur 40 visés.');
    await page.getByLabel('Titre').fill(title);
    await page.getByLabel('Urbain').check();
    await page.getByLabel('Artisans du bâtiment').check();
    await page.getByLabel('Rôle du contact (exemple : facilitatrice des clauses d\'insertion)').fill('Chargée de mission bâtiment durable');
    await page.getByLabel('Adresse partagée').fill(config.accounts.responsable.email);
    const refused = await h.click(page.getByRole('button', { name: "Envoyer à l'Alliance Villes Emploi" }), { allowStatus: [422] });
    assert.equal(refused.status, 422);
    assert.match(await page.locator('#contact_email-error').innerText(), /compte d'une personne/);
    assert.equal(await page.getByLabel('Titre').inputValue(), title);
    await page.getByLabel('Adresse partagée').fill('batiment-durable@mde-lille.example.org');
    await h.click(page.getByRole('button', { name: "Envoyer à l'Alliance Villes Emploi" }));
    assert.match(h.here(), /^\/pratiques\/\d+$/);
    const practice = h.here();

    // AVE accepts it.
    await h.signOut();
    await signIn(page, config.accounts.admin);
    await h.goto('/pratiques/propositions');
    await h.click(page.getByRole('link', { name: title }));
    await page.getByLabel('Accepter comme pratique repérée').check();
    await h.click(page.getByRole('button', { name: 'Enregistrer la décision' }));
    assert.equal(h.here(), practice);
    assert.match(await page.locator('main').innerText(), /Pratique repérée/);

    // Nancy finds it through the search and takes it up in a new draft plan.
    await h.signOut();
    await signIn(page, { email: 'direction@mde-nancy.example.org', password: config.DEMO_PASSWORD });
    await h.click(page.getByRole('link', { name: 'Recherche', exact: true }));
    await page.getByLabel('Mots recherchés').fill(`FEEBAT ${stamp}`);
    await h.click(page.getByRole('button', { name: 'Rechercher' }));
    await h.click(page.getByRole('link', { name: title }));
    assert.equal(h.here(), practice);
    await h.click(page.getByRole('link', { name: 'Reprendre dans mon plan' }));
    await page.getByLabel("Un nouveau plan d'actions").check();
    await page.getByLabel('Titre du plan').fill(`Plan Grand Nancy ${stamp}`);
    await h.click(page.getByRole('button', { name: 'Créer la fiche action' }));
    assert.match(h.here(), /^\/actions\/\d+$/);
    const main = await page.locator('main').innerText();
    assert.match(main, /Fiche reprise de la pratique du réseau/);
    assert.ok(main.includes(title));
    await h.goto(practice);
    assert.match(await page.locator('main').innerText(), /Maison de l'emploi du Grand Nancy — fiche n° 1/);
  },
};
