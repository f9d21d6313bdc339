// An unknown address answers the 404 page, which is checked like any other (title, h1, axe, vnu).
export default {
  name: 'Page introuvable (404)',
  roles: ['anonyme', 'partner'],
  async run(h) {
    const { page, assert } = h;
    const { status } = await h.goto('/cette-page-n-existe-pas', { allowStatus: [404] });
    assert.equal(status, 404);
    assert.ok((await page.getByRole('heading', { level: 1 }).innerText()).length > 0);
  },
};
