// The network grows (issue 4): the admin creates a Maison on an EPCI found by name and invites its
// responsable from the Maison's page; the responsable accepts (chooses a password), creates a partner
// organisation from the Maison's page and invites one of its people from the partner list; that person
// accepts, signs out, signs in through the form and reads the Maison's page. Every page reached is checked
// (axe, vnu, status, landmarks) by the harness.
export default {
  name: 'Réseau : une nouvelle Maison, son responsable, un partenaire créé et une personne invitée',
  roles: ['admin'],
  async run(h) {
    const { page, assert } = h;
    const stamp = Date.now().toString(36);
    const password = 'une phrase de passe pour la journée';

    /** Sends the invitation form (context already fixed); returns the link shown (path only). */
    async function invite(name, email) {
      await page.getByLabel('Nom et prénom').fill(name);
      await page.getByLabel('Adresse e-mail').fill(email);
      await h.click(page.getByRole('button', { name: /Créer le compte/ }));
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), "Lien d'invitation");
      const link = await page.getByLabel('Lien (à copier)').inputValue();
      return new URL(link).pathname;
    }

    /** Opens an invitation link signed out and chooses the password; lands on the home page signed in. */
    async function accept(path, name) {
      await h.signOut();
      await h.goto(path);
      await page.getByLabel('Mot de passe', { exact: true }).fill(password);
      await page.getByLabel('Confirmation du mot de passe').fill(password);
      await h.click(page.getByRole('button', { name: 'Activer mon compte' }));
      assert.equal(h.here(), '/');
      assert.match(await page.getByRole('status').first().innerText(), new RegExp(`Bienvenue, ${name}`));
    }

    // 1. The admin creates the Maison; its territory is an EPCI searched by name and picked.
    await h.click(page.getByRole('link', { name: 'Maisons', exact: true }));
    await h.click(page.getByRole('link', { name: 'Créer une Maison' }));
    await page.getByLabel("Nom ou SIREN de l'EPCI").fill('vallee de la bruche');
    await h.click(page.getByRole('button', { name: "Chercher l'EPCI" }));
    await h.click(page.getByRole('link', { name: 'Choisir CC de la Vallée de la Bruche' }));
    assert.equal(await page.getByLabel("SIREN de l'EPCI principal du territoire").inputValue(), '246700306');
    const maisonName = `Maison de l'Emploi de la Vallée de la Bruche ${stamp}`;
    await page.getByLabel('Nom de la Maison').fill(maisonName);
    await page.getByLabel('Ville', { exact: true }).fill('Schirmeck');
    await h.click(page.getByRole('button', { name: 'Créer la Maison' }));
    assert.match(h.here(), /^\/maisons\/\d+$/);
    const maisonPath = h.here();
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), maisonName);
    assert.match(await page.locator('main').innerText(), /CC de la Vallée de la Bruche/);

    // 2. From the Maison's page, the admin invites its responsable: the Maison is fixed, not chosen.
    await h.click(page.getByRole('link', { name: "Inviter un membre de l'équipe" }));
    assert.match(await page.locator('main').innerText(), new RegExp(`Maison\\s+${maisonName}`));
    await page.getByLabel(/Responsable de la Maison/).check();
    const respName = `Bruno Responsable ${stamp}`;
    const respLink = await invite(respName, `resp.bruche.${stamp}@mde.example.org`);
    await accept(respLink, respName);

    // 3. The responsable creates a partner organisation from the Maison's page.
    await h.click(page.getByRole('link', { name: 'La fiche de la Maison' }));
    assert.equal(h.here(), maisonPath);
    await h.click(page.getByRole('link', { name: 'Créer une organisation partenaire' }));
    const orgName = `Mission locale de la Bruche ${stamp}`;
    await page.getByLabel("Nom de l'organisation").fill(orgName);
    await page.getByLabel('Type', { exact: true }).selectOption({ label: 'Mission locale' });
    await page.getByLabel('Région', { exact: true }).selectOption({ label: 'Grand Est' });
    await page.getByLabel('comité de pilotage').check();
    await page.getByLabel('opérateur').check();
    await h.click(page.getByRole('button', { name: 'Créer et ajouter aux partenaires' }));
    assert.equal(h.here(), maisonPath);
    assert.match(await page.locator('section[aria-labelledby="partenaires"]').innerText(), new RegExp(orgName));

    // 4. …and invites one of its people from the partner list.
    await h.click(page.getByRole('link', { name: `Inviter une personne de ${orgName}` }));
    assert.match(await page.locator('main').innerText(), new RegExp(`Organisation\\s+${orgName}`));
    const partnerName = `Pauline Partenaire ${stamp}`;
    const partnerEmail = `pauline.${stamp}@mission-locale.example.org`;
    const partnerLink = await invite(partnerName, partnerEmail);
    await accept(partnerLink, partnerName);

    // 5. The partner signs out and back in through the form, and reads the Maison they partner.
    await h.signOut();
    await h.goto('/connexion');
    await page.getByLabel('Adresse e-mail').fill(partnerEmail);
    await page.getByLabel('Mot de passe').fill(password);
    await h.click(page.getByRole('button', { name: 'Se connecter' }));
    assert.equal(h.here(), '/');
    assert.match(await page.locator('header').innerText(), new RegExp(partnerName));
    await h.click(page.getByRole('link', { name: maisonName }));
    assert.equal(h.here(), maisonPath);
  },
};
