// Issue 5: the chargée de mission writes a diagnostic, adds an indicator and shares it with France Travail;
// the partner comments on a section; the Maison answers (pris en compte) and validates; the partner can no
// longer comment.
import * as config from '../config.mjs';
import { signIn } from '../lib/browser.mjs';

export default {
  name: 'Diagnostic : rédiger, partager, commenter, répondre, valider',
  roles: ['staff'],
  async run(h) {
    const { page, assert } = h;
    const as = async (role) => {
      await h.signOut();
      await signIn(page, config.accounts[role]);
      await h.check();
    };
    const title = `Diagnostic parcours navigateur ${Date.now()}`;

    // Staff writes a diagnostic.
    await h.click(page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Diagnostics' }));
    await h.click(page.getByRole('link', { name: 'Nouveau diagnostic' }));
    await page.getByLabel('Titre').fill(title);
    await page.getByLabel('Année de référence').fill('2025');
    await h.click(page.getByRole('button', { name: 'Créer le diagnostic' }));
    const diagnostic = h.here().replace(/#.*$/, '');
    assert.match(diagnostic, /^\/diagnostics\/\d+$/);

    await h.click(page.getByRole('link', { name: 'Rédiger la section Contexte territorial' }));
    await page.getByLabel('Texte').fill('## Le territoire\n\nUn bassin d\'emploi où **le bâtiment** recrute : FEEBAT, RGE, rénovation.');
    await h.click(page.getByRole('button', { name: 'Prévisualiser' }));
    assert.match(await page.getByRole('region', { name: 'Aperçu (non enregistré)' }).innerText(), /Le territoire/);
    await h.click(page.getByRole('button', { name: 'Enregistrer' }));

    // Adds an indicator with a comparison value.
    await h.click(page.getByRole('link', { name: 'Ajouter un indicateur' }));
    await page.getByLabel('Indicateur du catalogue').selectOption({ label: 'Tissu économique — Entreprises labellisées RGE (entreprises) [RGE]' });
    await page.getByLabel('Valeur', { exact: true }).fill('185');
    await page.getByLabel('Année').fill('2025');
    await page.getByLabel('Source précise').fill('ADEME, annuaire RGE, juin 2025');
    await page.getByLabel('Territoire de comparaison').selectOption('departement');
    await page.getByLabel('Valeur de comparaison').fill('160');
    await h.click(page.getByRole('button', { name: 'Enregistrer' }));
    assert.match(await page.locator('#indicateurs').innerText(), /Entreprises labellisées RGE[\s\S]*\+25/);

    // Shares it with France Travail.
    await h.click(page.getByRole('link', { name: 'Partager avec des partenaires' }));
    await page.getByLabel(/France Travail Hauts-de-France/).check();
    await h.click(page.getByRole('button', { name: 'Partager', exact: true }));
    assert.match(await page.getByRole('status').first().innerText(), /partagé/);

    // The partner comments on a section.
    await as('partner');
    await h.goto(diagnostic);
    const contexte = page.getByRole('region', { name: 'Contexte territorial' });
    await contexte.locator('summary', { hasText: 'Commenter la section' }).click();
    await contexte.getByLabel('Votre commentaire sur cette section').fill('Pouvez-vous ajouter les chiffres FEEBAT de 2025 ?');
    await h.click(contexte.getByRole('button', { name: 'Publier' }));
    assert.match(await page.getByRole('region', { name: 'Contexte territorial' }).innerText(), /chiffres FEEBAT de 2025/);

    // Staff is told, answers and marks it pris en compte, then validates.
    await as('staff');
    assert.match(await page.locator('header').innerText(), /non lue/);
    await h.goto(diagnostic);
    const section = page.getByRole('region', { name: 'Contexte territorial' });
    assert.match(await section.innerText(), /1 ouvert/);
    await section.locator('summary', { hasText: 'Répondre au nom de la Maison' }).click();
    await section.getByLabel('Pris en compte').check();
    await section.getByLabel('Réponse', { exact: true }).fill('Ajoutés dans la section Offre de formation.');
    await h.click(section.getByRole('button', { name: 'Enregistrer la réponse' }));
    assert.match(await page.getByRole('region', { name: 'Contexte territorial' }).innerText(), /Pris en compte/);
    await h.click(page.getByRole('link', { name: 'Enregistrer la validation du copil' }));
    await page.getByLabel('Décision du comité de pilotage').fill('Diagnostic validé, plan d\'actions à construire en ateliers.');
    await h.click(page.getByRole('button', { name: 'Valider le diagnostic' }));
    assert.match(await page.locator('main').innerText(), /Validé/);

    // The partner can no longer comment.
    await as('partner');
    await h.goto(diagnostic);
    assert.equal(await page.locator('summary', { hasText: 'Commenter la section' }).count(), 0);
    assert.match(await page.locator('main').innerText(), /les commentaires sont clos/);
  },
};
