// Issue 17: the Maison's desk, for the chargée de mission and the responsable of the demo's Lille: where
// the Maison stands in the method and its next step, its plan and diagnostics, the actions late or ending
// this month, the comments to treat, what waits for an answer, the activity as sentences linking to their
// objects; the responsable also sees the team's tasks. Every section's link opens (checked like the crawl).
export default {
  name: 'Le bureau de la Maison : démarche, échéances, commentaires, activité',
  roles: ['staff', 'responsable'],
  async run(h) {
    const { page, assert, role } = h;
    await h.goto('/');
    const region = (name) => page.getByRole('region', { name });
    assert.match(await region(/Où en est la démarche/).innerText(), /Prochaine étape :/);
    assert.equal(await region(/Où en est la démarche/).locator('[aria-current="step"]').count(), 1);
    assert.match(await region(/Plan et diagnostics en cours/).innerText(), /Plan d'actions|Aucun plan/);
    assert.match(await region(/Actions en retard ou à terme ce mois-ci/).innerText(), /\d+ actions? en retard, \d+ actions? se termin/);
    assert.equal(await region(/Commentaires à traiter/).count(), 1);
    assert.equal(await region(/En attente d'une réponse/).count(), 1);
    assert.equal(await page.getByRole('table', { name: /Actions dont chaque membre de l'équipe est référent/ }).count(), role === 'responsable' ? 1 : 0);
    // The activity reads as sentences, not field diffs, and each links to its object.
    const activity = region(/Activité récente de la Maison/);
    assert.equal(await activity.locator('del, ins').count(), 0);
    const first = activity.getByRole('link').first();
    assert.match(await first.innerText(), / a | : /);
    await h.click(first);
    assert.doesNotMatch(h.here(), /^\/$/);
  },
};
