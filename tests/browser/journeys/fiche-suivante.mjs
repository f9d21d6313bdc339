// Issue 16, faster fiches: the responsable creates a plan, then a fiche with « Enregistrer et ajouter la
// suivante »: the next fiche's form opens at once, on the same axis with the next number, the message
// saying the first was saved; the second is saved with the plain button and opens its fiche. The same
// journey runs without JavaScript (fiche-suivante-sans-js.mjs): nothing in it needs a script.
export async function run(h) {
  const { page, assert } = h;
  await h.click(page.getByRole('link', { name: "Plans d'actions", exact: true }));
  await h.click(page.getByRole('link', { name: "Nouveau plan d'actions" }));
  await page.getByLabel('Intitulé du plan').fill(`Plan fiches en série ${Date.now().toString(36)}`);
  await page.getByLabel('Année de début').fill('2026');
  await page.getByLabel('Année de fin').fill('2028');
  await h.click(page.getByRole('button', { name: 'Enregistrer' }));
  assert.match(h.here(), /^\/plans\/\d+$/);
  const plan = h.here();

  await h.click(page.getByRole('link', { name: 'Ajouter une fiche action' }));
  await page.getByLabel('Intitulé').fill('Forum des métiers de la rénovation');
  await page.getByLabel('Axe du cahier des charges').selectOption({ index: 2 });
  const axis = await page.getByLabel('Axe du cahier des charges').inputValue();
  await h.click(page.getByRole('button', { name: 'Enregistrer et ajouter la suivante' }));
  assert.equal(h.here(), `${plan}/actions/nouvelle?axe=${axis}`);
  assert.match(await page.locator('main').innerText(), /Fiche action créée\. Saisissez la suivante\./);
  assert.equal(await page.getByLabel('Axe du cahier des charges').inputValue(), axis);
  assert.equal(await page.getByLabel('Numéro').inputValue(), '2');
  assert.equal(await page.getByLabel('Intitulé').inputValue(), '');

  await page.getByLabel('Intitulé').fill('Session de recrutement des métiers verts');
  await h.click(page.getByRole('button', { name: 'Enregistrer la fiche' }));
  assert.match(h.here(), /^\/actions\/\d+$/);
  await h.goto(plan);
  const main = await page.locator('main').innerText();
  assert.match(main, /Forum des métiers de la rénovation/);
  assert.match(main, /Session de recrutement des métiers verts/);
}

export default {
  name: 'Fiches en série : « Enregistrer et ajouter la suivante »',
  roles: ['responsable'],
  run,
};
