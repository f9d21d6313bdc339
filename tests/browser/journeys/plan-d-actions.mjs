// The Grenelle action-plan workflow end to end: the responsable builds a plan (from the Maison's validated
// diagnostic when there is one) with one fiche per axis — the first one gets a second indicator line and a
// budget line added then removed (« Ajouter une ligne », « Retirer », no JavaScript needed), and a first
// try with the end date before the start is refused beside the field —, submits it, records the copil's
// validation, starts the actions; the France Travail partner, pilot of the actions, adds a follow-up note
// through the one follow-up form;
// the AVE admin gives an avis du réseau; the responsable closes the plan with its evaluation.
import { signIn } from '../lib/browser.mjs';
import * as config from '../config.mjs';

export default {
  name: "Plan d'actions : construction, copil, mise en œuvre, suivi partenaire, avis du réseau, clôture",
  roles: ['responsable'],
  async run(h) {
    const { page, assert } = h;
    const title = `Plan d'actions parcours ${Date.now().toString(36)}`;

    async function switchTo(role) {
      await h.signOut();
      await signIn(page, config.accounts[role]);
      await h.check();
    }

    // A new plan.
    await h.click(page.getByRole('link', { name: "Plans d'actions", exact: true }));
    await h.click(page.getByRole('link', { name: "Nouveau plan d'actions" }));
    await page.getByLabel('Intitulé du plan').fill(title);
    const diagnostics = await page.getByLabel('Diagnostic auquel le plan répond').locator('option').count();
    if (diagnostics > 1) await page.getByLabel('Diagnostic auquel le plan répond').selectOption({ index: 1 });
    await page.getByLabel('Année de début').fill('2026');
    await page.getByLabel('Année de fin').fill('2028');
    await h.click(page.getByRole('button', { name: 'Enregistrer' }));
    const planPath = h.here();
    assert.match(planPath, /^\/plans\/\d+$/);
    assert.match(await page.locator('main').innerText(), /Il manque|ne peut pas encore être soumis/);

    // One fiche per axis, piloted by France Travail.
    const actionPaths = [];
    for (let axis = 1; axis <= 4; axis++) {
      await h.click(page.getByRole('link', { name: 'Ajouter une fiche action' }));
      await page.getByLabel('Intitulé').fill(`Action de l'axe ${axis}`);
      await page.getByLabel('Axe du cahier des charges').selectOption({ index: axis });
      const pilots = await page.getByLabel('Pilote', { exact: true }).locator('option').allInnerTexts();
      const ft = pilots.find((o) => o.startsWith('France Travail Hauts-de-France'));
      assert.ok(ft, 'France Travail is a partner of the Maison');
      await page.getByLabel('Pilote', { exact: true }).selectOption({ label: ft });
      await page.getByLabel('Date de début').fill('2026-02-01');
      await page.getByLabel('Date de fin').fill(axis === 1 ? '2025-12-31' : '2027-06-30');
      await page.getByLabel('Financeur 1 hors annuaire').fill('ADEME');
      await page.getByLabel('Montant 1 en euros').fill('12 500,00');
      await page.getByLabel("Libellé libre de l'indicateur 1").fill('Personnes accompagnées');
      await page.getByLabel('Unité 1').fill('personnes');
      await page.getByLabel('Cible 1').fill('40');
      if (axis === 1) {
        // A second indicator: « Ajouter une ligne » brings the form back with one more line, typing kept.
        await h.click(page.getByRole('button', { name: "Ajouter une ligne d'indicateur" }));
        assert.equal(await page.getByLabel('Intitulé').inputValue(), "Action de l'axe 1");
        assert.equal(await page.getByLabel("Libellé libre de l'indicateur 1").inputValue(), 'Personnes accompagnées');
        assert.equal(await page.getByLabel("Libellé libre de l'indicateur 2").inputValue(), '');
        await page.getByLabel("Libellé libre de l'indicateur 2").fill('Entreprises rencontrées');
        await page.getByLabel('Unité 2').fill('entreprises');
        await page.getByLabel('Cible 2').fill('10');
        // A budget line added by mistake goes away with « Retirer ».
        await h.click(page.getByRole('button', { name: 'Ajouter une ligne de financement' }));
        await page.getByLabel('Financeur 2 hors annuaire').fill('Erreur de saisie');
        await h.click(page.getByRole('button', { name: 'Retirer la ligne de financement 2' }));
        assert.equal(await page.getByLabel('Financeur 1 hors annuaire').inputValue(), 'ADEME');
        assert.equal(await page.getByLabel('Financeur 2 hors annuaire').inputValue(), '');
        assert.equal(await page.getByLabel("Libellé libre de l'indicateur 2").inputValue(), 'Entreprises rencontrées');
        const refused = await h.click(page.getByRole('button', { name: 'Enregistrer la fiche' }), { allowStatus: [422] });
        assert.equal(refused.status, 422);
        assert.match(await page.locator('#end-error').innerText(), /ne peut pas précéder/);
        assert.equal(await page.getByLabel('Intitulé').inputValue(), "Action de l'axe 1");
        await page.getByLabel('Date de fin').fill('2027-06-30');
      }
      await h.click(page.getByRole('button', { name: 'Enregistrer la fiche' }));
      assert.match(h.here(), /^\/actions\/\d+$/);
      actionPaths.push(h.here());
      assert.match(await page.locator('main').innerText(), /12\s500,00\s€/);
      if (axis === 1) assert.match(await page.locator('main').innerText(), /Entreprises rencontrées/);
      await h.goto(planPath);
    }

    // Submission, then the copil's validation.
    assert.match(await page.locator('main').innerText(), /Le plan est complet/);
    await h.click(page.getByRole('button', { name: 'Soumettre au comité de pilotage' }));
    // Every fiche has a budget: only a diagnostic not validated (or none) is left to confirm.
    if (await page.getByRole('button', { name: 'Confirmer la soumission' }).count() > 0) {
      const left = await page.getByRole('region', { name: /À vérifier avant de confirmer/ }).innerText();
      assert.doesNotMatch(left, /Fiches sans budget/);
      assert.match(left, /Diagnostic/);
      await h.click(page.getByRole('button', { name: 'Confirmer la soumission' }));
    }
    await h.click(page.getByRole('link', { name: 'Enregistrer la décision du comité de pilotage' }));
    await page.getByLabel('Le comité valide le plan').check();
    await page.getByLabel('Membres présents').fill('DREETS, France Travail, Métropole, CAPEB');
    await page.getByLabel('Compte rendu').fill('Plan validé à l’unanimité.');
    await h.click(page.getByRole('button', { name: 'Enregistrer la décision' }));
    assert.match(await page.locator('main').innerText(), /Validé/);
    await h.click(page.getByRole('button', { name: 'Lancer la mise en œuvre' }));
    assert.match(await page.locator('main').innerText(), /En mise en œuvre/);

    // The actions start.
    for (const path of actionPaths) {
      await h.goto(path);
      assert.equal(await page.getByLabel('Statut', { exact: true }).inputValue(), 'a_lancer', 'the current status preselected');
      await page.getByLabel('Statut', { exact: true }).selectOption({ label: 'En cours' });
      await h.click(page.getByRole('button', { name: 'Enregistrer le suivi' }));
      assert.match(await page.locator('main').innerText(), /En cours/);
    }

    // The partner, pilot of the actions, adds a follow-up note.
    await switchTo('partner');
    await h.goto(actionPaths[0]);
    assert.equal(await page.getByRole('link', { name: 'Modifier la fiche' }).count(), 0);
    await page.getByLabel('Note', { exact: true }).fill('Première réunion d’information : 18 inscrits.');
    await page.getByLabel('Avancement (%)').fill('20');
    await h.click(page.getByRole('button', { name: 'Enregistrer le suivi' }));
    assert.match(await page.locator('main').innerText(), /18 inscrits/);

    // The AVE admin gives the network's opinion.
    await switchTo('admin');
    await h.goto(planPath);
    await h.click(page.getByRole('link', { name: "Donner l'avis du réseau" }));
    await page.getByLabel('Favorable').check();
    await page.getByLabel(/Remarques/).fill('Plan équilibré sur les quatre axes.');
    await h.click(page.getByRole('button', { name: "Enregistrer l'avis" }));
    assert.match(await page.locator('main').innerText(), /Avis favorable/);

    // The responsable sees it and closes the plan with its evaluation.
    await switchTo('responsable');
    await h.goto(planPath);
    assert.match(await page.locator('main').innerText(), /Plan équilibré sur les quatre axes/);
    await h.click(page.getByRole('link', { name: 'Clôturer le plan avec son évaluation' }));
    await page.getByLabel('Évaluation du plan').fill('Objectifs atteints pour trois actions sur quatre.');
    await h.click(page.getByRole('button', { name: 'Clôturer le plan' }));
    // Before the end of 2028, with the actions still running: the warning page says so first.
    const left = await page.getByRole('region', { name: /À vérifier avant de confirmer/ }).innerText();
    assert.match(left, /ne se termine que le 31\/12\/2028/);
    assert.match(left, /Fiche n° 1 « Action de l'axe 1 » : En cours/);
    await h.click(page.getByRole('button', { name: 'Confirmer la clôture' }));
    assert.match(await page.locator('main').innerText(), /Clôturé/);
    assert.match(await page.locator('main').innerText(), /Objectifs atteints/);
  },
};
