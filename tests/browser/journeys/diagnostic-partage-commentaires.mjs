// Issue 5: the chargée de mission writes a diagnostic, adds an indicator and shares it with France Travail;
// the partner comments on a section; the Maison answers (pris en compte) and validates through the warning
// page (sections still to write); the partner can no longer comment.
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
    await page.getByLabel('Valeur de comparaison').fill('480');
    await h.click(page.getByRole('button', { name: 'Enregistrer' }));
    // A count compares per 1 000 inhabitants of each territory (MEL 1 195 234, Nord 2 615 635): not 185 − 480.
    assert.match(await page.locator('#indicateurs').innerText(), /Entreprises labellisées RGE[\s\S]*-0,03 pour 1\s?000\shab\. \(-15,7\s%\)/);

    // Shares it with France Travail.
    await h.click(page.getByRole('link', { name: 'Partager avec des partenaires' }));
    await page.getByLabel(/France Travail Hauts-de-France/).check();
    await h.click(page.getByRole('button', { name: 'Partager', exact: true }));
    assert.match(await page.getByRole('status').first().innerText(), /partagé/);

    // The partner comments on a section, on the small page the report links to (the section in context).
    await as('partner');
    await h.goto(diagnostic);
    await h.click(page.getByRole('region', { name: 'Contexte territorial' })
      .getByRole('link', { name: 'Commenter la section Contexte territorial' }));
    assert.match(await page.getByRole('heading', { level: 1 }).innerText(), /Commenter la section « Contexte territorial »/);
    assert.match(await page.getByRole('region', { name: /La section/ }).innerText(), /bâtiment/);
    // Published empty: refused beside the field (422).
    await h.click(page.getByRole('button', { name: 'Publier' }), { allowStatus: [422] });
    const body = page.getByLabel('Votre commentaire');
    assert.equal(await body.getAttribute('aria-invalid'), 'true');
    assert.match(await page.locator('#body-error').innerText(), /vide/);
    await body.fill('Pouvez-vous ajouter les chiffres FEEBAT de 2025 ?');
    await h.click(page.getByRole('button', { name: 'Publier' }));
    assert.equal(h.here().replace(/#.*$/, ''), diagnostic);
    assert.match(await page.getByRole('region', { name: 'Contexte territorial' }).innerText(), /chiffres FEEBAT de 2025/);

    // Staff is told, answers and marks it pris en compte on the comment's page, then validates.
    await as('staff');
    assert.match(await page.locator('header').innerText(), /non lue/);
    await h.goto(diagnostic);
    const section = page.getByRole('region', { name: 'Contexte territorial' });
    assert.match(await section.innerText(), /1 ouvert/);
    await h.click(section.getByRole('link', { name: 'Traiter' }));
    assert.match(await page.locator('main').innerText(), /chiffres FEEBAT de 2025/);
    // Nothing chosen nor written: both errors beside their fields (422).
    await h.click(page.getByRole('button', { name: 'Enregistrer la réponse' }), { allowStatus: [422] });
    assert.match(await page.locator('#status-error').innerText(), /Choisissez la suite donnée/);
    assert.equal(await page.getByLabel('Réponse de la Maison').getAttribute('aria-invalid'), 'true');
    await page.getByLabel('Pris en compte').check();
    await page.getByLabel('Réponse de la Maison').fill('Ajoutés dans la section Offre de formation.');
    await h.click(page.getByRole('button', { name: 'Enregistrer la réponse' }));
    assert.equal(h.here().replace(/#.*$/, ''), diagnostic);
    const answered = await page.getByRole('region', { name: 'Contexte territorial' }).innerText();
    assert.match(answered, /Pris en compte/);
    assert.match(answered, /Ajoutés dans la section Offre de formation/);
    await h.click(page.getByRole('link', { name: 'Enregistrer la validation du copil' }));
    await page.getByLabel('Décision du comité de pilotage').fill('Diagnostic validé, plan d\'actions à construire en ateliers.');
    await h.click(page.getByRole('button', { name: 'Valider le diagnostic' }));
    // Irreversible: the warning page lists the sections still « à rédiger » (not the one written, nor the
    // comment answered, nor the sourced indicator), and nothing is validated until it is confirmed.
    assert.match(await page.getByRole('heading', { level: 1 }).innerText(), /Valider le diagnostic malgré ce qui reste à faire/);
    const left = await page.getByRole('region', { name: /À vérifier avant de confirmer/ }).innerText();
    assert.match(left, /Sections à rédiger/);
    assert.doesNotMatch(left, /Contexte territorial|Commentaires ouverts|Indicateurs sans source/);
    assert.equal(await page.getByRole('link', { name: 'Revenir sans rien enregistrer' }).getAttribute('href'), diagnostic);
    await h.click(page.getByRole('button', { name: 'Confirmer la validation' }));
    assert.equal(h.here().replace(/#.*$/, ''), diagnostic);
    assert.match(await page.locator('main').innerText(), /Validé/);
    assert.match(await page.locator('main').innerText(), /plan d'actions à construire en ateliers/);

    // The partner can no longer comment: no link to the comment pages, and they answer 409 if typed in.
    await as('partner');
    await h.goto(diagnostic);
    assert.equal(await page.getByRole('link', { name: /Commenter|Répondre/ }).count(), 0);
    assert.match(await page.locator('main').innerText(), /les commentaires sont clos/);
    await h.goto(`${diagnostic}/commentaires/nouveau`, { allowStatus: [409] });
  },
};
