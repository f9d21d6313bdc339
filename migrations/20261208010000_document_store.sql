-- Issue 16: one document store. The diagnostics' documents (`diagnostic_document`) become `document`, the
-- table every kind of owner shares: one column per kind of owner, each a foreign key whose deletion
-- cascades (deleting a diagnostic or a fiche action deletes its documents), and exactly one of them set
-- (`document_one_owner`). A new kind of owner (copil minutes, practices, campaigns…) adds its column, its
-- index, and widens the check. Ids are kept: links and exports made before stay true.
alter table diagnostic_document rename to document;
alter sequence diagnostic_document_id_seq rename to document_id_seq;
alter index diagnostic_document_pkey rename to document_pkey;
alter index diagnostic_document_diagnostic_idx rename to document_diagnostic_idx;
alter table document rename constraint diagnostic_document_size_bytes_check to document_size_bytes_check;
alter table document rename constraint diagnostic_document_diagnostic_id_fkey to document_diagnostic_id_fkey;
alter table document rename constraint diagnostic_document_uploaded_by_fkey to document_uploaded_by_fkey;

-- The proofs of a fiche action (attendance lists, photos, conventions).
alter table document
    alter column diagnostic_id drop not null,
    add column action_id bigint references action on delete cascade,
    add constraint document_one_owner check (num_nonnulls(diagnostic_id, action_id) = 1);
create index document_action_idx on document (action_id) where action_id is not null;
