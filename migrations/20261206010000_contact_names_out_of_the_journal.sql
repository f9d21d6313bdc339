-- The journal holds no name (issue 23, HACKING « Personal data »): the summaries of a partner's contact
-- added or removed named the contact (« Contact ajouté pour France Travail Nord : Anne Lambert »), a person
-- who has no account and whose name an erasure could never reach. The name goes, once; the summary keeps
-- what happened and to which organisation. (The last « : » separates the name: organisation names come first.)
update event set summary = regexp_replace(summary, '^(Contact (ajouté|retiré) pour .+) : [^:]*$', '\1')
 where action in ('contact_ajout', 'contact_retrait');
