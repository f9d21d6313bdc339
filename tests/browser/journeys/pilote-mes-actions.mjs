// Issue 16: France Travail reports on the actions it pilots. Its partner account (named pilot of some of
// Lille's actions, told when the plan was validated: src/demo/plans.rs) opens the notification, lands on
// « Mes actions » for Lille, keeps the late ones, opens one and, in the one follow-up form whose status is
// preselected, moves its status and sets an achieved value with a note; the fiche shows them; then it
// attaches a proof (an attendance list), listed on the fiche and in « Mes actions ».
export default {
  name: 'Pilote : notification, « Mes actions », statut, valeur réalisée et preuve',
  roles: ['partner'],
  async run(h) {
    const { page, assert } = h;

    // The notification of the validated plan leads to « Mes actions » for that Maison.
    await h.goto('/notifications');
    assert.match(await page.locator('main').innerText(), /validé par le comité de pilotage : votre organisation pilote/);
    await h.click(page.getByRole('button', { name: /^Ouvrir : Le plan .* validé par le comité de pilotage/ }).first());
    assert.match(h.here(), /^\/mes-actions\?maison=\d+$/);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Mes actions');
    assert.equal(await page.getByRole('link', { name: 'Mes actions', exact: true }).getAttribute('aria-current'), 'page');

    // The late ones, then the first of them.
    await page.getByLabel('Échéance').selectOption({ label: 'En retard' });
    await h.click(page.getByRole('button', { name: 'Filtrer' }));
    const table = page.getByRole('table', { name: 'Actions pilotées par mon organisation' });
    assert.ok((await table.locator('tbody tr').count()) > 0, 'France Travail has late actions in Lille');
    assert.match(await table.innerText(), /en retard/);
    await h.click(table.locator('tbody tr th a').first());
    assert.match(h.here(), /^\/actions\/\d+$/);

    // The one follow-up form: the current status preselected; a new status, an achieved value, a note.
    const status = page.getByLabel('Statut', { exact: true });
    const current = await status.inputValue();
    const target = current === 'en_cours' ? 'en_pause' : 'en_cours';
    const label = target === 'en_cours' ? 'En cours' : 'En pause';
    await status.selectOption(target);
    await page.getByLabel(/^Réalisé — /).first().fill('12');
    await page.getByLabel('Note', { exact: true }).fill('Point d’étape avec la Maison : 12 personnes accompagnées.');
    await h.click(page.getByRole('button', { name: 'Enregistrer le suivi' }));
    const main = await page.locator('main').innerText();
    assert.match(main, /Suivi de l’action enregistré|Suivi de l'action enregistré/);
    assert.equal(await page.getByLabel('Statut', { exact: true }).inputValue(), target);
    assert.match(main, new RegExp(label));
    assert.match(await page.getByRole('region', { name: "Indicateurs de l'action" }).innerText(), /\b12\b/);
    assert.match(main, /12 personnes accompagnées/);

    // A proof: the attendance list, joined from the fiche; it is listed there and in « Mes actions ».
    const fiche = h.here();
    await h.click(page.getByRole('link', { name: 'Joindre une preuve' }));
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Joindre une preuve');
    await page.getByLabel('Fichier').setInputFiles({
      name: 'émargement forum des métiers.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from('%PDF-1.4\n% liste d\'émargement\n%%EOF\n'),
    });
    await h.click(page.getByRole('button', { name: 'Joindre', exact: true }));
    assert.equal(h.here(), fiche);
    assert.match(await page.locator('main').innerText(), /Preuve jointe/);
    const proofs = page.getByRole('region', { name: 'Preuves et documents' });
    assert.match(await proofs.innerText(), /émargement forum des métiers\.pdf/);
    await h.goto('/mes-actions');
    assert.ok((await page.getByRole('link', { name: 'émargement forum des métiers.pdf' }).count()) > 0);
  },
};
