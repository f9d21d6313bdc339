// « Enregistrer et ajouter la suivante » with JavaScript OFF: the same journey as fiche-suivante.mjs.
import { run } from './fiche-suivante.mjs';

export default {
  name: 'Sans JavaScript : fiches en série, « Enregistrer et ajouter la suivante »',
  roles: ['responsable'],
  javaScriptEnabled: false,
  run,
};
