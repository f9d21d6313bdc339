// Every role: open "Mon profil" from the header, then sign out with the header's button.
export default {
  name: 'Mon profil puis déconnexion',
  roles: ['admin', 'responsable', 'staff', 'partner'],
  async run(h) {
    const { page, assert } = h;
    await h.click(page.locator('header a[href="/profil"]'));
    assert.equal(h.here(), '/profil');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Mon profil');
    assert.match(await page.locator('main').innerText(), new RegExp(h.account.email.replace(/[.]/g, '\\.'), 'i'));
    await h.signOut();
  },
};
