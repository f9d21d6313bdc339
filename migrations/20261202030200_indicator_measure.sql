-- What kind of quantity each catalogue indicator is, so that a value is only ever compared with a
-- comparable one (issue 15, bug 4): an « effectif » (a count: jobs, people, firms…) of a Maison's territory
-- and of its département, région or France differ by the size of the territory and compare per 1,000
-- inhabitants, when `per_capita` says so; a « taux » (a share, a ratio, an index) compares as it is.
alter table indicator add column measure text not null default 'effectif'
    check (measure in ('effectif', 'taux'));
update indicator set measure = 'taux', per_capita = false where code in ('TENSION', 'BMO_DIFF');
update indicator set measure = 'taux', per_capita = false where unit in ('%', 'ratio', 'indice', 'taux');
