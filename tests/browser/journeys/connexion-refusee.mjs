// Signed out: a wrong password is refused with a French message, the typed e-mail is kept.
export default {
  name: 'Connexion refusée : mauvais mot de passe',
  roles: ['anonyme'],
  async run(h) {
    const { page, assert } = h;
    await h.goto('/connexion');
    const form = page.locator('form:has(input[name="password"])');
    // An address with no account: failures are counted per address, so demo accounts are never locked.
    await form.locator('input[name="email"]').fill('personne.inconnue@example.org');
    await form.locator('input[name="password"]').fill('pas-le-bon-mot-de-passe');
    const { status } = await h.click(form.getByRole('button', { name: 'Se connecter' }), { allowStatus: [422] });
    assert.equal(status, 422, 'a refused sign-in answers 422');
    assert.match(await page.getByRole('alert').innerText(), /Adresse e-mail ou mot de passe incorrect/);
    assert.equal(await form.locator('input[name="email"]').inputValue(), 'personne.inconnue@example.org', 'the typed e-mail is kept');
  },
};
