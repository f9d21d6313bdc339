// Accounts by invitation: the admin invites a Maison's responsable (a first try with the name left empty is
// refused beside the field); the responsable opens the link, chooses a password, and invites a person of a
// partner organisation; that person accepts, signs out and signs in through the form. A used link then
// answers a clear page.
export default {
  name: 'Comptes : invitation d\'un responsable, puis d\'un partenaire',
  roles: ['admin'],
  async run(h) {
    const { page, assert } = h;
    const stamp = Date.now().toString(36);
    const password = 'une phrase de passe pour la journée';

    /** Fills and sends the invitation form; returns the link shown (path only). */
    async function invite({ name, email, role, pick }) {
      await h.click(page.getByRole('link', { name: 'Comptes', exact: true }));
      assert.equal(h.here(), '/comptes');
      await h.click(page.getByRole('link', { name: 'Inviter une personne' }));
      await page.getByLabel('Nom et prénom').fill(name);
      await page.getByLabel('Adresse e-mail').fill(email);
      await page.getByLabel('Rôle').selectOption({ label: role });
      await pick();
      await h.click(page.getByRole('button', { name: /Créer le compte/ }));
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), "Lien d'invitation");
      assert.match(await page.locator('main').innerText(), /L'envoi d'e-mails n'est pas configuré|e-mail/);
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

    // The admin's first try forgets the name: refused beside the field, the e-mail kept.
    await h.click(page.getByRole('link', { name: 'Comptes', exact: true }));
    await h.click(page.getByRole('link', { name: 'Inviter une personne' }));
    const respEmail = `resp.${stamp}@mde.example.org`;
    await page.getByLabel('Adresse e-mail').fill(respEmail);
    await page.getByLabel('Maison', { exact: true }).selectOption({ index: 2 });
    const refused = await h.click(page.getByRole('button', { name: /Créer le compte/ }), { allowStatus: [422] });
    assert.equal(refused.status, 422);
    assert.match(await page.locator('#name-error').innerText(), /Indiquez le nom/);
    assert.equal(await page.getByLabel('Adresse e-mail').inputValue(), respEmail);

    const respName = `Romane Responsable ${stamp}`;
    const respLink = await invite({
      name: respName,
      email: respEmail,
      role: 'Équipe de la Maison',
      pick: async () => {
        await page.getByLabel('Maison', { exact: true }).selectOption({ index: 2 });
        await page.getByLabel(/Responsable de la Maison/).check();
      },
    });
    await accept(respLink, respName);

    // The new responsable invites a person of one of the Maison's partner organisations.
    const partnerName = `Paul Partenaire ${stamp}`;
    const partnerEmail = `partenaire.${stamp}@organisation.example.org`;
    const partnerLink = await invite({
      name: partnerName,
      email: partnerEmail,
      role: 'Partenaire (personne d\'une organisation partenaire)',
      pick: async () => {
        await page.getByLabel('Organisation partenaire').selectOption({ index: 1 });
      },
    });
    await accept(partnerLink, partnerName);

    // The partner signs out and back in with the chosen password.
    await h.signOut();
    await h.goto('/connexion');
    await page.getByLabel('Adresse e-mail').fill(partnerEmail);
    await page.getByLabel('Mot de passe').fill(password);
    await h.click(page.getByRole('button', { name: 'Se connecter' }));
    assert.equal(h.here(), '/');
    assert.match(await page.locator('header').innerText(), new RegExp(partnerName));

    // The link was single use.
    await h.signOut();
    const used = await h.goto(partnerLink, { allowStatus: [410] });
    assert.equal(used.status, 410);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Lien déjà utilisé');
  },
};
