// The core journey with JavaScript OFF: sign in through the form, open a page, submit a form that is
// refused (wrong current password: the French error shows beside the field), sign out.
export default {
  name: 'Sans JavaScript : connexion, profil, formulaire refusé, déconnexion',
  roles: ['staff'],
  javaScriptEnabled: false,
  signIn: false, // done below, explicitly, since it is part of what is checked
  async run(h) {
    const { page, assert } = h;
    await h.signIn();
    assert.equal(h.here(), '/');

    await h.goto('/profil');
    const form = page.locator('form[action="/profil/mot-de-passe"]');
    await form.getByLabel('Mot de passe actuel').fill('ce-n-est-pas-le-bon');
    await form.getByLabel('Nouveau mot de passe', { exact: true }).fill('une nouvelle phrase de passe');
    await form.getByLabel('Confirmation du nouveau mot de passe').fill('une nouvelle phrase de passe');
    const { status } = await h.click(form.getByRole('button', { name: 'Changer le mot de passe' }), { allowStatus: [422] });
    assert.equal(status, 422, 'a refused form answers 422');
    assert.equal(h.here(), '/profil/mot-de-passe');
    assert.match(await page.locator('#current-error').innerText(), /Le mot de passe actuel est incorrect/);
    assert.equal(await page.getByLabel('Mot de passe actuel').getAttribute('aria-invalid'), 'true');

    await h.signOut();
  },
};
