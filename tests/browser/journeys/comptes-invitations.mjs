// Accounts by invitation, from the accounts list: the admin searches a Maison (no list of the whole network)
// and invites its responsable (a first try with the name left empty is refused beside the field); the
// responsable opens the link, chooses a password, and invites a person of one of the Maison's partner
// organisations; that person accepts, signs out and signs in through the form. A used link then answers a
// clear page.
export default {
  name: 'Comptes : invitation d\'un responsable, puis d\'un partenaire',
  roles: ['admin'],
  async run(h) {
    const { page, assert } = h;
    const stamp = Date.now().toString(36);
    const password = 'une phrase de passe pour la journée';

    /** From the accounts list to the chooser, then `pick` reaches the form; returns the link shown (path only). */
    async function invite({ name, email, pick }) {
      await h.click(page.getByRole('link', { name: 'Comptes', exact: true }));
      assert.equal(h.here(), '/comptes');
      await h.click(page.getByRole('link', { name: 'Inviter une personne' }));
      await pick();
      await page.getByLabel('Nom et prénom').fill(name);
      await page.getByLabel('Adresse e-mail').fill(email);
      await h.click(page.getByRole('button', { name: /Créer le compte/ }));
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), "Lien d'invitation");
      assert.match(await page.locator('main').innerText(), /L'envoi d'e-mails n'est pas configuré|e-mail/);
      const link = await page.getByLabel('Lien (à copier)').inputValue();
      return new URL(link).pathname;
    }

    /** The admin's chooser: a search by name, then the Maison picked among the results. */
    async function pickMaison() {
      await page.getByLabel('Nom ou ville de la Maison').fill('nancy');
      await h.click(page.getByRole('button', { name: 'Chercher la Maison' }));
      await h.click(page.getByRole('link', { name: /Grand Nancy/ }).first());
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), "Inviter un membre de l'équipe");
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
    await pickMaison();
    const respEmail = `resp.${stamp}@mde.example.org`;
    await page.getByLabel('Adresse e-mail').fill(respEmail);
    const refused = await h.click(page.getByRole('button', { name: /Créer le compte/ }), { allowStatus: [422] });
    assert.equal(refused.status, 422);
    assert.match(await page.locator('#name-error').innerText(), /Indiquez le nom/);
    assert.equal(await page.getByLabel('Adresse e-mail').inputValue(), respEmail);

    const respName = `Romane Responsable ${stamp}`;
    const respLink = await invite({
      name: respName,
      email: respEmail,
      pick: async () => {
        await pickMaison();
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
      pick: async () => {
        // The responsable's chooser lists the Maison's partner organisations; it invites into those the
        // Maison manages (created by it, partnered by it alone), the others' people are their référents'.
        await h.click(page.locator('section[aria-labelledby="partenaires"] a[href^="/comptes/inviter"]').first());
        assert.equal(
          await page.getByRole('heading', { level: 1 }).innerText(),
          "Inviter une personne de l'organisation",
        );
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
